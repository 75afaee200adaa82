package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/internal/nodesoap"
	"github.com/umconform/umconform/reference"
)

// recorderChild is "umconform record" in a child process, so that it can be killed.
type recorderChild struct {
	cmd    *exec.Cmd
	addr   string // where the client connects
	stdout *syncBuffer
	done   chan error
}

func startRecorderChild(t *testing.T, args ...string) *recorderChild {
	t.Helper()
	cmd, pipe, stderr := startChild(context.Background(), t, append([]string{"record", "--listen", "127.0.0.1:0"}, args...)...)
	rc := &recorderChild{cmd: cmd, stdout: &syncBuffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(rc.stdout, line)
			if rest, ok := strings.CutPrefix(line, "umconform record: relaying "); ok {
				_, hostPort, _ := strings.Cut(strings.Fields(rest)[0], "://")
				addr <- hostPort
			}
		}
		rc.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case rc.addr = <-addr:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the recorder did not start:\n%s\n%s", rc.stdout.String(), stderr.String())
	}
	return rc
}

func (rc *recorderChild) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-rc.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the recorder did not stop:\n%s", rc.stdout.String())
	}
	return rc.cmd.ProcessState.ExitCode()
}

// post sends one SOAP request through the recorder and returns the status and body.
func post(client *http.Client, addr, body string, header http.Header) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+reference.LegacyPath, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if header != nil {
		req.Header = header.Clone()
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func soap(body string) string {
	return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
		body + `</soap:Body></soap:Envelope>`
}

const umNS = "http://schemas.microsoft.com/exchange/services/2006/messages"

func popRequest() string {
	return soap(`<PlayOnPhone xmlns="` + umNS + `"><entryId>` + reference.DefaultEntryID + `</entryId><DialString>` + reference.DefaultDialString + `</DialString></PlayOnPhone>`)
}

func callRequest(op, callID string) string {
	return soap(`<` + op + ` xmlns="` + umNS + `"><CallId>` + callID + `</CallId></` + op + `>`)
}

// callIDOf cuts the CallId out of a PlayOnPhone answer.
func callIDOf(t *testing.T, body string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, "><PlayOnPhoneResponse>")
	id, _, ok2 := strings.Cut(rest, "<")
	if !ok || !ok2 || id == "" {
		t.Fatalf("no CallId in %s", body)
	}
	return id
}

// TestRecordThenLintAndRun is the workflow of the issue: record a client against the
// reference server, stop with SIGINT, lint the folder, and replay it with "umconform run".
func TestRecordThenLintAndRun(t *testing.T) {
	srv, err := reference.Start(context.Background(), reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "recorded")
	rc := startRecorderChild(t, "--upstream", srv.URL(), "--out", out, "--redact-header", "X-Api-Key")

	client := &http.Client{Timeout: 10 * time.Second}
	creds := http.Header{"X-Api-Key": {"api-key-secret-777"}, "Cookie": {"session=cookie-secret-42"}}
	creds.Set("Authorization", "Basic YWxpY2U6czNjcmV0LVBhc3N3MHJk")
	code, body, err := post(client, rc.addr, popRequest(), creds)
	if err != nil || code != 200 {
		t.Fatalf("PlayOnPhone: %d %v\n%s", code, err, body)
	}
	callID := callIDOf(t, body)
	for _, step := range []struct {
		body string
		want int
	}{
		{callRequest("GetCallInfo", callID), 200},
		{callRequest("Disconnect", callID), 200},
		{callRequest("GetCallInfo", "bm90LWEtY2FsbA=="), 500},
		{callRequest("Disconnect", "bm90LWEtY2FsbA=="), 500},
	} {
		if code, body, err := post(client, rc.addr, step.body, creds); err != nil || code != step.want {
			t.Fatalf("HTTP %d (want %d) %v\n%s", code, step.want, err, body)
		}
	}
	rc.cmd.Process.Signal(syscall.SIGINT)
	if code := rc.wait(t); code != 0 {
		t.Fatalf("record exit %d\n%s", code, rc.stdout.String())
	}
	if !strings.Contains(rc.stdout.String(), "stopped: 5 fixtures written") {
		t.Errorf("summary missing:\n%s", rc.stdout.String())
	}

	var lintOut, lintErr bytes.Buffer
	if code := dispatch([]string{"fixtures", "lint", out}, nil, &lintOut, &lintErr); code != 0 {
		t.Fatalf("lint exit %d:\n%s%s", code, lintOut.String(), lintErr.String())
	}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			for _, s := range []string{"api-key-secret-777", "cookie-secret-42", "YWxpY2U6czNjcmV0LVBhc3N3MHJk"} {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s holds %q", p, s)
				}
			}
		}
		return nil
	})

	reports := t.TempDir()
	res := umconform(t, nil, "run", "--fixtures", out, "--report-dir", reports)
	if res.code != 0 {
		t.Fatalf("run exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	j := readJUnit(t, reports)
	replayed := 0
	for _, c := range j.cases() {
		if strings.Contains(c.Name, "rec-") {
			replayed++
			if c.Failure != nil || c.Error != nil {
				t.Errorf("%s did not pass", c.Name)
			}
		}
	}
	if replayed == 0 {
		t.Errorf("no check replayed a recorded fixture")
	}
}

// TestRecordWSDLClient is issue #13's bypass, end to end: a client that reads the WSDL
// (node-soap) is pointed at the recorder's ?wsdl and nothing else; every call it makes must
// go through the recorder and become a fixture, because the relayed WSDL names the recorder.
func TestRecordWSDLClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	client, err := nodesoap.Install(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := reference.Start(ctx, reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "recorded")
	rc := startRecorderChild(t, "--upstream", srv.URL(), "--out", out)

	results, nodeOut, err := client.Call(ctx, "http://"+rc.addr+reference.LegacyPath, reference.DefaultEntryID, reference.DefaultDialString)
	if err != nil {
		t.Fatalf("node-soap through the recorder: %v\n%s", err, nodeOut)
	}
	pop, _ := results["PlayOnPhone"]["result"].(map[string]any)
	callID, _ := pop["PlayOnPhoneResponse"].(string)
	if callID == "" {
		t.Fatalf("PlayOnPhone through node-soap returned no CallId: %s", nodeOut)
	}
	rc.cmd.Process.Signal(syscall.SIGINT)
	if code := rc.wait(t); code != 0 {
		t.Fatalf("record exit %d\n%s", code, rc.stdout.String())
	}
	log := rc.stdout.String()
	for _, want := range []string{
		"GET " + reference.LegacyPath + "?wsdl from ",
		"1 upstream address in it pointed at http://" + rc.addr,
		"stopped: 4 fixtures written, 1 exchange not a fixture, 0 not written",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the recorder's log does not say %q:\n%s", want, log)
		}
	}

	corpus, err := fixtures.LoadDir(out)
	if err != nil {
		t.Fatalf("the recorded folder does not load:\n%v", err)
	}
	want := []struct {
		op        string
		outcome   fixtures.Outcome
		exception string
	}{
		{"PlayOnPhone", fixtures.Success, ""},
		{"GetCallInfo", fixtures.Success, ""},
		{"Disconnect", fixtures.Success, ""},
		{"GetCallInfo", fixtures.Fault, "InvalidCallIdException"},
	}
	if len(corpus) != len(want) {
		t.Fatalf("%d fixtures, want one per node-soap call (%d)\n%s", len(corpus), len(want), log)
	}
	for i, w := range want {
		f := corpus[i]
		if f.Operation() != w.op || f.Expect.Outcome != w.outcome || f.Expect.Exception != w.exception {
			t.Errorf("%s: %s %s %q, want %s %s %q", f.ID, f.Operation(), f.Expect.Outcome, f.Expect.Exception, w.op, w.outcome, w.exception)
		}
	}
	// The recording is node-soap's session: the CallId it was given is in the recorded answer.
	if !bytes.Contains(corpus[0].Response, []byte(callID)) {
		t.Errorf("the recorded PlayOnPhone answer does not hold the CallId node-soap got (%s)", callID)
	}
}

// TestRecordKilledMidStream kills the recorder (SIGKILL, no chance to clean up) while
// clients keep it busy; the folder holds only whole fixtures.
func TestRecordKilledMidStream(t *testing.T) {
	srv, err := reference.Start(context.Background(), reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	out := t.TempDir()
	rc := startRecorderChild(t, "--upstream", srv.URL(), "--out", out)

	var answered atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				if code, _, err := post(client, rc.addr, callRequest("GetCallInfo", "bm90LWEtY2FsbA=="), nil); err == nil && code == 500 {
					answered.Add(1)
				}
			}
		}()
	}
	deadline := time.Now().Add(20 * time.Second)
	for answered.Load() < 40 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	rc.cmd.Process.Kill()
	rc.wait(t)
	close(stop)
	wg.Wait()

	corpus, err := fixtures.LoadDir(out)
	if err != nil {
		t.Fatalf("after a kill the folder does not load cleanly:\n%v", err)
	}
	// Every answer a client received was written before it was relayed.
	if n := int64(len(corpus)); n < answered.Load() {
		t.Errorf("%d fixtures but %d answers reached clients", n, answered.Load())
	}
}

func TestRecordFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runRecord(context.Background(), []string{"--ca-file", "/nonexistent.pem", "extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{"--upstream URL or set UMCONFORM_UPSTREAM", "--out DIR or set UMCONFORM_RECORD_OUT", "--ca-file", `unexpected argument "extra"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
		}
	}
	stderr.Reset()
	if code := runRecord(context.Background(), []string{"--upstream", "ftp://x", "--out", t.TempDir()}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "want a URL") {
		t.Errorf("ftp upstream: exit %d\n%s", code, stderr.String())
	}
	t.Setenv("UMCONFORM_UPSTREAM", "http://127.0.0.1:1")
	t.Setenv("UMCONFORM_RECORD_OUT", t.TempDir())
	t.Setenv("UMCONFORM_RECORD_LISTEN", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop at once: the settings came from the environment alone
	stdout.Reset()
	stderr.Reset()
	if code := runRecord(ctx, nil, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "relaying http://127.0.0.1:") {
		t.Errorf("env-configured record: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns their paths and a
// pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "umconform test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestRecordServesTLSToTheClient: with --tls-cert and --tls-key the recorder speaks https to
// the client (as Outlook insists) and records the decrypted exchange as a clean fixture.
func TestRecordServesTLSToTheClient(t *testing.T) {
	srv, err := reference.Start(context.Background(), reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	certFile, keyFile, pool := selfSigned(t)
	out := filepath.Join(t.TempDir(), "recorded")
	rc := startRecorderChild(t, "--upstream", srv.URL(), "--out", out, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.Contains(rc.stdout.String(), "relaying https://") {
		t.Errorf("the recorder does not say it serves https:\n%s", rc.stdout.String())
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest(http.MethodPost, "https://"+rc.addr+reference.LegacyPath, strings.NewReader(popRequest()))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("https through the recorder: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "PlayOnPhoneResponse") {
		t.Fatalf("HTTP %d\n%s", resp.StatusCode, body)
	}
	// The WSDL fetched over https names the recorder with https, as the client reached it.
	resp, err = client.Get("https://" + rc.addr + reference.LegacyPath + "?wsdl")
	if err != nil {
		t.Fatalf("?wsdl over https: %v", err)
	}
	wsdl, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `location="https://` + rc.addr + reference.LegacyPath + `"`; !strings.Contains(string(wsdl), want) {
		t.Errorf("the WSDL relayed over https does not say %s:\n%s", want, wsdl)
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if _, _, err := post(plain, rc.addr, popRequest(), nil); err == nil {
		t.Error("plain http was answered by a recorder serving https")
	}
	rc.cmd.Process.Signal(syscall.SIGINT)
	if code := rc.wait(t); code != 0 {
		t.Fatalf("record exit %d\n%s", code, rc.stdout.String())
	}
	var lintOut, lintErr bytes.Buffer
	if code := dispatch([]string{"fixtures", "lint", out}, nil, &lintOut, &lintErr); code != 0 || !strings.Contains(lintOut.String(), "1 fixture, no problems") {
		t.Errorf("lint exit %d:\n%s%s", code, lintOut.String(), lintErr.String())
	}
}

func TestRecordTLSFlagsGoTogether(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runRecord(context.Background(), []string{"--upstream", "http://127.0.0.1:1", "--out", t.TempDir(), "--tls-cert", "c.pem"}, &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "--tls-cert and --tls-key go together") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}
