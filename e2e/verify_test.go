package e2e

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bundleProductFlags describe the product of the test bundles.
var bundleProductFlags = []string{"--product", "Acme UM", "--product-version", "4.2", "--vendor", "Acme Inc", "--contact", "conformance@acme.example"}

// writeKeys writes an ed25519 key pair as OpenSSL writes them (docs/BUNDLES.md: key files).
func writeKeys(t *testing.T) (priv, pub string) {
	t.Helper()
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(sk)
	pubDER, _ := x509.MarshalPKIXPublicKey(pk)
	dir := t.TempDir()
	priv, pub = filepath.Join(dir, "vendor.key"), filepath.Join(dir, "vendor.pub")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// unzip reads every file of a bundle, in the archive's order.
func unzip(t *testing.T, path string) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = data
	}
	return names, files
}

// rezip writes the files as a new archive.
func rezip(t *testing.T, names []string, files map[string][]byte) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store}) // deflate's state is slow to set up a thousand times
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "edited.zip")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBundleOfACompleteRunVerifies makes a signed bundle of a whole run against the correct
// reference server, with credentials set: it verifies (exit 0), with and without the key;
// it holds no password, Authorization header or cookie; and one changed byte in any of its
// files makes verify exit 2 naming that file.
func TestBundleOfACompleteRunVerifies(t *testing.T) {
	dir := t.TempDir()
	priv, pub := writeKeys(t)
	path := filepath.Join(dir, "acme.zip")
	const password, secondPassword, token, cookie = "pw-Zq81xx-secret", "pw2-Kk40ww-secret", "tok-Hh27yy-secret", "ck-Mm93zz-secret"
	// Against a server that is not umconform's own: a bundle of the reference server is no
	// product's evidence (TestVerifyKnowsTheReferenceServer).
	target, ca := productServerTLS(t, map[string]string{"alice": password, "umtest-second": secondPassword})
	args := append([]string{"run", "--report-dir", filepath.Join(dir, "reports"), "--bundle", path, "--sign-key", priv,
		"--auth", "basic", "--username", "alice", "--second-username", "umtest-second", "--header", "X-Api-Key: " + token, "--header", "Cookie: session=" + cookie,
		"--target", target, "--ca-file", ca}, append(bundleProductFlags, productRunFlags...)...)
	res := umconform(t, []string{"UMCONFORM_PASSWORD=" + password, "UMCONFORM_SECOND_PASSWORD=" + secondPassword, "UMCONFORM_HEADERS=Authorization: Bearer " + token}, args...)
	if res.code != 0 || !strings.Contains(res.stdout, "Bundle: "+path) {
		t.Fatalf("run: exit %d\n%s\n%s", res.code, tail(res.stdout), res.stderr)
	}
	for _, key := range [][]string{nil, {"--key", pub}} {
		v := umconform(t, nil, append(append([]string{"verify"}, key...), path)...)
		if v.code != 0 || !strings.Contains(v.stdout, "VERDICT: PASS") || !strings.Contains(v.stdout, "Acme UM 4.2") {
			t.Fatalf("verify %v: exit %d, want 0\n%s%s", key, v.code, v.stdout, v.stderr)
		}
		if key == nil && !strings.Contains(v.stdout, "pass --key") || key != nil && !strings.Contains(v.stdout, "the public key you gave") {
			t.Errorf("verify %v does not say what the signature proves\n%s", key, v.stdout)
		}
	}

	names, files := unzip(t, path)
	secrets := []string{password, token, cookie, "alice", base64.StdEncoding.EncodeToString([]byte("alice:" + password)),
		secondPassword, "umtest-second", base64.StdEncoding.EncodeToString([]byte("umtest-second:" + secondPassword))}
	for _, n := range names {
		for _, s := range secrets {
			if bytes.Contains(files[n], []byte(s)) {
				t.Errorf("%s holds the secret %q", n, s)
			}
		}
	}
	if m := string(files["manifest.json"]); !strings.Contains(m, `"--auth",`) || !strings.Contains(m, "Cookie: (redacted)") || !strings.Contains(m, "UMCONFORM_PASSWORD") ||
		!strings.Contains(m, "UMCONFORM_SECOND_PASSWORD") || !strings.Contains(m, `"--second-username",`) {
		t.Errorf("the manifest does not record the settings (redacted):\n%s", m)
	}

	for _, name := range names {
		edited := map[string][]byte{}
		for k, v := range files {
			edited[k] = v
		}
		b := bytes.Clone(files[name])
		b[len(b)/2] ^= 0x01
		edited[name] = b
		v := umconform(t, nil, "verify", "--key", pub, rezip(t, names, edited))
		if v.code != 2 || !strings.Contains(v.stdout, "- "+name) {
			t.Errorf("one byte of %s changed: exit %d, want 2 naming it\n%s%s", name, v.code, v.stdout, v.stderr)
		}
	}
}

// TestBundlesOfPartialOrFailingRunsAreNoPass: a bundle of a failing run names the failed
// requirements; of a run with a label filter, an expectations file or one shard alone it
// says the run was incomplete and why, and so does one of a run without the accounts the
// auth checks need. Each exits 1.
func TestBundlesOfPartialOrFailingRunsAreNoPass(t *testing.T) {
	dir := t.TempDir()
	bundleRun := func(name string, code int, args ...string) string {
		t.Helper()
		path := filepath.Join(dir, name+".zip")
		// Both accounts, but in the run without them: without them the auth checks are
		// skipped, and every bundle would be incomplete for that alone.
		env := accountEnv
		if name == "no accounts" {
			env = nil
		} else {
			args = append(args, accountArgs...)
		}
		args = append(append([]string{"run", "--report-dir", filepath.Join(dir, name), "--bundle", path}, bundleProductFlags...), args...)
		res := umconform(t, env, args...)
		if res.code != code || !strings.Contains(res.stdout, "Bundle: ") {
			t.Fatalf("%s: run exit %d, want %d with a bundle\n%s\n%s", name, res.code, code, tail(res.stdout), res.stderr)
		}
		return path
	}
	// s2-ringing breaks S2 (and only S2). Which of its checks see a call Ringing depends on
	// timing, so the expectations file accepts S2 whatever the check.
	failing := bundleRun("failing", 1, "--profile", "s2-ringing")
	expFile := filepath.Join(dir, "expectations.yaml")
	if err := os.WriteFile(expFile, []byte("- requirement: S2\n  reason: the vendor's ticket 42\n  expires: 2099-12-31\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		bundle string
		want   []string
	}{
		{"failing", failing, []string{"FAILED: the target failed S2 (MUST, UM)", "Complete:  yes"}},
		{"expectations", bundleRun("expectations", 0, "--profile", "s2-ringing", "--expectations", expFile), []string{"INCOMPLETE", "expectations file (--expectations)"}},
		{"label filter", bundleRun("filtered", 0, "--label-filter", "robustness"), []string{"INCOMPLETE", `--label-filter "robustness"`, "requirements were not judged: T1 (UM)"}},
		{"one shard", bundleRun("shard", 0, "--shard", "1/3"), []string{"INCOMPLETE", "one shard alone (--shard 1/3)"}},
		{"no accounts", bundleRun("no accounts", 0), []string{"INCOMPLETE", "the run lacked an account they need", "requirements were not judged: A1 (UM)"}},
	} {
		v := umconform(t, nil, "verify", c.bundle)
		if v.code != 1 || !strings.Contains(v.stdout, "VERDICT: NOT A PASS") {
			t.Errorf("%s: verify exit %d, want 1\n%s%s", c.name, v.code, v.stdout, v.stderr)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(v.stdout, w) {
				t.Errorf("%s: verdict lacks %q\n%s", c.name, w, v.stdout)
			}
		}
		if c.name != "failing" && strings.Contains(v.stdout, "FAILED:") {
			t.Errorf("%s: a failure where none was left\n%s", c.name, v.stdout)
		}
	}
}

func TestBundleSettingsAreCheckedBeforeTheRun(t *testing.T) {
	dir := t.TempDir()
	product := filepath.Join(dir, "product.yaml")
	os.WriteFile(product, []byte("product: Acme UM\nvendor: Acme\nprice: 3\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bundle", filepath.Join(dir, "b.zip")}, "--bundle needs the product it describes: pass --product"},
		{[]string{"--bundle", filepath.Join(dir, "b.zip"), "--product-file", product}, `line 3: unknown key "price"`},
		{[]string{"--vendor", "Acme"}, "--vendor describes a bundle: pass --bundle FILE too"},
		{append([]string{"--bundle", filepath.Join(dir, "b.zip"), "--sign-key", product}, bundleProductFlags...), "--sign-key"},
		{append([]string{"--bundle", filepath.Join(dir, "b.zip"), "--list"}, bundleProductFlags...), "--bundle with --list"},
	} {
		res := umconform(t, nil, append([]string{"run", "--report-dir", dir}, c.args...)...)
		if res.code != 2 || !strings.Contains(res.stderr, c.want) || strings.Contains(res.stdout, "Started the embedded") {
			t.Errorf("%v: exit %d, want 2 before the run saying %q\n%s%s", c.args, res.code, c.want, res.stdout, res.stderr)
		}
	}
}

// TestBundleOfMergedShardsVerifies: one shard alone is incomplete (above), but every shard,
// merged, is the whole run: umconform merge --bundle writes a bundle that passes.
func TestBundleOfMergedShardsVerifies(t *testing.T) {
	dir := t.TempDir()
	target, ca := productServerTLS(t, testUsers)
	for _, k := range []string{"1", "2"} {
		// With both accounts, or the auth checks are skipped and the run incomplete.
		args := append([]string{"run", "--target", target, "--ca-file", ca, "--shard", k + "/2", "--report-dir", filepath.Join(dir, "shard"+k)}, accountArgs...)
		if res := umconform(t, accountEnv, append(args, productRunFlags...)...); res.code != 0 {
			t.Fatalf("shard %s: exit %d\n%s", k, res.code, res.stderr)
		}
	}
	path := filepath.Join(dir, "merged.zip")
	args := append([]string{"merge", "--report-dir", filepath.Join(dir, "merged"), "--bundle", path}, bundleProductFlags...)
	if res := umconform(t, nil, append(args, filepath.Join(dir, "shard1"), filepath.Join(dir, "shard2"))...); res.code != 0 {
		t.Fatalf("merge: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	v := umconform(t, nil, "verify", path)
	if v.code != 0 || !strings.Contains(v.stdout, "Shards:    2, merged") || !strings.Contains(v.stdout, "VERDICT: PASS") {
		t.Errorf("verify: exit %d, want 0 for every shard merged\n%s%s", v.code, v.stdout, v.stderr)
	}
}
