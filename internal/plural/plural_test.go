package plural

import "testing"

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 specs", 1: "1 spec", 2: "2 specs", 21: "21 specs"} {
		if got := Count(n, "spec"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
