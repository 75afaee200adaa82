package runner

import (
	"bytes"
	"testing"
)

// TestWithoutSourceLocations: what Ginkgo prints of a failed spec keeps its words and
// loses the harness's source locations, whole lines of them and those within a line.
func TestWithoutSourceLocations(t *testing.T) {
	var b bytes.Buffer
	f := withoutSourceLocations{&b}
	for _, chunk := range []string{
		"• [FAILED] [0.041 seconds]\ntarget reference replay [It] gci-x (title) [S2, MUST]\n",
		"/build/suites/replay.go:153\n",
		"\n  [FAILED] S2 (MUST) broken: x\n    expected: CallState one of the 8 values\n",
		"  In [It] at: /build/suites/spec.go:263 @ 11/27/26 11:35:01.501\n",
		"  github.com/umconform/umconform/suites.(*Env).judge(...)\n  \t/root/go/pkg/mod/x/y.go:12 +0x1f\n",
		"  /build/suites/spec.go:263",
	} {
		if n, err := f.Write([]byte(chunk)); err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	want := "• [FAILED] [0.041 seconds]\ntarget reference replay [It] gci-x (title) [S2, MUST]\n" +
		"\n  [FAILED] S2 (MUST) broken: x\n    expected: CallState one of the 8 values\n" +
		"  In [It] @ 11/27/26 11:35:01.501\n" +
		"  github.com/umconform/umconform/suites.(*Env).judge(...)\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
