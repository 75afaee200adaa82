package suites_test

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/umconform/umconform/results"
	"github.com/umconform/umconform/runner"
)

// TestConformance runs the conformance suites the Ginkgo way, configured by the same
// UMCONFORM_* variables as "umconform run":
//
//	UMCONFORM_TARGET=https://HOST/EWS/UM2007Legacy.asmx ... go tool ginkgo -p ./suites/...
//
// Without UMCONFORM_TARGET each Ginkgo process starts its own embedded reference server,
// so "go test ./suites/" also proves the suites against the correct server.
func TestConformance(t *testing.T) {
	var cfg runner.Config
	fs := flag.NewFlagSet("umconform", flag.ContinueOnError)
	ef := cfg.BindFlags(fs)
	if err := fs.Parse(nil); err != nil || len(ef.Errs()) > 0 {
		t.Fatalf("UMCONFORM_* settings: %v %s", err, strings.Join(ef.Errs(), "; "))
	}
	// Ginkgo's own filters select checks here, like umconform run's: a replayed fixture is
	// one spec holding several checks, so they cannot be left to Ginkgo.
	suiteCfg, reporterCfg := GinkgoConfiguration()
	if suiteCfg.LabelFilter != "" && cfg.LabelFilter != "" {
		cfg.LabelFilter = "(" + suiteCfg.LabelFilter + ") && (" + cfg.LabelFilter + ")"
	} else if suiteCfg.LabelFilter != "" {
		cfg.LabelFilter = suiteCfg.LabelFilter
	}
	cfg.Focus = append(suiteCfg.FocusStrings, cfg.Focus...)
	cfg.Skip = suiteCfg.SkipStrings
	suiteCfg.LabelFilter, suiteCfg.FocusStrings, suiteCfg.SkipStrings = "", nil, nil
	if os.Getenv("UMCONFORM_REPORT_DIR") == "" {
		cfg.ReportDir = t.TempDir() // not the package folder
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("UMCONFORM_* settings: %v", err)
	}
	envs, cleanup, err := runner.Prepare(context.Background(), &cfg, os.Stdout, os.Stderr)
	defer cleanup()
	if err != nil {
		t.Fatal(err)
	}
	results.Declare(cfg.ReportDir, nil, envs...)
	gomega.RegisterFailHandler(Fail)
	RunSpecs(t, "umconform GetCallInfo conformance", suiteCfg, reporterCfg)
}
