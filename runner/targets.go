package runner

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/umconform/umconform/reference"
)

// Target is one server a run judges.
type Target struct {
	Name    string // short name: report sub-folder, Ginkgo label, matrix column
	URL     string // UM endpoint URL; empty for the embedded reference server or an EWS-only target
	EWSURL  string // EWS endpoint URL, when the target offers one (the embedded server does)
	Profile string // reference profile of the embedded reference server
}

// Embedded tells whether the run starts the embedded reference server for this target.
func (t Target) Embedded() bool { return t.URL == "" && t.EWSURL == "" }

// embeddedScheme lets a target name the embedded reference server, optionally with a
// profile ("embedded:t2-text-plain"), so a vendor matrix can show the reference beside
// the servers under test.
const embeddedScheme = "embedded"

// parseTarget reads "URL", "NAME=URL", "embedded" or "NAME=embedded:PROFILE".
// prog is the binary as invoked, for the hint.
func parseTarget(s, prog string) (Target, error) {
	var t Target
	if i, j := strings.Index(s, "="), strings.Index(s, "://"); i > 0 && (j < 0 || i < j) {
		t.Name, s = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	}
	switch {
	case s == embeddedScheme:
	case strings.HasPrefix(s, embeddedScheme+":"):
		t.Profile = strings.TrimPrefix(s, embeddedScheme+":")
		if _, err := reference.LookupProfile(t.Profile); err != nil {
			return t, fmt.Errorf("target %q: %v (see %s serve --list-profiles)", s, err, prog)
		}
	default:
		u, err := url.Parse(s)
		if err != nil {
			return t, fmt.Errorf("target %q: %v", s, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return t, fmt.Errorf("target %q: want a full URL such as https://HOST/EWS/UM2007Legacy.asmx, or NAME=URL", s)
		}
		t.URL, t.EWSURL = endpoints(s, u)
		if t.Name == "" {
			t.Name = u.Hostname()
		}
	}
	if t.Name == "" {
		t.Name = "reference"
		if t.Profile != "" {
			t.Name = t.Profile
		}
	}
	for _, r := range t.Name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return t, fmt.Errorf("target name %q: use letters, digits, '-', '_' and '.' (it names a report folder and a Ginkgo label)", t.Name)
		}
	}
	return t, nil
}

// readTargetsFile reads one NAME=URL a line; blank lines and lines starting with # are skipped.
func readTargetsFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--targets-file: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--targets-file %s: %w", path, err)
	}
	return out, nil
}

// targets resolves the run's targets: none given is the embedded reference server with
// --profile.
func (c *Config) targets() ([]Target, error) {
	raw := append([]string(nil), c.Targets...)
	if c.TargetsFile != "" {
		more, err := readTargetsFile(c.TargetsFile)
		if err != nil {
			return nil, err
		}
		raw = append(raw, more...)
	}
	if len(raw)+len(c.EWSTargets) == 0 {
		return []Target{{Name: "reference", Profile: c.Profile}}, nil
	}
	var out []Target
	seen := map[string]bool{}
	for _, s := range raw {
		t, err := parseTarget(s, c.program())
		if err != nil {
			return nil, err
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("target name %q is used twice; name each target: --target NAME=URL", t.Name)
		}
		seen[t.Name] = true
		out = append(out, t)
	}
	return pairEWS(out, c.EWSTargets, c.program())
}

// pairEWS adds the EWS endpoints to the targets: to the target of the same name (one
// server offering both APIs), or as a target of its own. prog is the binary as invoked.
func pairEWS(targets []Target, ews []string, prog string) ([]Target, error) {
	paired := map[string]bool{}
	for _, s := range ews {
		t, err := parseTarget(s, prog)
		switch {
		case err != nil:
			return nil, fmt.Errorf("--ews-target: %w", err)
		case t.Embedded():
			return nil, fmt.Errorf("--ews-target %q: want a full URL such as https://HOST/EWS/Exchange.asmx; the embedded reference server offers its EWS endpoint already", s)
		case paired[t.Name]:
			return nil, fmt.Errorf("EWS target name %q is used twice; name each: --ews-target NAME=URL", t.Name)
		}
		paired[t.Name] = true
		if t.EWSURL != "" { // a host's or an EWS path's URL: the EWS endpoint it names
			t.URL = t.EWSURL
		}
		i := slices.IndexFunc(targets, func(u Target) bool { return u.Name == t.Name })
		switch {
		case i < 0:
			targets = append(targets, Target{Name: t.Name, EWSURL: t.URL})
		case targets[i].Embedded():
			return nil, fmt.Errorf("--ews-target %q: target %q is the embedded reference server, which has its own EWS endpoint", s, t.Name)
		default:
			targets[i].EWSURL = t.URL
		}
	}
	return targets, nil
}

// endpoints tells a target URL's endpoints from its path, so that nobody has to say which
// API a URL belongs to: a bare host (https://HOST or https://HOST/) is an Exchange 2010+
// server offering both, /EWS/UM2007Legacy.asmx for the UM web service and
// /EWS/Exchange.asmx for EWS; a URL ending in /EWS/Exchange.asmx is EWS alone; any other
// path (Exchange 2007's /UnifiedMessaging/Service.asmx) is the UM web service.
func endpoints(raw string, u *url.URL) (um, ews string) {
	path := strings.ToLower(strings.TrimRight(u.Path, "/"))
	switch {
	case path == "" && u.RawQuery == "" && u.Fragment == "":
		base := strings.TrimRight(raw, "/")
		return base + reference.LegacyPath, base + reference.EWSPath
	case strings.HasSuffix(path, strings.ToLower(reference.EWSPath)):
		return "", raw
	}
	return raw, ""
}
