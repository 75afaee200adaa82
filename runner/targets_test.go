package runner

import (
	"slices"
	"strings"
	"testing"
)

// TestEWSTargetsPairByName: an EWS endpoint joins the UM target of the same name (one
// server, both APIs), or stands alone; the errors say what to do.
func TestEWSTargetsPairByName(t *testing.T) {
	for name, c := range map[string]struct {
		um, ews []string
		want    []Target
		err     string
	}{
		"none: the embedded server": {nil, nil, []Target{{Name: "reference"}}, ""},
		"same host pairs": {[]string{"https://mail.contoso.com/EWS/UM2007Legacy.asmx"}, []string{"https://mail.contoso.com/EWS/Exchange.asmx"},
			[]Target{{Name: "mail.contoso.com", URL: "https://mail.contoso.com/EWS/UM2007Legacy.asmx", EWSURL: "https://mail.contoso.com/EWS/Exchange.asmx"}}, ""},
		"named pairs": {[]string{"a=https://um.a/x", "b=https://um.b/x"}, []string{"b=https://ews.b/EWS/Exchange.asmx"},
			[]Target{{Name: "a", URL: "https://um.a/x"}, {Name: "b", URL: "https://um.b/x", EWSURL: "https://ews.b/EWS/Exchange.asmx"}}, ""},
		"EWS alone": {nil, []string{"https://ews.example/EWS/Exchange.asmx"},
			[]Target{{Name: "ews.example", EWSURL: "https://ews.example/EWS/Exchange.asmx"}}, ""},
		"embedded has its own":   {[]string{"ref=embedded"}, []string{"ref=https://x/EWS/Exchange.asmx"}, nil, "has its own EWS endpoint"},
		"EWS named twice":        {nil, []string{"a=https://x/EWS/Exchange.asmx", "a=https://y/EWS/Exchange.asmx"}, nil, "used twice"},
		"EWS cannot be embedded": {nil, []string{"embedded"}, nil, "full URL"},
		// One host, both APIs: a bare host URL is both endpoints of Exchange 2010+.
		"a host is both endpoints": {[]string{"https://mail.contoso.com"}, nil,
			[]Target{{Name: "mail.contoso.com", URL: "https://mail.contoso.com/EWS/UM2007Legacy.asmx", EWSURL: "https://mail.contoso.com/EWS/Exchange.asmx"}}, ""},
		"a host with a slash and a port": {[]string{"ex=https://mail.contoso.com:8443/"}, nil,
			[]Target{{Name: "ex", URL: "https://mail.contoso.com:8443/EWS/UM2007Legacy.asmx", EWSURL: "https://mail.contoso.com:8443/EWS/Exchange.asmx"}}, ""},
		"an EWS path given as --target is EWS": {[]string{"https://mail.contoso.com/EWS/Exchange.asmx"}, nil,
			[]Target{{Name: "mail.contoso.com", EWSURL: "https://mail.contoso.com/EWS/Exchange.asmx"}}, ""},
		"Exchange 2007's path is UM alone": {[]string{"https://ex07.contoso.com/UnifiedMessaging/Service.asmx"}, nil,
			[]Target{{Name: "ex07.contoso.com", URL: "https://ex07.contoso.com/UnifiedMessaging/Service.asmx"}}, ""},
		"a host as --ews-target": {[]string{"a=https://um.a/x"}, []string{"a=https://mail.a"},
			[]Target{{Name: "a", URL: "https://um.a/x", EWSURL: "https://mail.a/EWS/Exchange.asmx"}}, ""},
	} {
		c2 := Config{Targets: c.um, EWSTargets: c.ews}
		got, err := c2.targets()
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: err %v, want one saying %q", name, err, c.err)
		case c.err == "" && (err != nil || !slices.Equal(got, c.want)):
			t.Errorf("%s: %+v, %v; want %+v", name, got, err, c.want)
		}
	}
}

// TestBasicAuthInClearOverEitherEndpoint: an EWS-only target over http is refused basic
// authentication as a UM one is; a host URL is judged by both endpoints it names.
func TestBasicAuthInClearOverEitherEndpoint(t *testing.T) {
	for _, target := range []string{"http://mail.example/EWS/Exchange.asmx", "http://mail.example", "http://mail.example/EWS/UM2007Legacy.asmx"} {
		c := Config{Targets: []string{target}, Auth: "basic", Username: "u", Password: "p", Timeout: 1}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "clear text") {
			t.Errorf("%s: %v, want basic auth in clear text refused", target, err)
		}
	}
}
