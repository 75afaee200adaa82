package runner

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"

	"github.com/umconform/umconform/suites"
)

// unreachable says, in two lines, why the first request to a target found no server
// and what the user should check: the cause (refused, no route, a name that does not
// resolve, a TLS handshake that failed, no answer in time) decides the advice. Both
// endpoints are named when the EWS one failed too.
func unreachable(endpoints []string, u *url.URL, err error) string {
	what := "target " + endpoints[0]
	if len(endpoints) > 1 {
		what = fmt.Sprintf("target %s (and %s)", endpoints[0], endpoints[1])
	}
	return fmt.Sprintf("umconform run: %s unreachable: %s\n  the run did not start (exit 2): %s", what, reason(err), unreachableAdvice(u, err))
}

// reason is err without net/http's wrapping ("Get \"URL\": "), which repeats the URL.
func reason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// unreachableAdvice is what to check for the cause of err.
func unreachableAdvice(u *url.URL, err error) string {
	host := u.Hostname()
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var alert tls.AlertError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &dns):
		return fmt.Sprintf("the name %s does not resolve; check its spelling in the URL and this machine's DNS", host)
	case errors.As(err, &unknownCA):
		return "the server's certificate is signed by an authority this machine does not trust; pass its CA with --ca-file"
	case errors.As(err, &hostname):
		return fmt.Sprintf("the server's certificate is not for %s; use the host name it names in the URL", host)
	case errors.As(err, &invalid):
		return "the server's certificate is not valid (expired, or not yet valid); check the server's certificate and this machine's clock"
	case errors.As(err, &alert), errors.As(err, &record):
		return "the TLS handshake failed; check the URL's scheme and port, --ca-file and the server's TLS settings"
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("nothing listens at %s; check the URL's host and port, and that the server runs", u.Host)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("no route to %s; check the network, a VPN or firewall, and the host in the URL", host)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("%s did not answer in time; check the network, a firewall that drops packets, a proxy (HTTPS_PROXY), or raise --timeout", u.Host)
	}
	return "check the URL, the network and --ca-file"
}

// notStarted tells a run whose every endpoint was found unreachable by its first
// request: it judges nothing, and prints no progress.
func notStarted(envs []*suites.Env) bool {
	if len(envs) == 0 {
		return false
	}
	for _, env := range envs {
		c := env.Config()
		if c.Target != nil && c.Preflight == nil || c.EWS.Target != nil && c.EWS.Preflight == nil || c.Target == nil && c.EWS.Target == nil {
			return false
		}
	}
	return true
}
