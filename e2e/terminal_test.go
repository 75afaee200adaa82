package e2e

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/umconform/umconform/reference"
)

// terminalControls is what a hostile target puts in its answers for a terminal to act on:
// a colour, a clear screen, a window title (OSC 0, ended by BEL), a clipboard write (OSC
// 52) and a carriage return that would overwrite the line it is on.
const terminalControls = "\x1b[31mred\x1b[2J\x1b]0;owned\x07\x1b]52;c;aGk=\x07\rover"

// TestTargetBytesNeverReachTheTerminalRaw: a target's control characters reach the console
// (and with -v Ginkgo's own output) escaped, never as the bytes a terminal acts on.
func TestTargetBytesNeverReachTheTerminalRaw(t *testing.T) {
	var posts atomic.Int32
	srv := startHostile(t, hostileBehaviour{serve: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "server error "+terminalControls+"\n")
	}}, &posts)
	for _, verbose := range []string{"false", "true"} {
		res := umconform(t, []string{"UMCONFORM_VERBOSE=" + verbose}, "run", "--target", srv.URL+reference.LegacyPath,
			"--dial-string", reference.DefaultDialString, "--entry-id", reference.DefaultEntryID,
			"--label-filter", "gci-callid-unknown && !places-call", "--report-dir", t.TempDir())
		out := res.stdout + res.stderr
		if i := strings.IndexAny(out, "\x1b\x07\r"); i >= 0 {
			t.Errorf("verbose=%s: a control character reaches the console at %d: %q", verbose, i, out[max(0, i-80):min(len(out), i+80)])
		}
		if !strings.Contains(out, `server error \x1b[31mred\x1b[2J\x1b]0;owned\x07`) {
			t.Errorf("verbose=%s: the console does not show the response escaped:\n%s", verbose, out)
		}
	}
}

// TestValidateEscapesControlCharacters: libxml2 quotes a document's values in its
// messages; a C1 control (U+009B is CSI to a terminal, as ESC [ is) is shown escaped.
func TestValidateEscapesControlCharacters(t *testing.T) {
	good, err := os.ReadFile("schema/testdata/getcallinfo-response.xml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "csi.xml")
	if err := os.WriteFile(path, bytes.Replace(good, []byte(">Connected<"), []byte(">Ringing\u009b31m<"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := dispatch([]string{"validate", path}, nil, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, stdout.String(), stderr.String())
	}
	if out := stdout.String(); strings.Contains(out, "\u009b") || !strings.Contains(out, `Ringing\u009b31m`) {
		t.Errorf("the message must show the value escaped: %q", out)
	}
}

// TestServeLogEscapesControlCharacters: what the server logs through the standard logger
// (net/http's errors about a client's connection) reaches serve's standard error escaped.
func TestServeLogEscapesControlCharacters(t *testing.T) {
	defer log.SetOutput(os.Stderr)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int)
	go func() { done <- runServe(ctx, []string{"--listen", "127.0.0.1:0"}, &out, &errOut) }()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !strings.Contains(out.String(), "listening on"); {
		time.Sleep(10 * time.Millisecond)
	}
	log.Print("http: a client sent \x1b]0;title\x07")
	cancel()
	<-done
	if s := errOut.String(); strings.ContainsAny(s, "\x1b\x07") || !strings.Contains(s, `a client sent \x1b]0;title\x07`) {
		t.Errorf("serve's log: %q", s)
	}
}
