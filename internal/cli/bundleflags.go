package cli

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/umconform/umconform/bundle"
	"github.com/umconform/umconform/catalogue"
	buildinfo "github.com/umconform/umconform/internal/version"
	"github.com/umconform/umconform/runner"
)

// bundleFlags are the settings of "umconform run --bundle" (and merge's): the archive, the
// product it describes and the key that signs it. They shape no check, so they are not run
// settings.
type bundleFlags struct {
	inv                        *invocation
	path, productFile, signKey string
	product                    bundle.Product

	key      ed25519.PrivateKey
	observer *bundle.Observer
	opts     bundle.Options
}

func bindBundleFlags(inv *invocation) *bundleFlags {
	b := &bundleFlags{inv: inv}
	ef := inv.envFlags()
	ef.String(&b.path, "bundle", "BUNDLE", "", "after the run, write a conformance bundle to this zip `file`: the reports, a manifest of the run and the product, for a customer to check with umconform verify")
	ef.String(&b.productFile, "product-file", "PRODUCT_FILE", "", "bundle: `file` of flat 'key: value' lines describing the product (product, version, vendor, contact); flags win over it")
	ef.String(&b.product.Product, "product", "PRODUCT", "", "bundle: the product `name` tested")
	ef.String(&b.product.Version, "product-version", "PRODUCT_VERSION", "", "bundle: the product's `version`")
	ef.String(&b.product.Vendor, "vendor", "VENDOR", "", "bundle: the vendor's `name`")
	ef.String(&b.product.Contact, "contact", "CONTACT", "", "bundle: the vendor's `contact` (an address a customer may write to)")
	ef.String(&b.signKey, "sign-key", "SIGN_KEY", "", "bundle: sign the manifest with this ed25519 private key (PEM `file`, as openssl genpkey -algorithm ed25519 writes)")
	return b
}

// prepare checks the bundle settings before the command runs (a run may ring phones: it
// must not be made for a bundle that cannot be written). reportDir is where the command
// writes its reports.
func (b *bundleFlags) prepare(reportDir string) error {
	fs := b.inv.fs
	if b.path == "" {
		// Only flags: a CI job may keep the product in its environment for every run.
		for _, name := range []string{"product-file", "product", "product-version", "vendor", "contact", "sign-key"} {
			if isSet(fs, name) {
				return fmt.Errorf("--%s describes a bundle: pass --bundle FILE too", name)
			}
		}
		return nil
	}
	var errs []error
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
	b.opts = bundle.Options{
		Path: b.path, ReportDir: reportDir, Started: time.Now(),
		Harness: harness(), CatalogueVersion: catalogue.Version,
		Command:     append([]string{b.inv.cmd.name}, bundle.RedactArgs(fs, b.inv.raw)...),
		Environment: bundle.Environment(fs, os.LookupEnv),
		Product:     b.product, SignKey: b.key,
	}
	return nil
}

// prepareRun is prepare for "umconform run", which also records, through the run's
// transport, what the targets say about themselves.
func (b *bundleFlags) prepareRun(cfg *runner.Config) error {
	if b.path != "" && cfg.List {
		return errors.New("--bundle with --list: a listing runs no check, so there is nothing to bundle")
	}
	if err := b.prepare(cfg.ReportDir); err != nil || b.path == "" {
		return err
	}
	b.observer = bundle.NewObserver()
	cfg.WrapTransport = b.observer.Wrap
	return nil
}

// finish writes the bundle once the run has ended with code; a bundle asked for and not
// written makes a passing run exit 2.
func (b *bundleFlags) finish(code int) int {
	if b.opts.Path == "" {
		return code
	}
	b.opts.Ended = time.Now()
	if b.observer != nil {
		b.opts.Endpoints = b.observer.Endpoints()
	}
	if err := bundle.Write(b.opts); err != nil {
		b.inv.cannotRun("%v", err)
		if code == exitFailed {
			return code
		}
		return exitCannotRun
	}
	fmt.Fprintf(b.inv.stdout, "Bundle: %s (check it with: %s)\n", b.path, b.inv.hint("verify "+b.path))
	return code
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// harness says which harness this is, for a bundle's manifest: what `umconform version`
// prints.
func harness() bundle.Harness {
	v := buildinfo.Get()
	return bundle.Harness{Version: v.Version, Commit: v.Commit, Go: v.Go}
}
