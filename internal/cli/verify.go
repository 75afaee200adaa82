package cli

import (
	"context"
	"crypto/ed25519"

	"github.com/umconform/umconform/bundle"
	"github.com/umconform/umconform/catalogue"
)

// verifyCmd is "umconform verify [--key PUB] FILE": a customer's check of a vendor's
// conformance bundle.
var verifyCmd = &command{
	name:     "verify",
	synopsis: "[--key VENDOR.pub] BUNDLE.zip",
	summary:  "check a bundle (run --bundle): intact, complete, passing",
	help: `Checks a conformance bundle written by umconform run --bundle: every file against its
SHA-256 in the manifest, the manifest against the reports, the signature (with --key),
that the run judged every requirement of its catalogue with no filter, shard or
expectations file, and the verdict of each requirement. Exit 0 intact, complete and
passing; 1 intact but incomplete or failing (it says which); 2 unreadable or altered
(it names the file).
`,
	operands: operands{min: 1, max: 1, want: "one bundle file, BUNDLE.zip"},
	setup: func(inv *invocation) body {
		keyFile := inv.fs.String("key", "", "the vendor's ed25519 public key (PEM `file`, as openssl pkey -pubout writes): the bundle must be signed with its private key")
		return func(context.Context) int {
			var key ed25519.PublicKey
			if *keyFile != "" {
				var err error
				if key, err = bundle.ReadPublicKey(*keyFile); err != nil {
					return inv.cannotRun("--key: %v", err)
				}
			}
			return bundle.Verify(bundle.VerifyOptions{
				Archive: inv.args[0], Key: key,
				Catalogue: catalogue.Default(), CatalogueVersion: catalogue.Version, Program: inv.prog,
			}, inv.stdout)
		}
	},
}
