package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umconform/umconform/reference"
)

// syncBuffer lets the test read what the server goroutine writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServeRunsPrintsURLAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int)
	go func() {
		done <- runServe(ctx, []string{"--listen", "127.0.0.1:0", "--profile", "t2-text-plain"}, &out, &errOut)
	}()
	var url string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && url == ""; time.Sleep(10 * time.Millisecond) {
		if _, after, ok := strings.Cut(out.String(), "listening on "); ok {
			url = strings.TrimSpace(after)
		}
	}
	if !strings.HasSuffix(url, reference.LegacyPath) {
		t.Fatalf("no URL printed: %q %q", out.String(), errOut.String())
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(out.String(), "stopped") {
			t.Fatalf("exit %d, output %q %q", code, out.String(), errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop when its context ended")
	}
}

func TestServeFlags(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		code int
		out  string
	}{
		{[]string{"--list-profiles"}, nil, 0, "c1-unknown-callid-succeeds     breaks C1"},
		{[]string{"--profile", "nope"}, nil, 2, "unknown profile"},
		{nil, map[string]string{"UMCONFORM_PROFILE": "nope"}, 2, "unknown profile"},
		{[]string{"--listen", "256.0.0.1:bad"}, nil, 2, "UMCONFORM_LISTEN"},
		{[]string{"extra"}, nil, 2, "unexpected argument"},
		{[]string{"--bogus"}, nil, 2, "flag provided but not defined"},
		{[]string{"--help"}, nil, 0, "env UMCONFORM_PROFILE"},
		{[]string{"--auth", "basic"}, nil, 2, "--auth basic needs --users FILE"},
		{[]string{"--users", "users.txt"}, nil, 2, "--users given without --auth basic"},
		{[]string{"--auth", "ntlm", "--users", "users.txt"}, nil, 2, `--auth "ntlm": want none or basic`},
		{[]string{"--auth", "basic", "--users", "/nonexistent/users.txt"}, nil, 2, "users file"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			code := runServe(context.Background(), tc.args, &out, &errOut)
			if code != tc.code || !strings.Contains(out.String()+errOut.String(), tc.out) {
				t.Fatalf("exit %d, want %d; output %q %q", code, tc.code, out.String(), errOut.String())
			}
		})
	}
}

// TestServeRequiresBasicAuthentication: serve --auth basic --users FILE refuses a request
// without the credentials of one of the file's users, with a challenge, and serves one with.
func TestServeRequiresBasicAuthentication(t *testing.T) {
	users := filepath.Join(t.TempDir(), "users.txt")
	if err := os.WriteFile(users, []byte("# who may call\nalice:"+alicePassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runServe(ctx, []string{"--listen", "127.0.0.1:0", "--auth", "basic", "--users", users}, &out, &errOut)
	}()
	var url string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && url == ""; time.Sleep(10 * time.Millisecond) {
		if _, after, ok := strings.Cut(out.String(), "listening on "); ok {
			url = strings.TrimSpace(after)
		}
	}
	if url == "" || !strings.Contains(out.String(), "Basic authentication required, 1 users") {
		t.Fatalf("no URL or no word of authentication printed: %q %q", out.String(), errOut.String())
	}
	for _, c := range []struct {
		user, password string
		want           int
	}{{"", "", 401}, {"alice", "wrong", 401}, {"alice", alicePassword, 200}} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if c.user != "" {
			req.SetBasicAuth(c.user, c.password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want || c.want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("GET as %q: HTTP %d, WWW-Authenticate %q; want %d", c.user, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), c.want)
		}
	}
	if strings.Contains(out.String()+errOut.String(), alicePassword) {
		t.Error("serve printed a password")
	}
	cancel()
	<-done
}

// TestServeSaysHowToRunAgainstIt starts serve with an item of the user's own, as
// docs/SERVE.md does, reads its first lines, and makes the run the doc shows: it must pass.
// serve's first line names the built-in item, its "try" line is the doc's first run, and
// the doc's second run (the user's own item) is made against it as written, with the
// server's port in place of 8080 and a short follow-up of each call to keep the test quick.
func TestServeSaysHowToRunAgainstIt(t *testing.T) {
	doc := string(mustRead(t, "docs/SERVE.md"))
	var serves, runs []string
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(line, "umconform serve --"):
			serves = append(serves, line)
		case strings.HasPrefix(line, "umconform run "):
			runs = append(runs, line)
		}
	}
	if len(serves) != 2 || len(runs) != 2 {
		t.Fatalf("docs/SERVE.md: want 2 serve and 2 run commands, found %q and %q", serves, runs)
	}
	const docHost = "http://127.0.0.1:8080"
	serveArgs := strings.Fields(strings.TrimPrefix(serves[1], "umconform serve "))
	for i, a := range serveArgs {
		if a == "127.0.0.1:8080" {
			serveArgs[i] = "127.0.0.1:0"
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int)
	go func() { done <- runServe(ctx, serveArgs, &out, &errOut) }()
	defer func() {
		cancel()
		<-done
	}()
	var lines []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if s := out.String(); strings.Contains(s, "listening on ") {
			lines = strings.Split(s, "\n")
			break
		}
	}
	if len(lines) < 5 {
		t.Fatalf("serve printed %q %q", out.String(), errOut.String())
	}
	if want := "umconform serve: mailbox item (--entry-id) " + reference.DefaultEntryID; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	own := serveArgs[len(serveArgs)-1]
	if want := "umconform serve: mailbox item (--entry-id) " + own; lines[1] != want {
		t.Errorf("second line %q, want %q", lines[1], want)
	}
	if !strings.Contains(lines[2], "(--dial-string) +15550100 answered, stays up until disconnected; +15550101 busy;") {
		t.Errorf("third line %q does not name the dial strings", lines[2])
	}
	_, try, ok := strings.Cut(lines[3], "umconform serve: try ")
	host, _ := strings.CutSuffix(strings.TrimSpace(lines[len(lines)-2][strings.LastIndex(lines[len(lines)-2], " ")+1:]), reference.LegacyPath)
	if !ok || !strings.HasPrefix(host, "http://127.0.0.1:") {
		t.Fatalf("no try line or UM URL: %q", lines)
	}
	// The try line is the doc's run with the server's own item and port.
	if want := strings.ReplaceAll(strings.ReplaceAll(runs[0], docHost, host), reference.DefaultEntryID, own); try != want {
		t.Errorf("try line %q, want the doc's run %q", try, want)
	}
	args := strings.Fields(strings.TrimPrefix(strings.ReplaceAll(runs[1], docHost, host), "umconform "))
	args = append(args, "--report-dir", t.TempDir(), "--poll-limit", "10")
	res := umconform(t, nil, args...)
	if res.code != 0 {
		t.Fatalf("%v: exit %d\n%s\n%s", args, res.code, tail(res.stdout), res.stderr)
	}
	if !strings.Contains(res.stdout, " 0 failed, 0 warnings, 0 errors") {
		t.Errorf("run did not pass every check:\n%s", tail(res.stdout))
	}
}
