package plural

import "testing"

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 specs", 1: "1 spec", 2: "2 specs", 21: "21 specs"} {
		if got := Count(n, "spec"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestIrregular(t *testing.T) {
	for n, want := range map[int]string{0: "0 entries", 1: "1 entry", 3: "3 entries"} {
		if got := Irregular(n, "entry", "entries"); got != want {
			t.Errorf("Irregular(%d) = %q, want %q", n, got, want)
		}
	}
}
