package runner

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRawRequestBlocked: H1's malformed request is not judged with NTLM, nor through a proxy
// (whose credentials the reason never shows), and is with basic or no authentication sent
// straight to the target.
func TestRawRequestBlocked(t *testing.T) {
	target, _ := url.Parse("https://mail.contoso.com/EWS/Exchange.asmx")
	direct := func(*http.Request) (*url.URL, error) { return nil, nil }
	proxied := func(*http.Request) (*url.URL, error) { return url.Parse("http://bob:s3cret@proxy.contoso.com:3128") }
	broken := func(*http.Request) (*url.URL, error) { return nil, errors.New("invalid proxy address") }
	for _, c := range []struct {
		name, auth string
		proxy      func(*http.Request) (*url.URL, error)
		want       string // a phrase of the reason; empty: judged
	}{
		{"direct, no auth", "none", direct, ""},
		{"direct, basic", "basic", direct, ""},
		{"direct, ntlm", "ntlm", direct, "NTLM"},
		{"through a proxy", "basic", proxied, "NO_PROXY=mail.contoso.com"},
		{"an unreadable proxy setting", "none", broken, "unreadable"},
	} {
		got := rawRequestBlocked(c.auth, c.proxy)(target)
		if (got == "") != (c.want == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want one saying %q", c.name, got, c.want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("%s: the reason shows the proxy's password: %q", c.name, got)
		}
	}
}
