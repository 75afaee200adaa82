// Package runner turns a run's settings into a client, a target and a Ginkgo run of the conformance suites.
package runner

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/expect"
	"github.com/umconform/umconform/internal/progress"
	"github.com/umconform/umconform/suites"
)

// Config is one run's settings, as given by flags and UMCONFORM_* variables.
type Config struct {
	Targets     []string // "URL", "NAME=URL" or "NAME=embedded[:PROFILE]"; none starts the embedded reference server
	TargetsFile string   // more targets, one NAME=URL a line
	Profile     string   // reference server profile when there is no target
	DialString  string
	EntryID     string
	Timeout     time.Duration

	Auth         string // none, basic or ntlm
	Username     string
	Password     string // from UMCONFORM_PASSWORD or --password-file, never a flag value
	PasswordFile string
	// The second account of the ownership checks (A4, A5): another user of the target, who
	// must not see or end the first user's calls. It signs in as the first does (Auth).
	SecondUsername     string
	SecondPassword     string // from UMCONFORM_SECOND_PASSWORD or --second-password-file, never a flag value
	SecondPasswordFile string
	CAFile             string
	Insecure           bool
	Headers            []string // "Name: value"

	LabelFilter string
	Focus       []string
	Skip        []string // no flag: Ginkgo's --skip, when the suites run the Ginkgo way
	Strict      bool
	ReportDir   string
	List        bool
	Verbose     bool     // every failed check in full, and Ginkgo's own output for each failed spec
	SummaryMD   string   // a Markdown summary written here too (GITHUB_STEP_SUMMARY gets it regardless)
	FixtureDirs []string // users' own recordings, replayed with the embedded corpus

	// Lifecycle polling; zero takes the defaults for the target: DefaultPollInterval and
	// DefaultPollLimit for a real server, faster ones for the embedded reference server.
	PollInterval time.Duration
	PollLimit    int
	// CanaryAddr is X1's canary listener, HOST:PORT: see suites.Config.CanaryAddr.
	CanaryAddr string
	// LifecycleDialStrings are the numbers the lifecycle suite calls; empty means
	// DialString, or every self-ending scenario and the answered one of the embedded server.
	LifecycleDialStrings []string

	// MaxCalls is the most PlayOnPhone requests the run may send to each target; 0 is no
	// budget. Against Exchange each one rings a phone.
	MaxCalls int
	// Seed varies the values of the requests generated from the schemas (package
	// generate); the default, generate.DefaultSeed, makes every run send the same ones.
	Seed int
	// Expectations is a YAML file of known, accepted deviations (package expect): a check
	// that fails as an entry expects does not fail the run until the entry expires.
	Expectations string
	// Shard is "K/N": the run makes share K of N of the fixtures and scenarios.
	Shard string
	// RerunFailed is a report.json (or report folder) whose failed and errored checks the
	// run makes again, and no others.
	RerunFailed string

	HarnessVersion string
	// Program is the binary as the user invoked it (bin/umconform), as the commands the run
	// suggests name it; "" is umconform.
	Program string

	// WrapTransport, when set, wraps the run's HTTP transport above authentication (it sees
	// no credential): --bundle records what the targets say about themselves through it.
	WrapTransport func(http.RoundTripper) http.RoundTripper

	// EWSTargets are EWS endpoints ("URL" or "NAME=URL", …/EWS/Exchange.asmx); one named as
	// a UM target is that target's EWS endpoint (targets.go).
	EWSTargets []string

	// Read by Validate from the settings above.
	expectations *expect.File
	day          string            // the run's day (YYYY-MM-DD), against which entries expire
	progress     *progress.Tracker // the calls the scenarios follow, for the console
	shard        shard
	reruns       map[string]*rerun // by target name
}

// Lifecycle polling defaults. A real call takes seconds to ring and be answered: poll
// every 200ms for up to 30s. The embedded reference server's calls move every
// embeddedStep, so it is polled faster and for less long, which keeps a run fast.
const (
	DefaultPollInterval  = 200 * time.Millisecond
	DefaultPollLimit     = 150
	embeddedStep         = 20 * time.Millisecond
	embeddedPollInterval = 10 * time.Millisecond
	embeddedPollLimit    = 30
)

// Validate reports every problem with the settings at once, each with its fix.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	targets, err := c.targets()
	if err != nil {
		errs = append(errs, err)
	}
	real := false
	for _, t := range targets {
		if t.Embedded() && c.Auth == "ntlm" {
			add("--auth ntlm: the embedded reference server (target %s) takes --auth basic only", t.Name)
		}
		if !t.Embedded() {
			real = true
			for _, u := range []string{t.URL, t.EWSURL} { // an EWS-only target has no UM URL
				if c.Auth == "basic" && strings.HasPrefix(u, "http://") {
					add("--auth basic over %s would send the password in clear text: use an https:// target", u)
				}
			}
		}
	}
	if len(c.Targets)+len(c.EWSTargets)+len(c.TargetsFile) > 0 && c.Profile != "" {
		add("--profile %q: profiles belong to the embedded reference server; name one as a target instead: --target NAME=embedded:%s", c.Profile, c.Profile)
	}
	if real && c.DialString == "" {
		add("no dial string: pass --dial-string or set UMCONFORM_DIAL_STRING (a number the target may call; PlayOnPhone rings it)")
	}
	if real && c.EntryID == "" {
		add("no entry id: pass --entry-id or set UMCONFORM_ENTRY_ID (the id of a voice mail item in the test mailbox)")
	}
	if c.Timeout <= 0 {
		add("--timeout %v: must be positive, such as 10s", c.Timeout)
	}
	switch c.Auth {
	case "none", "":
		if c.Username != "" {
			add("--username given with --auth none: pass --auth basic or --auth ntlm")
		}
	case "basic", "ntlm":
		if c.Username == "" {
			add("--auth %s needs --username (or UMCONFORM_USERNAME)", c.Auth)
		}
		if c.PasswordFile != "" {
			raw, err := os.ReadFile(c.PasswordFile)
			if err != nil {
				add("--password-file: %v", err)
			} else {
				c.Password = strings.TrimRight(string(raw), "\r\n")
			}
		}
		if c.Password == "" {
			add("--auth %s needs a password: set UMCONFORM_PASSWORD or pass --password-file FILE", c.Auth)
		}
	default:
		add("--auth %q: want none, basic or ntlm", c.Auth)
	}
	errs = append(errs, c.validateSecond(targets)...)
	if c.CAFile != "" {
		if _, err := os.Stat(c.CAFile); err != nil {
			add("--ca-file: %v", err)
		}
	}
	if _, err := c.headers(); err != nil {
		errs = append(errs, err)
	}
	if err := checkLabelFilter(c.LabelFilter, c.program()); err != nil {
		errs = append(errs, err)
	}
	if c.ReportDir == "" {
		add("--report-dir is empty: pass a folder such as %s", DefaultReportDir)
	}
	if c.PollInterval < 0 {
		add("--poll-interval %v: must be positive (or 0 for the default)", c.PollInterval)
	}
	if c.MaxCalls < 0 {
		add("--max-calls %d: must be positive (or 0 for no budget)", c.MaxCalls)
	}
	if c.PollLimit < 0 {
		add("--poll-limit %d: must be positive (or 0 for the default)", c.PollLimit)
	}
	if c.CanaryAddr != "" {
		if err := suites.ValidCanaryAddr(c.CanaryAddr); err != nil {
			add("--canary-addr %v", err)
		}
	}
	for _, d := range c.FixtureDirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			add("--fixtures %q: not a readable folder", d)
		} else if !holdsFixture(d) {
			add("--fixtures %q: the folder holds no fixture (ID.json beside ID.request.http); point it at recorded fixtures (%s record writes them)", d, c.program())
		}
	}
	if c.Expectations != "" {
		if c.expectations, err = expect.Load(c.Expectations, catalogue.Default(), c.program()); err != nil {
			errs = append(errs, err)
		}
		c.day = time.Now().Format(expect.DateLayout)
	}
	if c.Shard != "" {
		if c.shard, err = parseShard(c.Shard); err != nil {
			errs = append(errs, err)
		}
	}
	if c.RerunFailed != "" {
		rs, err := readReruns(c.RerunFailed)
		if err == nil && targets != nil {
			c.reruns, err = rerunsByTarget(rs, targets)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// validateSecond checks the second account's settings and reads its password file.
func (c *Config) validateSecond(targets []Target) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.SecondUsername == "" {
		if c.SecondPasswordFile != "" {
			add("--second-password-file given without --second-username: name the second account, or leave both out")
		}
		return errs
	}
	if c.Auth != "basic" && c.Auth != "ntlm" {
		add("--second-username needs --auth basic or --auth ntlm: the second account signs in as the first one does")
	}
	if strings.EqualFold(c.SecondUsername, c.Username) {
		add("--second-username %q is the first account: the ownership checks need another user of the target", c.SecondUsername)
	}
	if c.SecondPasswordFile != "" {
		raw, err := os.ReadFile(c.SecondPasswordFile)
		if err != nil {
			add("--second-password-file: %v", err)
		} else {
			c.SecondPassword = strings.TrimRight(string(raw), "\r\n")
		}
	}
	if c.SecondPassword == "" {
		add("--second-username needs the second account's password: set UMCONFORM_SECOND_PASSWORD or pass --second-password-file FILE")
	}
	return errs
}

// nothingToRerun says, for --rerun-failed, that its reports have no failed or errored
// check: "" when there is something to rerun, or no rerun was asked for.
func (c *Config) nothingToRerun() string {
	if c.RerunFailed == "" {
		return ""
	}
	for _, rr := range c.reruns {
		if len(rr.names) > 0 {
			return ""
		}
	}
	return fmt.Sprintf("nothing to rerun: %s has no failed or errored check", c.RerunFailed)
}

// headers parses the --header values.
func (c *Config) headers() (http.Header, error) {
	h := http.Header{}
	for _, kv := range c.Headers {
		k, v, ok := strings.Cut(kv, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("--header %q: want 'Name: value'", kv)
		}
		h.Add(k, strings.TrimSpace(v))
	}
	return h, nil
}
