package version

import (
	"runtime"
	"strings"
	"testing"

	"github.com/umconform/umconform/catalogue"
)

func TestDotted(t *testing.T) {
	for in, want := range map[string]string{"20914": "2.9.14", "21304": "2.13.4", "21000": "2.10.0", "garbage": "garbage", "": ""} {
		if got := dotted(in); got != want {
			t.Errorf("dotted(%q) = %q, want %q", in, got, want)
		}
	}
}

// The linked library is the one whose headers cgo compiled against (one libxml2 here).
func TestLibxml2IsTheLinkedLibrary(t *testing.T) {
	if got, want := Libxml2(), headerVersion(); got != want {
		t.Errorf("Libxml2() = %q, headers say %q", got, want)
	}
}

func TestGet(t *testing.T) {
	i := Get()
	if i.Catalogue != catalogue.Version || i.Go != runtime.Version() || i.Version == "" || i.Commit == "" {
		t.Errorf("Get() = %+v", i)
	}
	s := i.String()
	for _, want := range []string{"umconform " + i.Version + "\n", "commit: " + i.Commit + "\n", "go: " + runtime.Version() + "\n",
		"libxml2: " + i.Libxml2 + "\n", "catalogue: " + catalogue.Version + "\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
}

func TestGetStamped(t *testing.T) {
	defer func(v, c string) { version, commit = v, c }(version, commit)
	version, commit = "v1.2.3-4-gabc", "abc123"
	if i := Get(); i.Version != "v1.2.3-4-gabc" || i.Commit != "abc123" {
		t.Errorf("stamped Get() = %+v", i)
	}
}
