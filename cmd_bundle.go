package main

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/umconform/umconform/bundle"
	"github.com/umconform/umconform/catalogue"
	"github.com/umconform/umconform/runner"
)

// bundleFlags are the settings of "umconform run --bundle": the archive, the product it
// describes and the key that signs it. They shape no check, so they are not run settings.
type bundleFlags struct {
	path, productFile, signKey string
	product                    bundle.Product

	key      ed25519.PrivateKey
	observer *bundle.Observer
	opts     bundle.Options
}

func bindBundleFlags(fs *flag.FlagSet) *bundleFlags {
	b := &bundleFlags{}
	fs.StringVar(&b.path, "bundle", "", "after the run, write a conformance bundle to this zip `file`: the reports, a manifest of the run and the product, for a customer to check with umconform verify")
	fs.StringVar(&b.productFile, "product-file", "", "bundle: `file` of flat 'key: value' lines describing the product (product, version, vendor, contact); flags win over it")
	fs.StringVar(&b.product.Product, "product", "", "bundle: the product `name` tested")
	fs.StringVar(&b.product.Version, "product-version", "", "bundle: the product's `version`")
	fs.StringVar(&b.product.Vendor, "vendor", "", "bundle: the vendor's `name`")
	fs.StringVar(&b.product.Contact, "contact", "", "bundle: the vendor's `contact` (an address a customer may write to)")
	fs.StringVar(&b.signKey, "sign-key", "", "bundle: sign the manifest with this ed25519 private key (PEM `file`, as openssl genpkey -algorithm ed25519 writes)")
	return b
}

// prepare checks the bundle settings before the run (a run may ring phones: it must not be
// made for a bundle that cannot be written), and sets the run up to record what the targets
// say about themselves.
func (b *bundleFlags) prepare(cfg *runner.Config, fs *flag.FlagSet, args []string) error {
	if b.path == "" {
		for _, name := range []string{"product-file", "product", "product-version", "vendor", "contact", "sign-key"} {
			if isSet(fs, name) {
				return fmt.Errorf("--%s describes a bundle: pass --bundle FILE too", name)
			}
		}
		return nil
	}
	var errs []error
	if cfg.List {
		errs = append(errs, errors.New("--bundle with --list: a listing runs no check, so there is nothing to bundle"))
	}
	if b.productFile != "" {
		p, err := bundle.ReadProductFile(b.productFile)
		if err != nil {
			errs = append(errs, err)
		}
		b.product = b.product.Merge(p)
	}
	if missing := b.product.Missing(); len(missing) > 0 {
		errs = append(errs, fmt.Errorf("--bundle needs the product it describes: pass %s", strings.Join(missing, ", ")))
	}
	if b.signKey != "" {
		key, err := bundle.ReadPrivateKey(b.signKey)
		if err != nil {
			errs = append(errs, fmt.Errorf("--sign-key: %w", err))
		}
		b.key = key
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	b.observer = bundle.NewObserver()
	cfg.WrapTransport = b.observer.Wrap
	b.opts = bundle.Options{
		Path: b.path, ReportDir: cfg.ReportDir, Started: time.Now(),
		Harness: harness(), CatalogueVersion: catalogue.Version,
		Command:     append([]string{"run"}, bundle.RedactArgs(fs, args)...),
		Environment: bundle.Environment(fs, os.LookupEnv),
		Product:     b.product, SignKey: b.key,
	}
	return nil
}

// finish writes the bundle once the run has ended with code; a bundle asked for and not
// written makes a passing run exit 2.
func (b *bundleFlags) finish(code int, stdout, stderr io.Writer) int {
	if b.observer == nil {
		return code
	}
	b.opts.Ended = time.Now()
	b.opts.Endpoints = b.observer.Endpoints()
	if err := bundle.Write(b.opts); err != nil {
		fmt.Fprintf(stderr, "umconform run: %v\n", err)
		if code == runner.ExitFailed {
			return code
		}
		return runner.ExitCannotRun
	}
	fmt.Fprintf(stdout, "Bundle: %s (check it with: umconform verify %s)\n", b.path, b.path)
	return code
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// harness says which harness this is, for a bundle's manifest. The one place to switch when
// the build's versions get a package of their own.
func harness() bundle.Harness {
	return bundle.Harness{Version: version(), Commit: commit(), Go: runtime.Version()}
}

var describedCommit = regexp.MustCompile(`(?:^|-g)([0-9a-f]{7,40})(?:-dirty)?$`)

// commit is the VCS revision the binary was built from: the build's own record, or the
// hash in the git describe output the Makefile stamps, or "unknown".
func commit() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	if m := describedCommit.FindStringSubmatch(buildVersion); m != nil {
		return m[1]
	}
	return "unknown"
}
