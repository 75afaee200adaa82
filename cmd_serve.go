package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/umconform/umconform/internal/termsafe"
	"github.com/umconform/umconform/reference"
)

const serveUsage = `Usage: umconform serve [--listen ADDR] [--profile NAME] [--auth basic --users FILE] [--list-profiles]

Runs the reference UM server (PlayOnPhone, GetCallInfo, Disconnect) until SIGINT or SIGTERM.
Paths: /EWS/UM2007Legacy.asmx and /UnifiedMessaging/Service.asmx; GET ?wsdl for the WSDL.
DialStrings ending in 00..09 choose the call scenario (see reference/README.md).
With --auth basic, every request needs the Basic credentials of a user of --users (a file of
USER:PASSWORD lines), and each call belongs to the user who placed it (docs/AUTH.md).

Flags:
`

// serveCommand implements "umconform serve".
func serveCommand(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runServe(ctx, args, stdout, stderr)
}

// runServe is serveCommand with the shutdown signal as a context, so that tests can stop it.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// What the server logs (net/http's errors, through the standard logger) may quote a
	// client's bytes: their control characters are escaped (package termsafe).
	stdout, stderr = termsafe.NewWriter(stdout), termsafe.NewWriter(stderr)
	log.SetOutput(stderr)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", serveEnv("UMCONFORM_LISTEN", "127.0.0.1:8080"), "address to listen on (env UMCONFORM_LISTEN)")
	profile := fs.String("profile", serveEnv("UMCONFORM_PROFILE", reference.ProfileExchange), "server profile, see --list-profiles (env UMCONFORM_PROFILE)")
	list := fs.Bool("list-profiles", false, "list the profiles with the requirement each breaks, then exit")
	auth := fs.String("auth", serveEnv("UMCONFORM_SERVE_AUTH", "none"), "authentication the server requires: none or basic (env UMCONFORM_SERVE_AUTH)")
	usersFile := fs.String("users", serveEnv("UMCONFORM_USERS", ""), "`file` of the users of --auth basic, one USER:PASSWORD a line (env UMCONFORM_USERS)")
	fs.Usage = func() {
		fmt.Fprint(stderr, serveUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "umconform serve: unexpected argument %q: serve takes only flags\n", fs.Arg(0))
		return 2
	}
	if *list {
		listProfiles(stdout)
		return 0
	}
	_, err := reference.LookupProfile(*profile)
	if err != nil {
		fmt.Fprintf(stderr, "umconform serve: %v\n", err)
		return 2
	}
	var users map[string]string
	switch {
	case *auth == "basic" && *usersFile == "":
		fmt.Fprintln(stderr, "umconform serve: --auth basic needs --users FILE (one USER:PASSWORD a line)")
		return 2
	case *auth == "basic":
		if users, err = reference.LoadUsers(*usersFile); err != nil {
			fmt.Fprintf(stderr, "umconform serve: %v\n", err)
			return 2
		}
	case *auth != "none":
		fmt.Fprintf(stderr, "umconform serve: --auth %q: want none or basic\n", *auth)
		return 2
	case *usersFile != "":
		fmt.Fprintln(stderr, "umconform serve: --users given without --auth basic")
		return 2
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "umconform serve: listen on %s: %v (choose another address with --listen or UMCONFORM_LISTEN)\n", *listen, err)
		return 2
	}
	srv, err := reference.Serve(ctx, ln, reference.Options{Profile: *profile, Users: users})
	if err != nil {
		fmt.Fprintf(stderr, "umconform serve: %v\n", err)
		return 2
	}
	// The EWS endpoint first: scripts read the UM URL at the end of the last line.
	fmt.Fprintf(stdout, "umconform serve: EWS endpoint (PlayOnPhone, GetPhoneCallInformation, DisconnectPhoneCall) at %s\n", srv.EWSURL())
	if users != nil {
		fmt.Fprintf(stdout, "umconform serve: Basic authentication required, %d users from %s\n", len(users), *usersFile)
	}
	fmt.Fprintf(stdout, "umconform serve: profile %s listening on %s\n", *profile, srv.URL())
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "umconform serve: %v\n", err)
		return 2
	}
	fmt.Fprintln(stdout, "umconform serve: stopped")
	return 0
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
