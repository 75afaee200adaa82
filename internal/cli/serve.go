package cli

import (
	"context"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"os"
	"slices"
	"strings"

	"github.com/umconform/umconform/internal/termsafe"
	"github.com/umconform/umconform/reference"
)

var serveCmd = &command{
	name:     "serve",
	synopsis: "[flags]",
	summary:  "run the reference server: the UM web service and EWS",
	help: `Runs the reference server until SIGINT or SIGTERM. It serves both APIs:
  the UM web service (PlayOnPhone, GetCallInfo, Disconnect) at /EWS/UM2007Legacy.asmx and
    Exchange 2007's /UnifiedMessaging/Service.asmx;
  EWS (PlayOnPhone, GetPhoneCallInformation, DisconnectPhoneCall) at /EWS/Exchange.asmx.
GET PATH?wsdl gives each endpoint's WSDL.

Once it listens it prints, a line each: the id of every voice mail item its mailbox holds
(an EWS PlayOnPhone for any other id is answered ErrorItemNotFound), the dial strings of
its call scenarios, a run against it that passes, the EWS endpoint URL, and last the UM
endpoint URL. --item adds an item of your own, so that a run's --entry-id may name it.

The last two digits of the number PlayOnPhone dials choose what the call does:
  00 answered (such as +15550100)                       05 forwarded
  01 busy                                               06 other failure
  02 no answer                                          07 remote hang-up
  03 unavailable                                        08 inbound
  04 transferred                                        09 queued; 10-99 as 00
A --profile other than exchange breaks one requirement on purpose (--list-profiles names
them), so you can see a run catch it: umconform run --profile NAME does that in one step.
With --auth basic every request needs the Basic credentials of a user of --users (a file
of USER:PASSWORD lines), and each call belongs to the user who placed it (docs/AUTH.md).
Exit 0 stopped cleanly, 2 bad usage or the address could not be listened on.
`,
	operands: noOperands,
	setup: func(inv *invocation) body {
		listen := inv.fs.String("listen", serveEnv("UMCONFORM_LISTEN", "127.0.0.1:8080"), "address to listen on (env UMCONFORM_LISTEN)")
		profile := inv.fs.String("profile", serveEnv("UMCONFORM_PROFILE", reference.ProfileExchange), "server profile, see --list-profiles (env UMCONFORM_PROFILE)")
		list := inv.fs.Bool("list-profiles", false, "list the profiles with the requirement each breaks, then exit")
		var items itemList
		inv.fs.Var(&items, "item", "`id` of a voice mail item the mailbox holds, besides the built-in one (repeatable): base64, as an EWS ItemId")
		auth := inv.fs.String("auth", serveEnv("UMCONFORM_SERVE_AUTH", "none"), "authentication the server requires: none or basic (env UMCONFORM_SERVE_AUTH)")
		usersFile := inv.fs.String("users", serveEnv("UMCONFORM_USERS", ""), "`file` of the users of --auth basic, one USER:PASSWORD a line (env UMCONFORM_USERS)")
		return func(ctx context.Context) int {
			if *list {
				listProfiles(inv.stdout)
				return exitOK
			}
			for _, id := range items {
				if !reference.ValidItemID(id) {
					return inv.cannotRun("--item %s: not an item id (the standard base64 of at least 8 bytes, as an EWS ItemId is)", termsafe.Escape(id))
				}
			}
			users, code := serveUsers(inv, *auth, *usersFile)
			if code != exitOK {
				return code
			}
			return serve(ctx, inv, *listen, *profile, items, users, *usersFile)
		}
	},
}

// itemList is the repeatable --item flag.
type itemList []string

func (l *itemList) String() string { return strings.Join(*l, ",") }

func (l *itemList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// serveUsers reads the users of --auth basic; none for --auth none.
func serveUsers(inv *invocation, auth, usersFile string) (map[string]string, int) {
	switch {
	case auth == "basic" && usersFile == "":
		return nil, inv.cannotRun("--auth basic needs --users FILE (one USER:PASSWORD a line)")
	case auth == "basic":
		users, err := reference.LoadUsers(usersFile)
		if err != nil {
			return nil, inv.cannotRun("%v", err)
		}
		return users, exitOK
	case auth != "none":
		return nil, inv.cannotRun("--auth %q: want none or basic", auth)
	case usersFile != "":
		return nil, inv.cannotRun("--users given without --auth basic")
	}
	return nil, exitOK
}

func serve(ctx context.Context, inv *invocation, listen, profile string, items []string, users map[string]string, usersFile string) int {
	// What the server logs (net/http's errors, through the standard logger) may quote a
	// client's bytes: their control characters are escaped (package termsafe).
	stdout, stderr := termsafe.NewWriter(inv.stdout), termsafe.NewWriter(inv.stderr)
	log.SetOutput(stderr)
	ctx, stop := interruptible(ctx)
	defer stop()
	if _, err := reference.LookupProfile(profile); err != nil {
		return inv.cannotRun("%v", err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return inv.cannotRun("listen on %s: %v (choose another address with --listen or UMCONFORM_LISTEN)", listen, err)
	}
	srv, err := reference.Serve(ctx, ln, reference.Options{Profile: profile, Items: items, Users: users})
	if err != nil {
		return inv.cannotRun("%v", err)
	}
	// What a run needs first (the item and the numbers), then the endpoints: scripts read
	// the UM URL at the end of the last line.
	held := []string{reference.DefaultEntryID}
	for _, id := range items {
		if !slices.Contains(held, id) {
			held = append(held, id)
		}
	}
	for _, id := range held {
		fmt.Fprintf(stdout, "umconform serve: mailbox item (--entry-id) %s\n", id)
	}
	fmt.Fprintf(stdout, "umconform serve: dial strings (--dial-string) %s\n", dialStrings())
	host := strings.TrimSuffix(srv.URL(), reference.LegacyPath)
	try := fmt.Sprintf("umconform run --target %s --dial-string %s --entry-id %s", host, reference.DefaultDialString, held[len(held)-1])
	if len(users) > 0 {
		// The password is never a flag, nor printed: the run reads it from the environment.
		try += fmt.Sprintf(" --auth basic --username %s, with that user's password in UMCONFORM_PASSWORD", slices.Sorted(maps.Keys(users))[0])
	}
	fmt.Fprintf(stdout, "umconform serve: try %s\n", try)
	fmt.Fprintf(stdout, "umconform serve: EWS endpoint (PlayOnPhone, GetPhoneCallInformation, DisconnectPhoneCall) at %s\n", srv.EWSURL())
	if users != nil {
		fmt.Fprintf(stdout, "umconform serve: Basic authentication required, %d users from %s\n", len(users), usersFile)
	}
	fmt.Fprintf(stdout, "umconform serve: profile %s listening on %s\n", profile, srv.URL())
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "umconform serve: %v\n", err)
		return exitCannotRun
	}
	fmt.Fprintln(stdout, "umconform serve: stopped")
	return exitOK
}

// dialStrings names the scenario of each dial string, the answered one (whose calls stay up
// until disconnected, as a run's --dial-string needs) first.
func dialStrings() string {
	var parts []string
	for _, s := range reference.Scenarios() {
		what := s.Name
		if s.DialString == reference.DefaultDialString {
			what += ", stays up until disconnected"
		}
		parts = append(parts, fmt.Sprintf("%s %s", s.DialString, what))
	}
	return strings.Join(parts, "; ")
}

func listProfiles(w io.Writer) {
	for _, p := range reference.Profiles() {
		breaks := "legal"
		if len(p.Breaks) > 0 {
			breaks = "breaks " + strings.Join(p.Breaks, ",")
			if len(p.Implied) > 0 {
				breaks += " (implies " + strings.Join(p.Implied, ",") + ")"
			}
		}
		fmt.Fprintf(w, "%-30s %-22s %s\n", p.Name, breaks, p.Doc)
	}
}

func serveEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
