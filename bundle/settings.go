package bundle

import (
	"flag"
	"regexp"
	"sort"
	"strings"
)

// Redacted and Withheld replace a value that is, or may hold, a secret.
const (
	Redacted = "(redacted)"
	Withheld = "(set, withheld)"
)

// redact is the value of flag name as a bundle may show it. Header values may be tokens or
// cookies (only the header's name is kept); a user name is withheld as a first step towards
// an account; a URL keeps no user information; anything named like a secret is redacted.
func redact(name, value string) string {
	switch {
	case name == "header":
		var lines []string
		for _, l := range strings.Split(value, "\n") {
			k, _, _ := strings.Cut(l, ":")
			lines = append(lines, strings.TrimSpace(k)+": "+Redacted)
		}
		return strings.Join(lines, "\n")
	case name == "username", name == "second-username":
		return Withheld
	case strings.Contains(name, "password") && !strings.HasSuffix(name, "-file"),
		strings.Contains(name, "secret"), strings.Contains(name, "token"), strings.Contains(name, "cookie"):
		return Redacted
	}
	return redactURLs(value)
}

var userinfoRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@`)

// redactURLs drops the user information (user:password@) of every URL in s.
func redactURLs(s string) string { return userinfoRE.ReplaceAllString(s, "${1}"+Redacted+"@") }

// RedactArgs is the command line args, as parsed by fs, with the value of every setting that
// may hold a secret redacted: what a bundle records as the exact command of its run.
func RedactArgs(fs *flag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			for _, rest := range args[i:] {
				out = append(out, redactURLs(rest))
			}
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			out = append(out, redactURLs(a))
			continue
		}
		dashes := "-"
		if strings.HasPrefix(a, "--") {
			dashes = "--"
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a, dashes), "=")
		f := fs.Lookup(name)
		switch {
		case f == nil:
			out = append(out, redactURLs(a)) // the run refused it; nothing to learn from
		case hasValue:
			out = append(out, dashes+name+"="+redact(name, value))
		case isBool(f):
			out = append(out, a)
		default:
			out = append(out, a)
			if i+1 < len(args) {
				i++
				out = append(out, redact(name, args[i]))
			}
		}
	}
	return out
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// envInUsage finds the variable a flag reads, which envflag names in every flag's help
// ("(env UMCONFORM_TIMEOUT)"): so a flag added later is recorded without a list to update.
var envInUsage = regexp.MustCompile(`\(env (UMCONFORM_[A-Z0-9_]+)\)`)

// otherVariables change where and how the run's requests go: the proxy (Go's transport
// reads these) and the certificates trusted.
var otherVariables = []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"}

// Environment is every environment variable set that shapes a run whose flags are fs, with
// secrets redacted: the UMCONFORM_* variable of each flag, the passwords' variables (only that
// it is set), the proxy and certificate variables.
func Environment(fs *flag.FlagSet, lookup func(string) (string, bool)) []Setting {
	var out []Setting
	seen := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) {
		m := envInUsage.FindStringSubmatch(f.Usage)
		if m == nil || seen[m[1]] {
			return
		}
		seen[m[1]] = true
		if v, ok := lookup(m[1]); ok {
			out = append(out, Setting{m[1], redact(f.Name, v)})
		}
	})
	for _, name := range []string{"UMCONFORM_PASSWORD", "UMCONFORM_SECOND_PASSWORD"} {
		if _, ok := lookup(name); ok {
			out = append(out, Setting{name, Withheld})
		}
	}
	for _, name := range otherVariables {
		if v, ok := lookup(name); ok {
			out = append(out, Setting{name, redactURLs(v)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
