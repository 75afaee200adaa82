package runner

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// validRun is a run's settings against a real https target, with credentials.
func validRun() Config {
	return Config{Targets: []string{"https://mail.contoso.com"}, DialString: "+15550100", EntryID: "AAMk", Timeout: time.Second,
		Auth: "basic", Username: "alice", Password: "pw-a", ReportDir: "reports"}
}

// TestSecondAccountSettings: the second account needs a password, the first account's way
// of signing in, and another user; Basic over plain http is refused for it as for the first.
func TestSecondAccountSettings(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("pw-b\r\n"), 0o600)
	for name, c := range map[string]struct {
		edit func(*Config)
		want string // "" for valid
	}{
		"from the variable":  {func(c *Config) { c.SecondUsername, c.SecondPassword = "bob", "pw-b" }, ""},
		"from a file":        {func(c *Config) { c.SecondUsername, c.SecondPasswordFile = "bob", pwFile }, ""},
		"no password":        {func(c *Config) { c.SecondUsername = "bob" }, "set UMCONFORM_SECOND_PASSWORD or pass --second-password-file"},
		"no such file":       {func(c *Config) { c.SecondUsername, c.SecondPasswordFile = "bob", pwFile+".gone" }, "--second-password-file:"},
		"the same user":      {func(c *Config) { c.SecondUsername, c.SecondPassword = "ALICE", "pw-b" }, "is the first account"},
		"a file but no user": {func(c *Config) { c.SecondPasswordFile = pwFile }, "without --second-username"},
		"no authentication": {func(c *Config) {
			c.Auth, c.Username, c.Password, c.SecondUsername, c.SecondPassword = "none", "", "", "bob", "pw-b"
		}, "--second-username needs --auth basic or --auth ntlm"},
		"Basic over http": {func(c *Config) {
			c.Targets, c.SecondUsername, c.SecondPassword = []string{"http://mail.contoso.com"}, "bob", "pw-b"
		}, "clear text"},
		"ntlm against the embedded server": {func(c *Config) { c.Targets, c.Auth = nil, "ntlm" }, "takes --auth basic only"},
	} {
		cfg := validRun()
		c.edit(&cfg)
		err := cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one saying %q", name, err, c.want)
		case err != nil && strings.Contains(err.Error(), "pw-"):
			t.Errorf("%s: the error shows a password: %v", name, err)
		case name == "from a file" && cfg.SecondPassword != "pw-b":
			t.Errorf("%s: password %q read from the file", name, cfg.SecondPassword)
		}
	}
}

// TestAccessAccountsSendWhatTheySay: the anonymous account sends no credential at all (not
// the run's Authorization or Cookie header either), the wrong-password one the run's user
// with another password, the second account its own credentials; without credentials in
// the run there is nothing to leave out or get wrong.
func TestAccessAccountsSendWhatTheySay(t *testing.T) {
	seen := make(chan *http.Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen <- r }))
	defer srv.Close()
	send := func(c *http.Client, h http.Header) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-seen
	}
	cfg := validRun()
	cfg.SecondUsername, cfg.SecondPassword = "bob", "pw-b"
	headers := http.Header{"Cookie": {"s=1"}, "X-Tenant": {"t1"}}
	acc, err := accessAccounts(&cfg, headers)
	if err != nil {
		t.Fatal(err)
	}
	defer acc.CloseIdleConnections()
	r := send(acc.Anonymous.Client, acc.Anonymous.Headers)
	if r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" || r.Header.Get("X-Tenant") != "t1" {
		t.Errorf("anonymous request headers %v: want no Authorization, no Cookie, the other extra headers", r.Header)
	}
	if u, p, ok := send(acc.WrongPassword.Client, acc.WrongPassword.Headers).BasicAuth(); !ok || u != "alice" || p == "pw-a" || p == "" {
		t.Errorf("wrong-password request as %q/%q, want alice with another password", u, p)
	}
	if u, p, ok := send(acc.Second.Client, acc.Second.Headers).BasicAuth(); !ok || u != "bob" || p != "pw-b" {
		t.Errorf("second account's request as %q/%q, want bob/pw-b", u, p)
	}

	// A token given as a header: the wrong one keeps its scheme.
	cfg = validRun()
	cfg.Auth, cfg.Username, cfg.Password = "none", "", ""
	acc, err = accessAccounts(&cfg, http.Header{"Authorization": {"Bearer tok-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := send(acc.WrongPassword.Client, acc.WrongPassword.Headers).Header.Get("Authorization"); !strings.HasPrefix(got, "Bearer ") || got == "Bearer tok-1" {
		t.Errorf("wrong token sent as %q", got)
	}
	if acc.Second != nil {
		t.Error("a second account without --second-username")
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("carol:pw-c"))
	if got := wrongCredential(basic, "nope"); got != "Basic "+base64.StdEncoding.EncodeToString([]byte("carol:nope")) {
		t.Errorf("wrongCredential(Basic carol) = %q", got)
	}

	cfg = validRun()
	cfg.Auth, cfg.Username, cfg.Password = "none", "", ""
	if acc, err := accessAccounts(&cfg, http.Header{"X-Tenant": {"t1"}}); err != nil || acc.Anonymous != nil || acc.WrongPassword != nil {
		t.Errorf("a run without credentials got accounts %+v, %v", acc, err)
	}
}
