package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/umconform/umconform/internal/readfile"
	"github.com/umconform/umconform/internal/termsafe"
	"github.com/umconform/umconform/schema"
)

// validateCmd is "umconform validate": exit 0 when every file is valid, 1 when any is
// invalid, 2 when a file cannot be read or the flags are wrong.
var validateCmd = &command{
	name:     "validate",
	synopsis: "[flags] FILE...",
	summary:  "validate SOAP messages of either API against the schema",
	help: `Validates SOAP 1.1 messages of both APIs against the embedded XSD: the UM web service
(GetCallInfo, PlayOnPhone, Disconnect at /EWS/UM2007Legacy.asmx) and EWS (PlayOnPhone,
GetPhoneCallInformation, DisconnectPhoneCall at /EWS/Exchange.asmx), their responses and
faults. Each message is judged against its own API's schema, told from its element and
SOAP headers (--api forces one). FILE - reads standard input.
Prints FILE:LINE: NODE-PATH: message for each violation. Exit 0 all valid, 1 any invalid,
2 a file could not be read or the flags are wrong.
`,
	operands: operands{min: 1, max: -1, want: "one or more FILEs, or - for standard input"},
	setup: func(inv *invocation) body {
		kindFlag := inv.fs.String("kind", "auto", "expected message `kind`: auto, request or response")
		maxSize := inv.fs.Int64("max-size", schema.DefaultMaxSize, "largest document to parse, in `bytes`")
		apiFlag := inv.fs.String("api", "auto", "schema to judge against: auto (from each message), um or ews")
		var (
			kind schema.Kind
			api  schema.API
		)
		inv.check(func() (problems []string) {
			var err error
			if kind, err = schema.ParseKind(*kindFlag); err != nil {
				problems = append(problems, err.Error())
			}
			if api, err = parseAPI(*apiFlag); err != nil {
				problems = append(problems, err.Error())
			}
			return problems
		})
		return func(context.Context) int { return validate(inv, kind, api, *maxSize) }
	},
}

func validate(inv *invocation, kind schema.Kind, api schema.API, maxSize int64) int {
	// A message quotes the document's values (libxml2's "The value '…' is not …") and a
	// file's name: their control characters are escaped (package termsafe).
	stdout, stderr := termsafe.NewWriter(inv.stdout), termsafe.NewWriter(inv.stderr)
	v, err := schema.Load(schema.WithMaxSize(maxSize), schema.For(api))
	if err != nil {
		return inv.cannotRun("%v", err)
	}
	// Files are validated on every core (one compiled schema serves concurrent callers);
	// the output keeps the order of the arguments.
	names := inv.args
	var stdinDoc []byte
	var stdinErr error
	if slices.Contains(names, "-") { // read once, before the workers share it
		stdinDoc, stdinErr = readInput("-", inv.stdin, maxSize)
	}
	results := make([]fileResult, len(names))
	// Each worker takes every n-th file: no channel hand-off (and its wake-ups) per file.
	workers := min(runtime.GOMAXPROCS(0), len(names))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(names); i += workers {
				if names[i] == "-" {
					results[i] = fileResult{err: stdinErr}
					if stdinErr == nil {
						results[i].Result = v.ValidateAs(stdinDoc, kind)
					}
					continue
				}
				results[i] = validateFile(v, names[i], maxSize, kind)
			}
		})
	}
	wg.Wait()
	// One write per violation line was a system call each; the lines go out together.
	out := bufio.NewWriter(stdout)
	code, invalid, unreadable := 0, 0, 0
	for i, name := range names {
		r := results[i]
		if r.err != nil {
			fmt.Fprintf(stderr, "umconform validate: %v\n", r.err)
			unreadable++
			code = 2
			continue
		}
		for _, viol := range r.Violations {
			fmt.Fprintf(out, "%s:%s\n", name, viol)
		}
		for _, f := range r.Findings {
			fmt.Fprintf(out, "%s:%d: %s: warning (%s, SHOULD): %s\n", name, f.Line, f.Path, f.Requirement, f.Message)
		}
		if !r.Valid() {
			invalid++
			if code == 0 {
				code = 1
			}
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "umconform validate: writing the results: %v\n", err)
		code = 2
	}
	n := len(names)
	fmt.Fprintf(stderr, "%d file(s): %d valid, %d invalid, %d unreadable\n", n, n-invalid-unreadable, invalid, unreadable)
	return code
}

type fileResult struct {
	schema.Result
	err error
}

func validateFile(v *schema.Validator, name string, maxSize int64, kind schema.Kind) fileResult {
	doc, err := readInput(name, nil, maxSize)
	if err != nil {
		return fileResult{err: err}
	}
	return fileResult{Result: v.ValidateAs(doc, kind)}
}

// readInput reads a named file, or standard input for "-", refusing more than limit bytes
// so a huge file is reported, not loaded.
func readInput(name string, stdin io.Reader, limit int64) ([]byte, error) {
	if name == "-" {
		return readfile.ReadAll(name, stdin, limit)
	}
	return readfile.Read(name, limit)
}

// parseAPI turns the --api flag into the schema to judge against.
func parseAPI(s string) (schema.API, error) {
	switch s {
	case "auto":
		return schema.Auto, nil
	case "um":
		return schema.UM, nil
	case "ews":
		return schema.EWS, nil
	}
	return "", fmt.Errorf("api %q: want auto (from each message), um or ews", s)
}
