package suites

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Cookies (T10, SHOULD): WS-I BP 1.1 R1122 has an instance's cookies follow RFC 2965,
// which RFC 6265 has since obsoleted; a cookie is judged by RFC 6265 section 4.1's grammar
// for the Set-Cookie a server sends (docs/PROTOCOL.md D13). What is judged, every
// Set-Cookie field of every answer:
//   - one cookie a field: a name that is a token, "=", a value of cookie-octets (no white
//     space, comma, semicolon, backslash or quote inside; optionally quoted whole); RFC
//     2965's comma-separated list of cookies in one field is what this catches;
//   - attributes after "; " (a semicolon and one space);
//   - Expires, when present, an IMF-fixdate (Sun, 06 Nov 1994 08:49:37 GMT);
//   - Max-Age, when present, digits. (4.1.1 has its first digit non-zero; Max-Age=0 is how
//     servers, Go's among them, delete a cookie, and section 5.2.2 reads it: not flagged.)
// Domain, Path and extension attributes take any text without a control character or a
// semicolon, so splitting at "; " is all their grammar asks. A cookie's value is never
// quoted in a message: it may be a session's secret. Only its name is.

// cookieProblems says how each Set-Cookie field breaks RFC 6265 section 4.1.1.
func cookieProblems(fields []string) []string {
	var out []string
	for _, f := range fields {
		if p := cookieProblem(f); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func cookieProblem(field string) string {
	parts := strings.Split(field, ";")
	name, value, ok := strings.Cut(parts[0], "=")
	if !ok || !isToken(name) {
		return "a Set-Cookie field that does not start with a cookie name (a token) and \"=\" (RFC 6265 section 4.1.1)"
	}
	cookie := fmt.Sprintf("cookie %q", clip(name))
	if !cookieValue(value) {
		return cookie + ": its value holds a character a cookie-value does not (white space, a comma, a semicolon, a backslash or a quote: one cookie a field, RFC 6265 section 4.1.1)"
	}
	for _, av := range parts[1:] {
		if !strings.HasPrefix(av, " ") || strings.HasPrefix(av, "  ") {
			return cookie + ": its attributes are not separated by \"; \" (RFC 6265 section 4.1.1)"
		}
		k, v, _ := strings.Cut(av[1:], "=")
		switch strings.ToLower(k) {
		case "expires":
			if _, err := time.Parse(http.TimeFormat, v); err != nil {
				return fmt.Sprintf("%s: Expires=%q is not an IMF-fixdate such as \"Sun, 06 Nov 1994 08:49:37 GMT\" (RFC 6265 section 4.1.1)", cookie, clip(v))
			}
		case "max-age":
			if v == "" || strings.Trim(v, "0123456789") != "" {
				return fmt.Sprintf("%s: Max-Age=%q is not a number of seconds (RFC 6265 section 4.1.1)", cookie, clip(v))
			}
		}
	}
	return ""
}

// cookieValue tells whether v is a cookie-value: cookie-octets, optionally quoted whole.
func cookieValue(v string) bool {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

// cookieFinding is T10's for Set-Cookie fields that break RFC 6265's server grammar.
func cookieFinding(fields []string) (finding, bool) {
	ps := cookieProblems(fields)
	if len(ps) == 0 {
		return finding{}, false
	}
	return finding{id: "T10", expected: "each Set-Cookie field one cookie as RFC 6265 section 4.1.1 writes it (WS-I BP 1.1 R1122, whose RFC 2965 RFC 6265 obsoleted)",
		actual: strings.Join(ps, "; "), where: "response header fields Set-Cookie"}, true
}
