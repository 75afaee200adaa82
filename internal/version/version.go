// Package version says which umconform this is: the harness version and commit stamped in
// at build time, the Go toolchain, the libxml2 that validates, and the requirement
// catalogue. The version command prints it and reports carry it, so a report can be tied
// to the binary that wrote it.
package version

/*
#cgo pkg-config: libxml-2.0
#include <libxml/xmlversion.h>
#include <libxml/parser.h>

// The version of the libxml2 actually linked (a static binary carries its own), not the
// headers it was compiled against: xmlParserVersion is "20914" for 2.9.14.
static const char *umc_libxml2_version(void) { return xmlParserVersion; }
static const char *umc_header_version(void) { return LIBXML_DOTTED_VERSION; }
*/
import "C"

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"

	"github.com/umconform/umconform/catalogue"
)

// Stamped by the build (-ldflags -X): builds with -buildvcs=false, as GOFLAGS sets on
// some machines, carry no VCS revision, and a binary built from a source archive has none.
//
//	-X github.com/umconform/umconform/internal/version.version=$(git describe --always --dirty)
//	-X github.com/umconform/umconform/internal/version.commit=$(git rev-parse HEAD)
var version, commit string

// Info is one binary's identity.
type Info struct {
	Version   string `json:"version"`   // git describe of the build, or the module version
	Commit    string `json:"commit"`    // full commit hash, "unknown" when the build had none
	Go        string `json:"go"`        // the Go toolchain that built it, such as go1.26.8
	Libxml2   string `json:"libxml2"`   // the libxml2 linked in, such as 2.9.14
	Catalogue string `json:"catalogue"` // the requirement catalogue's version
	Platform  string `json:"platform"`  // GOOS/GOARCH
}

// Get returns this binary's Info. Version is what reports carry as harness_version, and
// Catalogue what they carry as catalogue_version.
func Get() Info {
	info := Info{Version: version, Commit: commit, Go: runtime.Version(), Libxml2: Libxml2(),
		Catalogue: catalogue.Version, Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if info.Commit == "" {
			info.Commit = rev
		}
		if info.Version == "" {
			info.Version = bi.Main.Version
			if (info.Version == "" || info.Version == "(devel)") && rev != "" {
				info.Version = "git-" + rev[:min(12, len(rev))]
				if modified == "true" {
					info.Version += "-dirty"
				}
			}
		}
	}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}

// String is the version command's output: one "name: value" line each.
func (i Info) String() string {
	return fmt.Sprintf("umconform %s\ncommit: %s\ngo: %s\nlibxml2: %s\ncatalogue: %s\nplatform: %s\n",
		i.Version, i.Commit, i.Go, i.Libxml2, i.Catalogue, i.Platform)
}

// Libxml2 is the version of the linked libxml2, dotted ("2.9.14").
func Libxml2() string {
	return dotted(C.GoString(C.umc_libxml2_version()))
}

// dotted turns libxml2's numeric version (major*10000 + minor*100 + patch, such as
// "20914") into "2.9.14"; anything else is returned as it is.
func dotted(v string) string {
	n, err := strconv.Atoi(v)
	if err != nil || n < 10000 {
		return v
	}
	return fmt.Sprintf("%d.%d.%d", n/10000, n/100%100, n%100)
}

// headerVersion is the version of the libxml2 headers this package was compiled with.
func headerVersion() string { return C.GoString(C.umc_header_version()) }
