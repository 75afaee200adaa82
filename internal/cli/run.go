package cli

import (
	"context"

	buildinfo "github.com/umconform/umconform/internal/version"
	"github.com/umconform/umconform/runner"
)

var runCmd = &command{
	name:     "run",
	synopsis: "[flags]",
	summary:  "check a target against the protocol; write the reports",
	help: `Replays the recorded fixtures against the target, validates every response against the
XSD, checks the protocol rules and writes REPORT-DIR/junit.xml, report.json and report.html.
Without --target it starts the embedded reference server. Both APIs: the UM web service and
EWS's phone-call operations; --target https://HOST checks both endpoints of an Exchange
2010+ host, and --fixtures DIR replays each recording against its own API's endpoint.
Exit 0 every selected MUST check passed (SHOULD too with --strict), 1 a check failed, 2 the
run could not be made or a check could not be judged.
`,
	operands: noOperands,
	setup: func(inv *invocation) body {
		var cfg runner.Config
		inv.watch(cfg.BindFlags(inv.fs))
		bf := bindBundleFlags(inv)
		return func(ctx context.Context) int {
			if err := bf.prepareRun(&cfg); err != nil {
				return inv.cannotRun("%v", err)
			}
			cfg.HarnessVersion = version()
			cfg.Program = inv.prog
			ctx, stop := interruptible(ctx)
			defer stop()
			return bf.finish(runner.Run(ctx, cfg, inv.stdout, inv.stderr))
		}
	},
}

// version is the harness version that reports carry (internal/version stamps it).
func version() string { return buildinfo.Get().Version }
