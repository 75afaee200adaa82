package main

import (
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"

	"github.com/umconform/umconform/bundle"
	"github.com/umconform/umconform/catalogue"
)

// verifyCommand implements "umconform verify [--key PUB] FILE": a customer's check of a
// vendor's conformance bundle.
func verifyCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "the vendor's ed25519 public key (PEM `file`, as openssl pkey -pubout writes): the bundle must be signed with its private key")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: umconform verify [--key VENDOR.pub] BUNDLE.zip\n\n"+
			"Checks a conformance bundle written by umconform run --bundle: every file against its\n"+
			"SHA-256 in the manifest, the manifest against the reports, the signature (with --key),\n"+
			"that the run judged every requirement of its catalogue with no filter, shard or\n"+
			"expectations file, and the verdict of each requirement. Exit 0 intact, complete and\n"+
			"passing; 1 intact but incomplete or failing (it says which); 2 unreadable or altered\n"+
			"(it names the file).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "umconform verify: want one bundle file: umconform verify [--key VENDOR.pub] BUNDLE.zip")
		return 2
	}
	var key ed25519.PublicKey
	if *keyFile != "" {
		var err error
		if key, err = bundle.ReadPublicKey(*keyFile); err != nil {
			fmt.Fprintf(stderr, "umconform verify: --key: %v\n", err)
			return 2
		}
	}
	return bundle.Verify(bundle.VerifyOptions{
		Archive: fs.Arg(0), Key: key,
		Catalogue: catalogue.Default(), CatalogueVersion: catalogue.Version,
	}, stdout)
}
