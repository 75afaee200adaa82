package runner

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// schemeError is a target URL whose scheme the server does not speak: http:// to a TLS
// port, or https:// to a plain one. It is the user's setting, not the target's failure:
// the run stops before any check (exit 2) and says which URL to use.
type schemeError struct {
	target *url.URL
	tls    bool // the server speaks TLS (the URL says http)
}

func (e *schemeError) Error() string {
	fixed := *e.target
	if e.tls {
		fixed.Scheme = "https"
		return fmt.Sprintf("target %s: %s speaks TLS: use %s", e.target.Redacted(), e.target.Host, fixed.Redacted())
	}
	fixed.Scheme = "http"
	return fmt.Sprintf("target %s: %s answers plain HTTP, not TLS: use %s (or the server's TLS port)", e.target.Redacted(), e.target.Host, fixed.Redacted())
}

// wrongScheme tells whether the preflight's outcome (its status, or its error) shows that
// the server does not speak u's scheme. An https client meeting a plain answer fails with
// a tls.RecordHeaderError, which net/http replaces by an error of its own that only its
// text tells apart. A TLS server asked in plain HTTP answers 400 (Go, nginx) or
// drops the connection (IIS): only then is one TLS handshake tried, and nothing is sent
// over it.
func wrongScheme(ctx context.Context, u *url.URL, status int, err error, timeout time.Duration) error {
	var rh tls.RecordHeaderError
	switch {
	case u.Scheme == "https" && err != nil && (errors.As(err, &rh) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")):
		return &schemeError{target: u}
	case u.Scheme == "http" && (status == http.StatusBadRequest || err != nil):
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
		d := tls.Dialer{NetDialer: &net.Dialer{Timeout: timeout}, Config: &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()}}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if conn, herr := d.DialContext(ctx, "tcp", host); herr == nil {
			conn.Close()
			return &schemeError{target: u, tls: true}
		}
	}
	return nil
}
