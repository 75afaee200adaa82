package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("schema/testdata/getcallinfo-response.xml")
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(good, []byte(">Connected<"), []byte(">Ringing<"), 1)
	unavailable := bytes.Replace(good, []byte(">None<"), []byte(">Unavailable<"), 1)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	goodPath, badPath, unavailablePath := write("good.xml", good), write("bad.xml", bad), write("unavailable.xml", unavailable)
	// libxml2 stops reading at a NUL: these passed as valid envelopes (issue #13).
	envelope := bytes.TrimRight(good, "\n")
	nulCommentPath := write("nul-comment.xml", append(bytes.Clone(envelope), "<!-- c -->\x00ok"...))
	nulElementPath := write("nul-element.xml", append(bytes.Clone(envelope), "\x00<x/>"...))
	cases := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout []string
		stderr []string
	}{
		{"both samples", []string{"schema/testdata/getcallinfo-request.xml", "schema/testdata/getcallinfo-response.xml"}, "", 0, nil, []string{"2 file(s): 2 valid, 0 invalid, 0 unreadable"}},
		{"invalid file", []string{goodPath, badPath}, "", 1,
			[]string{badPath + ":6: /soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/CallState: Element '{http://schemas.microsoft.com/exchange/services/2006/messages}CallState': [facet 'enumeration'] The value 'Ringing'"},
			[]string{"1 valid, 1 invalid"}},
		{"SHOULD finding is a warning, not a failure", []string{unavailablePath}, "", 0, []string{unavailablePath + ":7: /soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/EventCause: warning (S3, SHOULD)"}, nil},
		{"stdin", []string{"-"}, string(bad), 1, []string{"-:6: "}, nil},
		{"NUL after the envelope", []string{goodPath, nulCommentPath, nulElementPath}, "", 1,
			[]string{nulCommentPath + ":11: /: not well-formed XML: line 11, column 27: character U+0000 is not allowed",
				nulElementPath + ":11: /: not well-formed XML: line 11, column 17: character U+0000 is not allowed"},
			[]string{"3 file(s): 1 valid, 2 invalid"}},
		{"NUL after the envelope on stdin", []string{"-"}, string(envelope) + "\x00ok", 1, []string{"-:11: /: not well-formed XML: line 11, column 17"}, nil},
		{"request as a response", []string{"--kind", "response", "schema/testdata/getcallinfo-request.xml"}, "", 1, []string{"the Body holds GetCallInfo, a request, where a response was expected"}, nil},
		{"response as a response", []string{"--kind=response", goodPath}, "", 0, nil, nil},
		{"missing file", []string{goodPath, filepath.Join(dir, "absent.xml")}, "", 2, nil, []string{"absent.xml: no such file"}},
		{"bad kind", []string{"--kind", "reply", goodPath}, "", 2, nil, []string{`kind "reply": want auto, request or response`}},
		{"no file", nil, "", 2, nil, []string{"no argument given: want one or more FILEs"}},
		{"size cap", []string{"--max-size", "100", goodPath}, "", 1, []string{"over the 100-byte limit"}, nil},
		{"a folder", []string{dir}, "", 2, nil, []string{"is a directory"}},
		{"the EWS documentation's six examples and UM's, no flag", []string{
			"schema/testdata/ews/playonphone-request.xml", "schema/testdata/ews/playonphone-response.xml",
			"schema/testdata/ews/getphonecallinformation-request.xml", "schema/testdata/ews/getphonecallinformation-response.xml",
			"schema/testdata/ews/disconnectphonecall-request.xml", "schema/testdata/ews/disconnectphonecall-response.xml",
			"schema/testdata/getcallinfo-request.xml", "schema/testdata/playonphone-request.xml"}, "", 0, nil,
			[]string{"8 file(s): 8 valid, 0 invalid, 0 unreadable"}},
		{"--api um forces the UM schema on EWS", []string{"--api", "um", "schema/testdata/ews/playonphone-request.xml"}, "", 1,
			[]string{"ItemId': This element is not expected"}, nil},
		{"--api ews forces the EWS schema on UM", []string{"--api=ews", "schema/testdata/playonphone-request.xml"}, "", 1,
			[]string{"entryId': This element is not expected"}, nil},
		{"bad api", []string{"--api", "owa", goodPath}, "", 2, nil, []string{`api "owa": want auto`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := dispatch(append([]string{"validate"}, c.args...), strings.NewReader(c.stdin), &stdout, &stderr)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout.String(), stderr.String())
			}
			for _, w := range c.stdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
			for _, w := range c.stderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}

// A pipe is not a regular file: it is read as a stream, to its end.
func TestValidateReadsAPipe(t *testing.T) {
	good, err := os.ReadFile("schema/testdata/getcallinfo-response.xml")
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "response.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		f.Write(good)
	}()
	var stdout, stderr bytes.Buffer
	if code := dispatch([]string{"validate", "--kind", "response", fifo}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
}

// The schema compiles from memory: a missing temporary folder (a read-only container)
// does not stop the command.
func TestValidateNeedsNoTemporaryFolder(t *testing.T) {
	res := umconform(t, []string{"TMPDIR=" + filepath.Join(t.TempDir(), "absent")}, "validate", "schema/testdata/getcallinfo-response.xml")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\nstderr: %s", res.code, res.stderr)
	}
}
