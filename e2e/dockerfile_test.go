package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// No container engine runs on the machines that test umconform (a docker client, no
// daemon), so the image is tested without one: its Dockerfile is read here, checked
// against what make dist builds, and then run by emptyroot_test.go as `docker run` would
// (its binary, user, environment and entry point, in an empty read-only root).

// image is what the Dockerfile says about the image.
type image struct {
	froms      []string
	copies     []imageCopy
	env        []string // NAME=VALUE
	user       string
	workdir    string
	entrypoint []string
	cmd        []string
}

type imageCopy struct{ src, dst, chown string }

// readDockerfile reads the instructions this project's Dockerfile uses, expanding ARG
// defaults (the build is for linux/amd64 unless --platform says otherwise).
func readDockerfile(t *testing.T, path string) image {
	t.Helper()
	var img image
	args := map[string]string{}
	expand := func(s string) string {
		return os.Expand(s, func(k string) string { return args[k] })
	}
	text := strings.ReplaceAll(string(mustRead(t, path)), "\\\n", " ")
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		execForm := func() []string {
			var v []string
			if err := json.Unmarshal([]byte(rest), &v); err != nil {
				t.Fatalf("%s:%d: %s %s: want the exec form, a JSON array (a scratch image has no shell)", path, n+1, op, rest)
			}
			return v
		}
		switch strings.ToUpper(op) {
		case "FROM":
			img.froms = append(img.froms, expand(rest))
		case "ARG":
			k, v, _ := strings.Cut(rest, "=")
			args[k] = v
		case "COPY":
			f := strings.Fields(rest)
			c := imageCopy{}
			for len(f) > 0 && strings.HasPrefix(f[0], "--") {
				if v, ok := strings.CutPrefix(f[0], "--chown="); ok {
					c.chown = v
				} else {
					t.Fatalf("%s:%d: COPY option %s: this test does not know it", path, n+1, f[0])
				}
				f = f[1:]
			}
			if len(f) != 2 {
				t.Fatalf("%s:%d: COPY wants one source and one destination", path, n+1)
			}
			c.src, c.dst = expand(f[0]), expand(f[1])
			img.copies = append(img.copies, c)
		case "ENV":
			img.env = append(img.env, expand(rest))
		case "USER":
			img.user = expand(rest)
		case "WORKDIR":
			img.workdir = expand(rest)
		case "ENTRYPOINT":
			img.entrypoint = execForm()
		case "CMD":
			img.cmd = execForm()
		default:
			t.Fatalf("%s:%d: instruction %s: this test does not know it; teach it before using it", path, n+1, op)
		}
	}
	return img
}

// makeVariable is the value of NAME := VALUE in the Makefile.
func makeVariable(t *testing.T, name string) string {
	m := regexp.MustCompile(`(?m)^` + name + `\s*:?=\s*(\S+)\s*$`).FindSubmatch(mustRead(t, "Makefile"))
	if m == nil {
		t.Fatalf("Makefile sets no %s", name)
	}
	return string(m[1])
}

// TestDockerfile: the image holds the static binary of make dist and nothing else, runs it
// as a user that is not root, and writes its reports in /reports.
func TestDockerfile(t *testing.T) {
	img := readDockerfile(t, "Dockerfile")
	if !slices.Equal(img.froms, []string{"scratch"}) {
		t.Errorf("FROM %v, want only scratch: the static binary needs no base image", img.froms)
	}
	if len(img.copies) == 0 || img.copies[0].src != makeVariable(t, "DIST_BIN") {
		t.Fatalf("the first COPY is %+v, want make dist's binary %s", img.copies, makeVariable(t, "DIST_BIN"))
	}
	if len(img.entrypoint) != 1 || img.entrypoint[0] != img.copies[0].dst {
		t.Errorf("ENTRYPOINT %q, want [%q], the binary copied in", img.entrypoint, img.copies[0].dst)
	}
	uid, gid, ok := strings.Cut(img.user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 || !ok {
		t.Errorf("USER %q, want a numeric UID:GID other than root (a scratch image has no /etc/passwd)", img.user)
	} else if _, err := strconv.Atoi(gid); err != nil {
		t.Errorf("USER %q: GID not numeric", img.user)
	}
	if !slices.Contains(img.env, "UMCONFORM_REPORT_DIR=/reports") {
		t.Errorf("ENV %q lacks UMCONFORM_REPORT_DIR=/reports", img.env)
	}
	// /reports exists in the image owned by its user, so that a run without a volume
	// (or a new named volume, which starts as a copy of it) can write there.
	var reports bool
	for _, c := range img.copies[1:] {
		if strings.TrimSuffix(c.dst, "/") == "/reports" && c.chown == img.user {
			reports = true
		}
	}
	if !reports {
		t.Errorf("no COPY --chown=%s makes /reports: %+v", img.user, img.copies)
	}

	// Everything copied is in the build context that .dockerignore lets through, and the
	// sources are not (the context stays small).
	for _, c := range img.copies {
		src := strings.TrimSuffix(c.src, "/")
		if fi, err := os.Stat(src); err == nil && fi.IsDir() {
			entries, _ := os.ReadDir(src)
			if len(entries) == 0 {
				t.Errorf("COPY %s: an empty folder, which git does not keep", src)
			}
			for _, e := range entries {
				if !dockerContext(t, filepath.Join(src, e.Name())) {
					t.Errorf(".dockerignore leaves out %s, which COPY %s needs", filepath.Join(src, e.Name()), c.src)
				}
			}
		} else if !dockerContext(t, src) {
			t.Errorf(".dockerignore leaves out %s, which COPY needs", src)
		}
	}
	for _, p := range []string{"go.mod", "main.go", "fixtures/corpus", "umconform-reports/report.json", "bin/umconform"} {
		if dockerContext(t, p) {
			t.Errorf(".dockerignore lets %s into the build context", p)
		}
	}
}

// dockerContext says whether .dockerignore lets path into the build context: the last
// pattern that matches path or one of its parents decides, "!" lets it in again.
func dockerContext(t *testing.T, path string) bool {
	in := true
	for _, line := range strings.Split(string(mustRead(t, ".dockerignore")), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pattern, negated := strings.CutPrefix(line, "!")
		pattern = strings.Trim(pattern, "/")
		for p := path; p != "." && p != "/"; p = filepath.Dir(p) {
			if ok, _ := filepath.Match(pattern, p); ok {
				in = negated
				break
			}
		}
	}
	return in
}

func TestDockerContextMatching(t *testing.T) {
	// The helper above must be able to say no and yes, or TestDockerfile proves nothing.
	if dockerContext(t, "go.mod") || !dockerContext(t, "dist/umconform-linux-amd64") || !dockerContext(t, "build/image/reports/.keep") {
		t.Error("dockerContext does not read .dockerignore as docker does")
	}
}
