package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"time"

	"github.com/umconform/umconform/fixtures/record"
	"github.com/umconform/umconform/internal/plural"
	"github.com/umconform/umconform/runner"
)

var recordCmd = &command{
	name:     "record",
	synopsis: "--upstream URL --out DIR [flags]",
	summary:  "record a client's exchanges as fixtures, via a proxy",
	help: `Runs a recording reverse proxy: point a real client at http://LISTEN (same path as on the
server) and every exchange is relayed to the upstream unchanged and written to DIR as a
fixture. One recorder relays both APIs of an Exchange host, each told from its path and
message: the UM web service (GetCallInfo, PlayOnPhone, Disconnect at
/EWS/UM2007Legacy.asmx, or Exchange 2007's /UnifiedMessaging/Service.asmx) and EWS
(PlayOnPhone, GetPhoneCallInformation, DisconnectPhoneCall at /EWS/Exchange.asmx).

A fixture is three files in DIR/ID/:
  ID.request.http   the request, byte for byte as the client sent it (the replay changes
                    only the path, the Host header, Content-Length and the bound values)
  ID.response.http  the answer the upstream gave, kept for reference, never replayed
  ID.json           what it is: id, title, the requirements it proves, its source, the
                    outcome a conforming server gives (expect.outcome: success, fault,
                    rejected, or error for EWS) and the values bound at replay
                    (bind_call_id, bind_phone_call_id, bind_entry_id, bind_dial_string)
Edit ID.json's title and requirements to say what the exchange proves; the recorder fills
the rest from what it saw.

Secrets and names: Authorization, Proxy-Authorization, Cookie and Set-Cookie headers are
dropped before anything is written. What names a mailbox or a person goes too:
X-AnchorMailbox-style headers become REDACTED; the voice mail item becomes REDACTED-ITEM-ID
(EWS ItemId) or REDACTED-ENTRY-ID (UM entryId), EWS's ExchangeImpersonation and
SerializedSecurityContext SOAP headers are dropped and the dialled number becomes
REDACTED-DIAL-STRING (--keep-dial-string keeps it); a recorded success binds them, so the
replay uses the run's --entry-id and --dial-string. --redact-header and --redact-element
remove more. Authentication challenges (401, 407) and answers no fixture can expect are
relayed but not recorded.

A client that reads the WSDL can be pointed at http://LISTEN/PATH?wsdl (EWS clients:
http://LISTEN/EWS/Services.wsdl): addresses that name the upstream in the WSDL and XSD
documents relayed to it (EWS's Services.wsdl, messages.xsd, types.xsd included) are
replaced by the recorder's, so its calls come back through the recorder.

Stop with Ctrl-C or SIGTERM: exchanges in flight finish and are written first. Check the
recording with 'umconform fixtures lint DIR'; replay it with 'umconform run --fixtures DIR'.
Exit 0 stopped cleanly, 2 bad usage or a fixture could not be written.
`,
	operands: noOperands,
	setup:    setupRecord,
}

func setupRecord(inv *invocation) body {
	var (
		listen, upstream, out, caFile string
		tlsCert, tlsKey               string
		insecure                      bool
		timeout                       time.Duration
		opts                          record.Options
		serverTLS                     *tls.Config
	)
	ef := inv.envFlags()
	ef.String(&listen, "listen", "RECORD_LISTEN", "127.0.0.1:8081", "`address` the client connects to")
	ef.String(&upstream, "upstream", "UPSTREAM", "", "`URL` of the real server, such as https://HOST (only its scheme and host are used: one recorder relays both /EWS/UM2007Legacy.asmx and /EWS/Exchange.asmx)")
	ef.String(&out, "out", "RECORD_OUT", "", "`folder` the fixtures are written to (created when missing)")
	ef.String(&caFile, "ca-file", "CA_FILE", "", "PEM `file` of CA certificates to trust for an https upstream")
	ef.Bool(&insecure, "insecure-skip-verify", "INSECURE_SKIP_VERIFY", "do not verify the upstream's TLS certificate")
	ef.String(&tlsCert, "tls-cert", "RECORD_TLS_CERT", "", "PEM certificate `file`: serve https to the client (with --tls-key), for clients that insist on TLS")
	ef.String(&tlsKey, "tls-key", "RECORD_TLS_KEY", "", "PEM private key `file` of --tls-cert")
	ef.List(&opts.RedactHeaders, "redact-header", "REDACT_HEADERS", ",", "header `name` whose value is replaced by REDACTED on disk")
	ef.List(&opts.RedactElements, "redact-element", "REDACT_ELEMENTS", ",", "XML element local `name` whose text is replaced by REDACTED on disk")
	ef.Bool(&opts.KeepDialString, "keep-dial-string", "KEEP_DIAL_STRING", "keep the number a PlayOnPhone (UM or EWS) dialled in the recording (replaced by REDACTED-DIAL-STRING otherwise)")
	ef.Duration(&timeout, "timeout", "RECORD_TIMEOUT", 2*time.Minute, "bound on one upstream round trip")
	inv.check(func() (problems []string) {
		if upstream == "" {
			problems = append(problems, "no upstream: pass --upstream URL or set UMCONFORM_UPSTREAM (the server the client would talk to)")
		}
		if out == "" {
			problems = append(problems, "no output folder: pass --out DIR or set UMCONFORM_RECORD_OUT")
		}
		if timeout <= 0 {
			problems = append(problems, fmt.Sprintf("--timeout %v: must be positive, such as 2m", timeout))
		}
		if upstream != "" {
			var err error
			if opts.Upstream, err = url.Parse(upstream); err != nil {
				problems = append(problems, fmt.Sprintf("--upstream: %v", err))
			}
		}
		var err error
		if opts.TLS, err = runner.TLSConfig(caFile, insecure); err != nil {
			problems = append(problems, err.Error())
		}
		switch {
		case (tlsCert == "") != (tlsKey == ""):
			problems = append(problems, "--tls-cert and --tls-key go together: pass both to serve https to the client, or neither")
		case tlsCert != "":
			cert, err := tls.LoadX509KeyPair(tlsCert, tlsKey)
			if err != nil {
				problems = append(problems, fmt.Sprintf("--tls-cert/--tls-key: %v", err))
			}
			serverTLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		}
		return problems
	})
	return func(ctx context.Context) int {
		ctx, stop := interruptible(ctx)
		defer stop()
		opts.Out, opts.UpstreamTimeout, opts.Log = out, timeout, inv.stdout
		rec, err := record.New(opts)
		if err != nil {
			fmt.Fprintf(inv.stderr, "umconform %v\n", err)
			return exitCannotRun
		}
		ln, err := record.Listen(listen)
		if err != nil {
			fmt.Fprintf(inv.stderr, "umconform %v (choose another address with --listen or UMCONFORM_RECORD_LISTEN)\n", err)
			return exitCannotRun
		}
		scheme := "http"
		if serverTLS != nil {
			// The relay reads raw HTTP/1.1 bytes from the connection; TLS sits below it, so
			// the recorded bytes are the decrypted request as the client wrote it.
			ln, scheme = tls.NewListener(ln, serverTLS), "https"
		}
		fmt.Fprintf(inv.stdout, "umconform record: relaying %s://%s to %s, writing fixtures to %s\n", scheme, ln.Addr(), opts.Upstream.Redacted(), out)
		serveErr := rec.Serve(ctx, ln)
		st := rec.Stats()
		skipped := plural.Count(st.Skipped, "exchange") + " not fixtures"
		if st.Skipped == 1 {
			skipped = "1 exchange not a fixture"
		}
		fmt.Fprintf(inv.stdout, "umconform record: stopped: %s written, %s, %d not written, %d answered 502\n",
			plural.Count(st.Recorded, "fixture"), skipped, st.Failed, st.Refused)
		if serveErr != nil {
			fmt.Fprintf(inv.stderr, "umconform %v\n", serveErr)
			return exitCannotRun
		}
		if st.Failed > 0 {
			return inv.cannotRun("%s relayed but not written; see the log above", plural.Count(st.Failed, "exchange"))
		}
		return exitOK
	}
}
