package runner

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

	"github.com/Azure/go-ntlmssp"

	"github.com/umconform/umconform/suites"
)

// newClient builds the HTTP client of a run: TLS settings, authentication, no redirects
// (a redirect is the target's answer and is judged, not followed) and no transparent
// decompression (the response bytes are judged as sent).
func newClient(c *Config) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	tr.MaxIdleConnsPerHost = 16
	// Every exchange keeps its headers to the end of the run; Go's default allows 10 MB a
	// response. An IIS or Exchange answer's headers take well under 2 KB.
	tr.MaxResponseHeaderBytes = suites.MaxResponseHeaderBytes
	tlsCfg, err := TLSConfig(c.CAFile, c.Insecure)
	if err != nil {
		return nil, err
	}
	tr.TLSClientConfig = tlsCfg
	// The HTTP message rules judge each response's head as sent (suites/wire.go).
	suites.RecordHeads(tr)
	var rt http.RoundTripper = tr
	switch c.Auth {
	case "basic":
		rt = &basicAuth{next: tr, user: c.Username, password: c.Password}
	case "ntlm":
		// go-ntlmssp (maintained by Microsoft's Azure team) runs the NTLM handshake
		// from the request's basic credentials, which it never sends as Basic.
		rt = &basicAuth{next: ntlmssp.Negotiator{RoundTripper: tr}, user: c.Username, password: c.Password}
	}
	if c.WrapTransport != nil {
		rt = c.WrapTransport(rt)
	}
	return &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// TLSConfig is the client TLS configuration of --ca-file and --insecure-skip-verify,
// shared by "umconform run" and "umconform record" (towards the upstream).
func TLSConfig(caFile string, insecure bool) (*tls.Config, error) {
	cfg := &tls.Config{InsecureSkipVerify: insecure} //nolint:gosec // the user asked for it by flag
	if caFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", caFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// basicAuth adds credentials below the harness's request recording, so that no report,
// log or evidence ever holds them.
type basicAuth struct {
	next           http.RoundTripper
	user, password string
}

func (b *basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(b.user, b.password)
	return b.next.RoundTrip(r)
}
