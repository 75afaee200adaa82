package cli

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
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
GET PATH?wsdl gives each endpoint's WSDL. It prints both endpoint URLs once it listens.

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
		auth := inv.fs.String("auth", serveEnv("UMCONFORM_SERVE_AUTH", "none"), "authentication the server requires: none or basic (env UMCONFORM_SERVE_AUTH)")
		usersFile := inv.fs.String("users", serveEnv("UMCONFORM_USERS", ""), "`file` of the users of --auth basic, one USER:PASSWORD a line (env UMCONFORM_USERS)")
		return func(ctx context.Context) int {
			if *list {
				listProfiles(inv.stdout)
				return exitOK
			}
			users, code := serveUsers(inv, *auth, *usersFile)
			if code != exitOK {
				return code
			}
			return serve(ctx, inv, *listen, *profile, users, *usersFile)
		}
	},
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

func serve(ctx context.Context, inv *invocation, listen, profile string, users map[string]string, usersFile string) int {
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
	srv, err := reference.Serve(ctx, ln, reference.Options{Profile: profile, Users: users})
	if err != nil {
		return inv.cannotRun("%v", err)
	}
	// The EWS endpoint first: scripts read the UM URL at the end of the last line.
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
