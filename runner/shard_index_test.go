package runner

import "testing"

// A Kubernetes Indexed Job's pod passes --shard=$(JOB_COMPLETION_INDEX)+1/N, which
// Kubernetes expands to "0+1/8" … "7+1/8": the image has no shell to do the sum.
func TestParseShardFromAJobIndex(t *testing.T) {
	for in, want := range map[string]shard{"0+1/8": {1, 8}, "7+1/8": {8, 8}, "3+1/4": {4, 4}} {
		if got, err := parseShard(in); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"8+1/8", "-1+1/8", "+1/8", "1+2/8", "$(JOB_COMPLETION_INDEX)+1/8"} {
		if _, err := parseShard(in); err == nil {
			t.Errorf("%q: accepted, want a usage error", in)
		}
	}
}
