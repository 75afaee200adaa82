package runner

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/umconform/umconform/generate"
	"github.com/umconform/umconform/runner/envflag"
	"github.com/umconform/umconform/suites"
)

// DefaultReportDir is where run and merge write their reports unless told otherwise: a
// folder of its own, never one of the source tree's packages (.gitignore lists it).
const DefaultReportDir = "umconform-reports"

// BindFlags registers every setting of a run on fs, each with its UMCONFORM_* variable as
// default, so "umconform run" and "go tool ginkgo ./suites" read the same settings. The
// password is read from UMCONFORM_PASSWORD (or --password-file), never from a flag; the
// second account's from UMCONFORM_SECOND_PASSWORD (or --second-password-file).
func (c *Config) BindFlags(fs *flag.FlagSet) *envflag.Set {
	ef := envflag.New(fs)
	ef.List(&c.Targets, "target", "TARGET", ",", "endpoint `URL`: https://HOST for both APIs of an Exchange 2010+ host (/EWS/UM2007Legacy.asmx and /EWS/Exchange.asmx), or one endpoint such as https://HOST/EWS/UM2007Legacy.asmx, https://HOST/EWS/Exchange.asmx or Exchange 2007's https://HOST/UnifiedMessaging/Service.asmx; NAME=URL for several targets (NAME=embedded[:PROFILE] names the reference server); none starts the embedded reference server")
	ef.List(&c.EWSTargets, "ews-target", "EWS_TARGET", ",", "EWS endpoint `URL`, such as https://HOST/EWS/Exchange.asmx, or NAME=URL: the same NAME as a --target pairs the two endpoints of one server (and adds the cross-API checks); none with --target checks the UM web service alone")
	ef.String(&c.TargetsFile, "targets-file", "TARGETS_FILE", "", "`file` of targets, one NAME=URL a line")
	// A target set but empty is an error, never the embedded server: a CI job whose target
	// variable is not defined would otherwise go green having tested nothing.
	ef.NotEmpty("target", "TARGET", "give the endpoint URL (https://HOST/EWS/UM2007Legacy.asmx), or leave the setting out altogether to check the embedded reference server")
	ef.NotEmpty("ews-target", "EWS_TARGET", "give the EWS endpoint URL (https://HOST/EWS/Exchange.asmx), or leave the setting out altogether")
	ef.NotEmpty("targets-file", "TARGETS_FILE", "give a file of NAME=URL lines, or leave the setting out altogether")
	ef.String(&c.Profile, "profile", "PROFILE", "", "reference server `profile` to run against when there is no --target (see umconform serve --list-profiles)")
	ef.String(&c.DialString, "dial-string", "DIAL_STRING", "", "`number` PlayOnPhone calls to create live calls (required with --target)")
	ef.String(&c.EntryID, "entry-id", "ENTRY_ID", "", "`id` of the voice mail item PlayOnPhone plays (required with --target)")
	ef.Duration(&c.Timeout, "timeout", "TIMEOUT", 10*time.Second, "`timeout` of each exchange, whole: connecting, the headers and the entire body")
	ef.String(&c.Auth, "auth", "AUTH", "none", "authentication: none, basic or ntlm")
	ef.String(&c.Username, "username", "USERNAME", "", "`user` for --auth basic or ntlm (DOMAIN\\user for NTLM)")
	ef.String(&c.PasswordFile, "password-file", "PASSWORD_FILE", "", "`file` holding the password; or set UMCONFORM_PASSWORD (a password is never a flag value)")
	ef.String(&c.SecondUsername, "second-username", "SECOND_USERNAME", "", "`user` of a second account of the target, for the ownership checks (A4, A5): it must not see or end the first account's calls")
	ef.String(&c.SecondPasswordFile, "second-password-file", "SECOND_PASSWORD_FILE", "", "`file` holding the second account's password; or set UMCONFORM_SECOND_PASSWORD")
	ef.String(&c.CAFile, "ca-file", "CA_FILE", "", "PEM `file` of CA certificates to trust for an https target")
	ef.Bool(&c.Insecure, "insecure-skip-verify", "INSECURE_SKIP_VERIFY", "do not verify the target's TLS certificate")
	ef.List(&c.Headers, "header", "HEADERS", "\n", "extra request header 'Name: value' (values are redacted in reports)")
	ef.String(&c.LabelFilter, "label-filter", "LABEL_FILTER", "", "Ginkgo label `filter`, such as 'MUST && !robustness' or 'C1 || C2'")
	ef.List(&c.Focus, "focus", "FOCUS", "\n", "run only checks whose name matches this `regexp`")
	ef.Bool(&c.Strict, "strict", "STRICT", "treat broken SHOULD requirements as failures")
	ef.String(&c.ReportDir, "report-dir", "REPORT_DIR", DefaultReportDir, "`folder` for junit.xml, report.json and report.html")
	ef.Bool(&c.List, "list", "LIST", "print the selected checks without contacting the target")
	ef.Bool(&c.Verbose, "verbose", "VERBOSE", "print every failed check in full, and Ginkgo's output for each failed spec, instead of one sample per group of identical violations")
	fs.BoolVar(&c.Verbose, "v", c.Verbose, "short for --verbose")
	ef.String(&c.SummaryMD, "summary-md", "SUMMARY_MD", "", "also write the requirement table and the grouped failures as Markdown to `file` (a GitHub job summary gets them when GITHUB_STEP_SUMMARY is set)")
	ef.List(&c.FixtureDirs, "fixtures", "FIXTURES", ",", "`folder` of your own recorded fixtures, replayed with the embedded corpus")
	ef.Duration(&c.PollInterval, "poll-interval", "POLL_INTERVAL", 0, fmt.Sprintf("lifecycle: `time` between GetCallInfo polls; 0 is %v (faster against the embedded server)", DefaultPollInterval))
	ef.Int(&c.PollLimit, "poll-limit", "POLL_LIMIT", 0, fmt.Sprintf("lifecycle: polls per call at most; 0 is %d (fewer against the embedded server)", DefaultPollLimit))
	ef.List(&c.LifecycleDialStrings, "lifecycle-dial-string", "LIFECYCLE_DIAL_STRINGS", ",", "lifecycle: `number` to call and follow to its end (default --dial-string; against the embedded server its answered scenario and those that end by themselves)")
	ef.String(&c.CanaryAddr, "canary-addr", "CANARY_ADDR", "", fmt.Sprintf("X1: `HOST:PORT` of the run's canary listener, the URL an external entity names: a target that expands it fetches it, which proves the expansion whatever it answers. The default, %s, is reached only by a target on this machine (the embedded server); a remote target needs an address of this machine that it can reach (the run listens on every interface, on PORT, when HOST is not a loopback address)", suites.DefaultCanaryAddr))
	ef.Int(&c.MaxCalls, "max-calls", "MAX_CALLS", 0, "at most this many PlayOnPhone requests (each may ring a real phone) per target and run; checks past it are skipped. 0 is no budget")
	ef.Int(&c.Seed, "seed", "SEED", generate.DefaultSeed, "`seed` of the requests generated from the schemas (label generated): the same seed sends the same requests, another varies their values; reports name it")
	ef.String(&c.Expectations, "expectations", "EXPECTATIONS", "", "YAML `file` of known, accepted deviations, each with a requirement, optionally a fixture or scenario, a reason and an expires date: a check that fails as expected does not fail the run until then (umconform expectations REPORT.json writes one)")
	ef.String(&c.Shard, "shard", "SHARD", "", "run only share `K/N` of the fixtures and scenarios, split by a stable hash of their IDs; umconform merge joins the shards' reports")
	ef.String(&c.RerunFailed, "rerun-failed", "RERUN_FAILED", "", "run only the checks that failed or errored in this `report.json` (or report folder), with the other flags as they were")
	c.Password = os.Getenv("UMCONFORM_PASSWORD")
	c.SecondPassword = os.Getenv("UMCONFORM_SECOND_PASSWORD")
	return ef
}
