package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/reference"
)

// The authentication and ownership checks (A1-A5) against servers that require Basic
// authentication over https: the reference server's authentication mode, and a gate
// written here, apart from it, in front of servers that know nothing of users (the
// reference server without users, and the EWS adversary of adversaries_test.go).

const alicePassword, bobPassword = "alice-pw-8c1d77", "bob-pw-42e9a0"

// accountArgs and accountEnv give a run both accounts; the kill matrix gives them to the
// profiles that break an auth requirement (run_test.go).
var (
	accountArgs = []string{"--auth", "basic", "--username", "alice", "--second-username", "bob"}
	accountEnv  = []string{"UMCONFORM_PASSWORD=" + alicePassword, "UMCONFORM_SECOND_PASSWORD=" + bobPassword}
	testUsers   = map[string]string{"alice": alicePassword, "bob": bobPassword}
)

// breaksAuth tells whether ids hold a requirement of the auth area.
func breaksAuth(ids []string) bool {
	for _, id := range ids {
		if r, ok := catalogue.Default().Lookup(id); ok && r.Area == "auth" {
			return true
		}
	}
	return false
}

var (
	umCallIDRE  = regexp.MustCompile(`<(?:[\w.-]+:)?CallId>([^<]*)</`)
	ewsCallIDRE = regexp.MustCompile(`PhoneCallId\s[^>]*\bId="([^"]*)"`)
	popRE       = regexp.MustCompile(`<(?:[\w.-]+:)?PlayOnPhone[\s/>]`)
	umPlacedRE  = regexp.MustCompile(`<(?:[\w.-]+:)?PlayOnPhoneResponse>([^<]+)</`)
)

// accessGate puts Basic authentication and call ownership in front of a server that has
// neither: it knows each user's calls from the PlayOnPhone answers it relays, and sends a
// request naming another user's call on with an id that names no call, so that the server
// behind answers it as it answers such an id. The knobs break one rule each.
type accessGate struct {
	next  http.Handler
	users map[string]string
	// broken
	anonymous   bool // A1: a request without credentials is served, with every call
	anyPassword bool // A2
	noChallenge bool // A3
	othersRead  bool // A4
	othersEnd   bool // A5

	mu    sync.Mutex
	owner map[string]string // call id -> the user who placed it
	pops  map[string]int    // path -> PlayOnPhone requests, with or without credentials
}

func (g *accessGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		http.Error(w, "cannot read", http.StatusBadRequest)
		return
	}
	pop := popRE.Match(body)
	g.mu.Lock()
	if g.owner == nil {
		g.owner, g.pops = map[string]string{}, map[string]int{}
	}
	if pop {
		g.pops[r.URL.Path]++
	}
	g.mu.Unlock()
	user, password, ok := r.BasicAuth()
	switch want, known := g.users[user]; {
	case !ok && g.anonymous:
		user = "" // every call is this user's
	case ok && known && (password == want || g.anyPassword):
	default:
		if !g.noChallenge {
			w.Header().Set("WWW-Authenticate", `Basic realm="gate"`)
		}
		http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
		return
	}
	end := bytes.Contains(body, []byte("Disconnect"))
	for _, re := range []*regexp.Regexp{umCallIDRE, ewsCallIDRE} {
		m := re.FindSubmatch(body)
		if m == nil {
			continue
		}
		g.mu.Lock()
		owner, placed := g.owner[string(m[1])]
		g.mu.Unlock()
		if placed && user != "" && owner != "" && owner != user && !(end && g.othersEnd) && !(!end && g.othersRead) {
			body = bytes.Replace(body, m[1], []byte(noCall(string(m[1]))), 1)
		}
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	rec := httptest.NewRecorder()
	g.next.ServeHTTP(rec, r)
	if pop {
		for _, re := range []*regexp.Regexp{umPlacedRE, ewsCallIDRE} {
			if m := re.FindSubmatch(rec.Body.Bytes()); m != nil {
				g.mu.Lock()
				g.owner[string(m[1])] = user
				g.mu.Unlock()
			}
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// noCall is an id of id's form that names no call: the reference server's form (Base64 of
// GUID|server) with another GUID, or the adversary's with another number.
func noCall(id string) string {
	raw, _ := base64.StdEncoding.DecodeString(id)
	if _, host, ok := strings.Cut(string(raw), "|"); ok {
		return base64.StdEncoding.EncodeToString([]byte("00000000-0000-4000-8000-000000000000|" + host))
	}
	return base64.StdEncoding.EncodeToString([]byte("adversary-call-9999"))
}

func (g *accessGate) popsAt(path string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pops[path]
}

// tlsTarget serves h over https and returns its URL and a CA file that trusts it.
func tlsTarget(t *testing.T, h http.Handler) (string, string) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL, ca
}

// accessServer is a server that requires Basic authentication, and how to run against it.
type accessServer struct {
	name string
	h    func() http.Handler
	ews  bool // EWS alone (the adversary)
}

func accessServers(t *testing.T) []accessServer {
	ref := func(opts reference.Options) func() http.Handler {
		return func() http.Handler {
			h, err := reference.NewHandler(opts)
			if err != nil {
				t.Fatal(err)
			}
			return h
		}
	}
	return []accessServer{
		{"reference-users", ref(reference.Options{Users: testUsers}), false},
		{"gate-reference", func() http.Handler { return &accessGate{next: ref(reference.Options{})(), users: testUsers} }, false},
		{"gate-adversary", func() http.Handler { return &accessGate{next: &advServer{}, users: testUsers} }, true},
	}
}

// accessArgs run against base's endpoints with the first account, and the second when asked.
func (s accessServer) args(base, ca, dir string, second bool, more ...string) []string {
	target := []string{"--target", base, "--dial-string", reference.DefaultDialString, "--entry-id", reference.DefaultEntryID}
	if s.ews {
		target = []string{"--ews-target", base + reference.EWSPath, "--dial-string", advDial, "--entry-id", advItem}
	}
	args := append([]string{"run", "--ca-file", ca, "--report-dir", dir, "--timeout", "8s", "--poll-interval", "5ms", "--poll-limit", "20",
		"--auth", "basic", "--username", "alice"}, target...)
	if second {
		args = append(args, "--second-username", "bob")
	}
	return append(args, more...)
}

// accessVerdicts are the verdicts of the A checks, by API (UM, EWS) and requirement.
func accessVerdicts(t *testing.T, dir string) map[string]map[string][]string {
	out := map[string]map[string][]string{"UM": {}, "EWS": {}}
	for _, c := range readReportCalls(t, dir).Checks {
		id, rest, ok := strings.Cut(strings.TrimPrefix(c.Name, "["), "] ")
		if !ok || !strings.HasPrefix(id, "A") {
			continue
		}
		api := "UM"
		if strings.HasPrefix(rest, "EWS ") {
			api = "EWS"
		}
		out[api][id] = append(out[api][id], c.Verdict)
	}
	return out
}

// TestAccessCorrectServersPass: correct servers that require Basic authentication over
// https pass every check, with and without the second account (whose checks are then
// skipped, saying why), on each API they offer; a run places at most 8 calls per API plus
// the one without credentials, and none with '!places-call'; neither account's password
// nor its Authorization header reaches any output.
func TestAccessCorrectServersPass(t *testing.T) {
	basics := []string{alicePassword, bobPassword, base64.StdEncoding.EncodeToString([]byte("alice:" + alicePassword)),
		base64.StdEncoding.EncodeToString([]byte("bob:" + bobPassword))}
	for _, s := range accessServers(t) {
		for _, second := range []bool{false, true} {
			name := s.name + "/first-account-only"
			if second {
				name = s.name + "/second-account"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				h := s.h()
				base, ca := tlsTarget(t, h)
				dir := t.TempDir()
				res := umconform(t, accountEnv, s.args(base, ca, dir, second)...)
				if res.code != 0 {
					t.Fatalf("exit %d, want 0\n%s\n%s", res.code, tail(res.stdout), res.stderr)
				}
				apis := []string{"UM", "EWS"}
				if s.ews {
					apis = []string{"EWS"}
				}
				v := accessVerdicts(t, dir)
				for _, api := range apis {
					for _, id := range []string{"A1", "A2", "A3", "A4", "A5"} {
						want := "passed"
						if !second && (id == "A4" || id == "A5") {
							want = "skipped"
						}
						if len(v[api][id]) == 0 || slices.ContainsFunc(v[api][id], func(got string) bool { return got != want }) {
							t.Errorf("%s %s: verdicts %v, want all %s", api, id, v[api][id], want)
						}
					}
				}
				if !second && !strings.Contains(string(mustRead(t, filepath.Join(dir, "report.json"))), "--second-username") {
					t.Error("the skipped ownership checks do not say how to run them")
				}
				if g, ok := h.(*accessGate); ok {
					for _, path := range []string{reference.LegacyPath, reference.EWSPath} {
						if n := g.popsAt(path); n > 9 {
							t.Errorf("%d PlayOnPhone requests to %s, want at most 8 and the one without credentials", n, path)
						}
					}
					t.Logf("PlayOnPhone requests: UM %d, EWS %d", g.popsAt(reference.LegacyPath), g.popsAt(reference.EWSPath))
					// The one without credentials is in the count, as in the budget.
					if r, n := readReportCalls(t, dir), g.popsAt(reference.LegacyPath)+g.popsAt(reference.EWSPath); r.CallsPlaced != n {
						t.Errorf("report.json says %d calls placed, the target saw %d PlayOnPhone requests", r.CallsPlaced, n)
					}
				}
				outputs := map[string]string{"stdout": res.stdout, "stderr": res.stderr}
				filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
					if err == nil && !info.IsDir() {
						outputs[path] = string(mustRead(t, path))
					}
					return nil
				})
				for where, text := range outputs {
					for _, secret := range basics {
						if strings.Contains(text, secret) {
							t.Errorf("%s holds the secret %q", where, secret)
						}
					}
				}
			})
		}
	}
	t.Run("no calls", func(t *testing.T) {
		t.Parallel()
		g := &accessGate{next: accessServers(t)[0].h(), users: testUsers}
		base, ca := tlsTarget(t, g)
		dir := t.TempDir()
		if res := umconform(t, accountEnv, accessServer{}.args(base, ca, dir, true, "--label-filter", "!places-call")...); res.code != 0 {
			t.Fatalf("exit %d\n%s", res.code, tail(res.stdout))
		}
		if n := g.popsAt(reference.LegacyPath) + g.popsAt(reference.EWSPath); n != 0 {
			t.Errorf("%d PlayOnPhone requests with '!places-call', want 0", n)
		}
	})
}

// TestAccessBrokenServersAreCaught: a server that serves requests without credentials,
// accepts any password, refuses without a challenge, or lets a second user read or end the
// first user's call fails exactly that requirement, on each API it offers.
func TestAccessBrokenServersAreCaught(t *testing.T) {
	cases := []struct {
		id   string
		gate func(*accessGate)
	}{
		{"A1", func(g *accessGate) { g.anonymous = true }},
		{"A2", func(g *accessGate) { g.anyPassword = true }},
		{"A3", func(g *accessGate) { g.noChallenge = true }},
		{"A4", func(g *accessGate) { g.othersRead = true }},
		{"A5", func(g *accessGate) { g.othersEnd = true }},
	}
	for _, s := range accessServers(t)[1:] { // the gated ones; the reference profiles are the kill matrix's
		for _, c := range cases {
			t.Run(s.name+"/"+c.id, func(t *testing.T) {
				t.Parallel()
				g := s.h().(*accessGate)
				c.gate(g)
				base, ca := tlsTarget(t, g)
				dir := t.TempDir()
				res := umconform(t, accountEnv, s.args(base, ca, dir, true, "--label-filter", "auth", "--strict")...)
				if res.code != 1 {
					t.Errorf("exit %d, want 1\n%s", res.code, tail(res.stdout))
				}
				apis := []string{"UM", "EWS"}
				if s.ews {
					apis = []string{"EWS"}
				}
				for api, byID := range accessVerdicts(t, dir) {
					if !slices.Contains(apis, api) {
						continue
					}
					var failed []string
					for id, vs := range byID {
						if slices.Contains(vs, "failed") || slices.Contains(vs, "error") {
							failed = append(failed, id)
						}
					}
					sort.Strings(failed)
					if !slices.Equal(failed, []string{c.id}) {
						t.Errorf("%s: failed or errored %v, want [%s]\n%s", api, failed, c.id, tail(res.stdout))
					}
				}
			})
		}
	}
}
