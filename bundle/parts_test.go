package bundle

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestProductFileReadsFlatKeyValueLines(t *testing.T) {
	p, err := ParseProduct([]byte("\ufeff# made by hand\n---\nproduct: Acme UM   # the product\nversion: \"4.2 \\\"beta\\\"\"\nvendor: 'Acme''s Inc.'\ncontact: mail@acme.example\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Product{Product: "Acme UM", Version: `4.2 "beta"`, Vendor: "Acme's Inc.", Contact: "mail@acme.example"}
	if p != want {
		t.Errorf("got %+v, want %+v", p, want)
	}
	// What Write puts in a bundle reads back the same, whatever the text.
	odd := Product{Product: "a: b # c", Version: "'1'", Vendor: "\"x\"\\y", Contact: "ünïcode\ttab"}
	if back, err := ParseProduct(odd.YAML()); err != nil || back != odd {
		t.Errorf("round trip: %+v, %v, want %+v", back, err, odd)
	}
}

func TestProductFileProblemsNameTheirLine(t *testing.T) {
	_, err := ParseProduct([]byte("product: a\nname: b\nproduct: c\n  vendor: d\nversion \"e\"\ncontact: \"open\nvendor: [x]\n"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"line 2: unknown key \"name\"", "line 3: product given again (first on line 1)", "line 4: indented", "line 5:", "line 6: contact: unterminated", "line 7: vendor:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestProductFlagsWinAndMissingFieldsAreNamed(t *testing.T) {
	p := Product{Product: "From flag"}.Merge(Product{Product: "From file", Vendor: "V"})
	if p.Product != "From flag" || p.Vendor != "V" {
		t.Errorf("merge: %+v", p)
	}
	if m := p.Missing(); len(m) != 1 || !strings.HasPrefix(m[0], "--product-version") {
		t.Errorf("missing: %v", m)
	}
}

func runFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.String("target", "", "endpoint (env UMCONFORM_TARGET)")
	fs.String("username", "", "user (env UMCONFORM_USERNAME)")
	fs.String("header", "", "header (env UMCONFORM_HEADERS)")
	fs.Bool("strict", false, "strict (env UMCONFORM_STRICT)")
	fs.String("timeout", "", "timeout (env UMCONFORM_TIMEOUT)")
	return fs
}

func TestCommandLineKeepsNoSecret(t *testing.T) {
	args := []string{"--target", "https://bob:hunter2@um.example/EWS/UM2007Legacy.asmx", "--strict", "--username", "bob",
		"--header=Authorization: Bearer tok3n", "-header", "Cookie: s=c00kie", "--timeout", "5s"}
	got := RedactArgs(runFlags(), args)
	want := []string{"--target", "https://(redacted)@um.example/EWS/UM2007Legacy.asmx", "--strict", "--username", Withheld,
		"--header=Authorization: (redacted)", "-header", "Cookie: (redacted)", "--timeout", "5s"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestEnvironmentKeepsNoSecret(t *testing.T) {
	env := map[string]string{
		"UMCONFORM_TIMEOUT": "5s", "UMCONFORM_USERNAME": "bob", "UMCONFORM_PASSWORD": "hunter2",
		"UMCONFORM_HEADERS": "Authorization: Basic Ym9iOmh1bnRlcjI=\nCookie: s=c00kie",
		"HTTPS_PROXY":       "http://proxyuser:proxypw@proxy:3128", "HOME": "/root", "UMCONFORM_AS_MAIN": "1",
	}
	got := Environment(runFlags(), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	want := []Setting{
		{"HTTPS_PROXY", "http://(redacted)@proxy:3128"},
		{"UMCONFORM_HEADERS", "Authorization: (redacted)\nCookie: (redacted)"},
		{"UMCONFORM_PASSWORD", Withheld},
		{"UMCONFORM_TIMEOUT", "5s"},
		{"UMCONFORM_USERNAME", Withheld},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestObserverRecordsWhatTheServerSays: the Server header and ServerVersionInfo of the
// answers, per endpoint, while the reader of each body sees it whole and unchanged.
func TestObserverRecordsWhatTheServerSays(t *testing.T) {
	body := `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` +
		`<h:ServerVersionInfo MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/>` +
		`</s:Header><s:Body/></s:Envelope>` + strings.Repeat(" ", 20000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "Microsoft-IIS/10.0")
		if strings.HasSuffix(r.URL.Path, "Exchange.asmx") {
			io.WriteString(w, body)
		}
	}))
	defer srv.Close()
	o := NewObserver()
	client := &http.Client{Transport: o.Wrap(http.DefaultTransport), Timeout: 10 * time.Second}
	for _, p := range []string{"/EWS/Exchange.asmx", "/EWS/Exchange.asmx?x=1", "/EWS/UM2007Legacy.asmx"} {
		resp, err := client.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.HasSuffix(p, "Exchange.asmx") && string(got) != body {
			t.Errorf("the body read through the observer differs from the one sent")
		}
	}
	eps := o.Endpoints()
	if len(eps) != 2 {
		t.Fatalf("endpoints %+v, want the two paths", eps)
	}
	ews, um := eps[0], eps[1]
	if ews.Responses != 2 || !slices.Equal(ews.Server, []string{"Microsoft-IIS/10.0"}) || len(ews.ServerVersionInfo) != 1 ||
		ews.ServerVersionInfo[0].String() != `MajorBuildNumber="1544" MajorVersion="15" MinorBuildNumber="4" MinorVersion="2" Version="V2017_07_11"` {
		t.Errorf("EWS endpoint: %+v", ews)
	}
	if um.Responses != 1 || len(um.ServerVersionInfo) != 0 || !strings.HasSuffix(um.URL, "/EWS/UM2007Legacy.asmx") {
		t.Errorf("UM endpoint: %+v", um)
	}
}

// TestSecondAccountKeepsNoSecret: the second account of the ownership checks is withheld as
// the first is, on the command line and in the environment.
func TestSecondAccountKeepsNoSecret(t *testing.T) {
	fs := runFlags()
	fs.String("second-username", "", "user (env UMCONFORM_SECOND_USERNAME)")
	fs.String("second-password-file", "", "file (env UMCONFORM_SECOND_PASSWORD_FILE)")
	got := RedactArgs(fs, []string{"--second-username", "carol", "--second-password-file=/run/secrets/carol"})
	if want := []string{"--second-username", Withheld, "--second-password-file=/run/secrets/carol"}; !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	env := map[string]string{"UMCONFORM_SECOND_USERNAME": "carol", "UMCONFORM_SECOND_PASSWORD": "s3cond-pw"}
	gotEnv := Environment(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	wantEnv := []Setting{{"UMCONFORM_SECOND_PASSWORD", Withheld}, {"UMCONFORM_SECOND_USERNAME", Withheld}}
	if !slices.Equal(gotEnv, wantEnv) {
		t.Errorf("got  %q\nwant %q", gotEnv, wantEnv)
	}
}
