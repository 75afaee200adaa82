package runner

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/umconform/umconform/api"
	"github.com/umconform/umconform/suites"
)

// preflightSettings tries the run's settings (entry id, dial string, credentials, URLs) on
// every real target before any check, and says whether the run may go on. A target that
// refuses one stops the run with exit 2 and one line naming the setting: with it, every
// check would blame the target for the user's mistake, each placing a call. planned are
// the checks the filters select: a PlayOnPhone is tried only on an API whose selected
// checks place calls. The embedded reference server needs no pre-flight: the run gives it
// the values it accepts.
func preflightSettings(ctx context.Context, cfg *Config, envs []*suites.Env, planned []suites.PlannedCheck, stderr io.Writer) bool {
	embedded := map[string]bool{}
	targets, _ := cfg.targets() // checked by Validate
	for _, t := range targets {
		embedded[t.Name] = t.Embedded()
	}
	ok := true
	for _, env := range envs {
		name := env.Config().Name
		if embedded[name] {
			continue
		}
		label := "target-" + name
		var um, ews bool
		for _, p := range planned {
			if !slices.Contains(p.Labels, label) || !slices.Contains(p.Labels, suites.PlacesCallLabel) {
				continue
			}
			if slices.Contains(p.Labels, api.EWS.Label()) {
				ews = true
			} else {
				um = true
			}
		}
		if err := env.Preflight(ctx, um, ews); err != nil {
			fmt.Fprintf(stderr, "umconform run: target %s: %v\n  nothing was checked, no report written\n", name, indent(err))
			ok = false
		}
	}
	return ok
}

// needsPreflight says whether any target of the run is a real server.
func needsPreflight(cfg *Config) bool {
	targets, _ := cfg.targets()
	return slices.ContainsFunc(targets, func(t Target) bool { return !t.Embedded() })
}
