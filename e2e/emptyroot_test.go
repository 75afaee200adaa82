package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"debug/elf"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/reference"
)

// The static binary of `make dist` in an empty root: no /tmp, no /etc (so no CA bundle, no
// resolv.conf, no passwd), no /dev or /proc, the root mounted read-only, and a user that is
// not root. Only the folders a container would mount (/reports, /out) are writable. The
// binary is built once (make test passes it in UMCONFORM_DIST_BIN; without it the test
// builds it with build/static.sh) and every command runs from that one copy.
//
// The root is made with a private mount namespace and chroot: as root (as CI runs here)
// with --userspec 65534:65534; as any other user inside a user namespace of its own, where
// that user is root of nothing outside.
func TestEmptyRoot(t *testing.T) {
	bin := distBinary(t)
	t.Run("statically linked", func(t *testing.T) { assertStatic(t, bin) })
	j := newJail(t, bin)

	t.Run("version", func(t *testing.T) {
		r := j.run(t, "version")
		if r.code != 0 || !strings.Contains(r.stdout, "catalogue: "+catalogue.Version+"\n") ||
			!regexp.MustCompile(`(?m)^libxml2: 2\.\d+\.\d+$`).MatchString(r.stdout) {
			t.Errorf("version: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("validate", func(t *testing.T) {
		if r := j.run(t, "validate", "/good.xml"); r.code != 0 {
			t.Errorf("validate a valid response: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
		}
		// A verdict, not a crash: the schema compiled and the document was judged.
		if r := j.run(t, "validate", "/bad.xml"); r.code != 1 || !strings.Contains(r.stdout, "Ringing") {
			t.Errorf("validate an invalid response: exit %d, want 1 naming Ringing\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("embedded run", func(t *testing.T) {
		r := j.run(t, "run", "--report-dir", "/reports/embedded")
		if r.code != 0 || !regexp.MustCompile(`: \d+ passed, 0 failed, \d+ warnings?, 0 errors`).MatchString(r.stdout) {
			t.Errorf("embedded run: exit %d, want 0 with no failure or error\n%s%s", r.code, tail(r.stdout), r.stderr)
		}
		if _, err := os.Stat(filepath.Join(j.dir, "reports", "embedded", "report.json")); err != nil {
			t.Errorf("no report.json in the mounted report folder: %v", err)
		}
		if left, _ := filepath.Glob(filepath.Join(j.dir, "reports", "embedded", "umconform-canary-*")); len(left) > 0 {
			t.Errorf("canary files left behind: %v", left)
		}
	})

	t.Run("read-only report folder", func(t *testing.T) {
		r := j.run(t, "run", "--report-dir", "/nowhere")
		if r.code != 2 || !strings.Contains(r.stderr, "report folder /nowhere") {
			t.Errorf("run with a report folder on the read-only root: exit %d, want 2 naming the folder\n%s", r.code, r.stderr)
		}
	})

	// The image as `docker run -v …:/reports umconform` runs it: the Dockerfile's files,
	// user, environment, entry point and default command; /reports is the volume.
	t.Run("the image", func(t *testing.T) {
		img := readDockerfile(t, "Dockerfile")
		files := map[string][]byte{}
		for _, c := range img.copies {
			if c.src == makeVariable(t, "DIST_BIN") {
				files[c.dst] = mustRead(t, bin) // the binary under test is make dist's
				continue
			}
			entries, err := os.ReadDir(c.src)
			if err != nil {
				t.Fatalf("COPY %s: %v", c.src, err)
			}
			for _, e := range entries {
				files[filepath.Join(c.dst, e.Name())] = mustRead(t, filepath.Join(c.src, e.Name()))
			}
		}
		ij := makeJail(t, files, []string{"reports"}, img.user)
		ij.env, ij.entrypoint = img.env, img.entrypoint
		r := ij.run(t, img.cmd...)
		if r.code != 0 || !regexp.MustCompile(`: \d+ passed, 0 failed, \d+ warnings?, 0 errors`).MatchString(r.stdout) {
			t.Errorf("the image's default command: exit %d, want 0\n%s%s", r.code, tail(r.stdout), r.stderr)
		}
		if _, err := os.Stat(filepath.Join(ij.dir, "reports", "report.json")); err != nil {
			t.Errorf("the image's run wrote no /reports/report.json: %v", err)
		}
	})

	// serve, then record in front of it over TLS, then a run through the recorder that
	// trusts its certificate only through --ca-file: the root has no CA bundle.
	t.Run("serve, record and run over https", func(t *testing.T) {
		serveAddr, recordAddr := freeAddr(t), freeAddr(t)
		serve := j.start(t, "serve", "--listen", serveAddr)
		waitHTTP(t, "http://"+serveAddr+reference.LegacyPath+"?wsdl", nil)
		record := j.start(t, "record", "--upstream", "http://"+serveAddr+reference.LegacyPath, "--out", "/out/recorded",
			"--listen", recordAddr, "--tls-cert", "/tls/cert.pem", "--tls-key", "/tls/key.pem")
		waitHTTP(t, "https://"+recordAddr+reference.LegacyPath+"?wsdl", j.pool)

		target := "https://" + recordAddr + reference.LegacyPath
		common := []string{"run", "--target", target, "--dial-string", "+15550100", "--entry-id", reference.DefaultEntryID, "--label-filter", "S4"}
		if r := j.run(t, append(common, "--report-dir", "/reports/no-ca")...); r.code != 2 {
			t.Errorf("https without --ca-file in a root with no CA bundle: exit %d, want 2\n%s", r.code, tail(r.stdout))
		}
		r := j.run(t, append(common, "--report-dir", "/reports/https", "--ca-file", "/tls/cert.pem")...)
		if r.code != 0 || !regexp.MustCompile(`: [1-9]\d* passed, 0 failed, \d+ warnings?, 0 errors`).MatchString(r.stdout) {
			t.Errorf("run through the recorder with --ca-file: exit %d, want 0\n%s%s", r.code, tail(r.stdout), r.stderr)
		}
		record.stop(t)
		serve.stop(t)
		recorded, _ := filepath.Glob(filepath.Join(j.dir, "out", "recorded", "*", "*.request.http"))
		if len(recorded) == 0 {
			t.Errorf("record wrote no fixture in /out/recorded; its output:\n%s", record.out.String())
		}
	})
}

// distBinary is the static binary under test: make test's, or one built here.
func distBinary(t *testing.T) string {
	if bin := os.Getenv("UMCONFORM_DIST_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	bin := filepath.Join(t.TempDir(), "umconform")
	cmd := exec.Command("bash", "build/static.sh", bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build/static.sh (make dist-deps installs what it needs): %v\n%s", err, out)
	}
	return bin
}

// assertStatic: no program interpreter and no shared library needed (what `file` calls
// "statically linked").
func assertStatic(t *testing.T, bin string) {
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has a program interpreter: it is dynamically linked", bin)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v", bin, libs)
	}
}

// jail is an empty root: dir holds only the files put there, read-only, and the writable
// mount points; commands run as user (uid:gid) with env and nothing else.
type jail struct {
	dir        string
	writable   []string // folders below dir, mounted writable
	user       string
	env        []string
	entrypoint []string
	pool       *x509.CertPool // trusts /tls/cert.pem
}

// makeJail puts files (path below the root: content) in a new empty root and makes the
// writable folders, owned by user when this test runs as root.
func makeJail(t *testing.T, files map[string][]byte, writable []string, user string) *jail {
	dir := filepath.Join(t.TempDir(), "root")
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var uid, gid int
	if _, err := fmt.Sscanf(user, "%d:%d", &uid, &gid); err != nil {
		t.Fatalf("user %q: want UID:GID", user)
	}
	for _, d := range writable {
		p := filepath.Join(dir, d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		// The user in the root may write only where a volume is mounted.
		if os.Geteuid() == 0 {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &jail{dir: dir, writable: writable, user: user}
}

func newJail(t *testing.T, bin string) *jail {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatalf("the empty-root test needs unshare and chroot (util-linux, coreutils): %v", err)
	}
	good := mustRead(t, "schema/testdata/getcallinfo-response.xml")
	bad := regexp.MustCompile(`<CallState>\w+</CallState>`).ReplaceAll(good, []byte("<CallState>Ringing</CallState>"))
	if bytes.Equal(good, bad) {
		t.Fatal("schema/testdata/getcallinfo-response.xml has no CallState to break")
	}
	certFile, keyFile, pool := selfSigned(t)
	j := makeJail(t, map[string][]byte{"umconform": mustRead(t, bin), "good.xml": good, "bad.xml": bad,
		"tls/cert.pem": mustRead(t, certFile), "tls/key.pem": mustRead(t, keyFile)}, []string{"reports", "out"}, "65534:65534")
	j.entrypoint, j.pool = []string{"/umconform"}, pool
	return j
}

// command runs the entry point with args in the empty root.
func (j *jail) command(ctx context.Context, args ...string) *exec.Cmd {
	// "$0" is the root folder. Bind mounts make it and the writable folders mount points,
	// then the root alone is remounted read-only.
	script := `set -e
mount --bind "$0" "$0"
for d in $WRITABLE; do mount --bind "$0/$d" "$0/$d"; done
mount -o remount,bind,ro "$0"
exec chroot $USERSPEC "$0" "$@"`
	ns := []string{"--mount", "--propagation", "private"}
	userspec := "--userspec=" + j.user
	if os.Geteuid() != 0 {
		ns = append(ns, "--user", "--map-root-user")
		userspec = ""
	}
	cmd := exec.CommandContext(ctx, "unshare", append(append(ns, "sh", "-c", script, j.dir), append(j.entrypoint, args...)...)...)
	// Nothing from this environment (no HOME, TMPDIR or SSL_CERT_FILE): only the jail's.
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "USERSPEC=" + userspec, "WRITABLE=" + strings.Join(j.writable, " ")}, j.env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

type jailResult struct {
	code           int
	stdout, stderr string
}

func (j *jail) run(t *testing.T, args ...string) jailResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := j.command(ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("umconform %s in the empty root: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return jailResult{code, stdout.String(), stderr.String()}
}

type jailProcess struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan error
}

// start runs a long-lived command (serve, record) in the empty root; stop ends it with
// SIGTERM, as a container runtime would.
func (j *jail) start(t *testing.T, args ...string) *jailProcess {
	cmd := j.command(context.Background(), args...)
	p := &jailProcess{cmd: cmd, out: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return p
}

func (p *jailProcess) stop(t *testing.T) {
	t.Helper()
	// unshare, sh and chroot exec one another: the process is umconform itself.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("umconform %s: %v on SIGTERM, want a clean stop\n%s", strings.Join(p.cmd.Args, " "), err, p.out.String())
		}
	case <-time.After(20 * time.Second):
		t.Errorf("umconform did not stop within 20s of SIGTERM\n%s", p.out.String())
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitHTTP waits until url answers 200 (the server in the root is up).
func waitHTTP(t *testing.T, url string, pool *x509.CertPool) {
	t.Helper()
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig(pool)}}
	var last error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := c.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
	}
	t.Fatalf("%s did not answer within 15s: %v", url, last)
}

func tlsConfig(pool *x509.CertPool) *tls.Config {
	if pool == nil {
		return nil
	}
	return &tls.Config{RootCAs: pool}
}
