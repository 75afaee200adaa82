package cli

import (
	"context"
	"encoding/json"
	"fmt"

	buildinfo "github.com/umconform/umconform/internal/version"
)

// versionCmd is "umconform version" (and "umconform --version"): the harness version and
// commit, the Go toolchain, libxml2 and the catalogue, as reports carry them.
var versionCmd = &command{
	name:     "version",
	synopsis: "[--json]",
	summary:  "the harness, commit, Go, libxml2, catalogue versions",
	help: `Prints the harness version and commit, the Go version, the libxml2 version and the
requirement catalogue version. Reports carry the same harness and catalogue versions.
`,
	operands: noOperands,
	setup: func(inv *invocation) body {
		asJSON := inv.fs.Bool("json", false, "print the versions as one JSON object")
		return func(context.Context) int {
			info := buildinfo.Get()
			if !*asJSON {
				fmt.Fprint(inv.stdout, info.String())
				return exitOK
			}
			b, err := json.MarshalIndent(info, "", "  ")
			if err != nil {
				return inv.cannotRun("%v", err)
			}
			fmt.Fprintf(inv.stdout, "%s\n", b)
			return exitOK
		}
	},
}
