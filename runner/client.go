package runner

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/Azure/go-ntlmssp"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/suites"
)

// newClient builds the HTTP client of a run: TLS settings, authentication, no redirects
// (a redirect is the target's answer and is judged, not followed) and no transparent
// decompression (the response bytes are judged as sent).
func newClient(c *Config) (*http.Client, error) {
	client, err := newClientAs(c, c.Auth, c.Username, c.Password)
	if err != nil {
		return nil, err
	}
	if c.WrapTransport != nil {
		client.Transport = c.WrapTransport(client.Transport)
	}
	return client, nil
}

// newClientAs is newClient signing in with auth ("none", "basic" or "ntlm") as user with
// password, on a transport of its own.
func newClientAs(c *Config, auth, user, password string) (*http.Client, error) {
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
	switch auth {
	case "basic":
		rt = &basicAuth{next: tr, user: user, password: password}
	case "ntlm":
		// go-ntlmssp (maintained by Microsoft's Azure team) runs the NTLM handshake
		// from the request's basic credentials, which it never sends as Basic.
		rt = &basicAuth{next: ntlmssp.Negotiator{RoundTripper: tr}, user: user, password: password}
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

// accessAccounts builds the accounts the authentication and ownership checks send as
// (suites.Access): none without credentials, the run's user with a wrong password, and the
// second account. Each has a transport of its own: NTLM authenticates a connection, not a
// request, so a request without credentials on a connection the run's handshake
// authenticated would be served as the run's user and prove nothing. None of them carries
// the run's own Authorization or Cookie header: those are the first account's.
func accessAccounts(c *Config, headers http.Header) (suites.Access, error) {
	var acc suites.Access
	bare := headers.Clone()
	for _, name := range fixtures.SecretHeaders() {
		bare.Del(name)
	}
	given := headers.Get("Authorization")
	if c.Auth == "basic" || c.Auth == "ntlm" || given != "" {
		anon, err := newClientAs(c, "none", "", "")
		if err != nil {
			return acc, err
		}
		acc.Anonymous = &suites.Account{Client: anon, Headers: bare}
		wrong, err := wrongPassword()
		if err != nil {
			return acc, err
		}
		wh := bare.Clone()
		auth, user := c.Auth, c.Username
		if auth != "basic" && auth != "ntlm" { // an Authorization header alone: the same scheme, a wrong credential
			auth = "none"
			wh.Set("Authorization", wrongCredential(given, wrong))
		}
		client, err := newClientAs(c, auth, user, wrong)
		if err != nil {
			return acc, err
		}
		acc.WrongPassword = &suites.Account{Client: client, Headers: wh}
	}
	if c.SecondUsername != "" {
		client, err := newClientAs(c, c.Auth, c.SecondUsername, c.SecondPassword)
		if err != nil {
			return acc, err
		}
		acc.Second = &suites.Account{Client: client, Headers: bare}
	}
	return acc, nil
}

// wrongPassword is a password no account has: random, so that no target can accept it by
// accident, and named so that a log that shows it says what it was.
func wrongPassword() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("a wrong password for the authentication checks: %w", err)
	}
	return "umconform-wrong-" + hex.EncodeToString(b[:]), nil
}

// wrongCredential is an Authorization header value of the scheme of given with wrong in
// place of its credential: for Basic the same user with the wrong password, for another
// scheme (Bearer) wrong as the token.
func wrongCredential(given, wrong string) string {
	scheme, cred, _ := strings.Cut(strings.TrimSpace(given), " ")
	if strings.EqualFold(scheme, "Basic") {
		user := ""
		if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
			user, _, _ = strings.Cut(string(raw), ":")
		}
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+wrong))
	}
	return scheme + " " + wrong
}

// rawRequestBlocked says why the run cannot judge the answer to a request the run's client
// would refuse to write (H1's malformed request line, which the run's connection breaks as
// it goes out) at a target: a proxy of the environment (HTTPS_PROXY, HTTP_PROXY) would
// answer it itself; NTLM authenticates a connection with a handshake of whole requests.
// proxy is the environment's proxy function (http.ProxyFromEnvironment), as the run's
// transport uses it.
func rawRequestBlocked(auth string, proxy func(*http.Request) (*url.URL, error)) func(*url.URL) string {
	return func(target *url.URL) string {
		if auth == "ntlm" {
			return "the run authenticates with NTLM, whose handshake the malformed request would break (the answer would say nothing of the server's parsing)"
		}
		via, err := proxy(&http.Request{URL: target})
		if err != nil {
			return fmt.Sprintf("the proxy setting of the environment is unreadable (%v)", err)
		}
		if via != nil {
			return fmt.Sprintf("requests to %s go through the proxy %s (HTTPS_PROXY, HTTP_PROXY), which would answer a malformed request itself; set NO_PROXY=%s to judge the server", target.Host, via.Redacted(), target.Hostname())
		}
		return ""
	}
}
