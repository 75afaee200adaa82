package runner

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	for in, want := range map[string]shard{"1/1": {1, 1}, "2/4": {2, 4}, " 4/4 ": {4, 4}} {
		if got, err := parseShard(in); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0/4", "5/4", "4", "a/b", "1/0", "-1/2", "2/4/8"} {
		if _, err := parseShard(in); err == nil || !strings.Contains(err.Error(), "want K/N with 1 ≤ K ≤ N") {
			t.Errorf("%q: %v, want a usage error", in, err)
		}
	}
}

// Every unit falls in exactly one shard; the shards are of similar size; and a unit's
// shard depends on its ID alone, so adding fixtures moves none of the others.
func TestShardSplit(t *testing.T) {
	const n, units = 4, 10_000
	owner := map[string]int{}
	size := make([]int, n+1)
	for i := range units {
		id := fmt.Sprintf("fixture-%05d", i)
		for k := 1; k <= n; k++ {
			if (shard{k, n}).keeps(id) {
				if prev, ok := owner[id]; ok {
					t.Fatalf("%s is in shards %d and %d", id, prev, k)
				}
				owner[id] = k
				size[k]++
			}
		}
		if _, ok := owner[id]; !ok {
			t.Fatalf("%s is in no shard", id)
		}
	}
	for k := 1; k <= n; k++ {
		if size[k] < units/n*9/10 || size[k] > units/n*11/10 {
			t.Errorf("shard %d holds %d of %d units, want about %d", k, size[k], units, units/n)
		}
	}
	// The same IDs in another order, among new ones: each keeps its shard.
	for i := units - 1; i >= 0; i-- {
		id := fmt.Sprintf("fixture-%05d", i)
		for k := 1; k <= n; k++ {
			if (shard{k, n}).keeps(id) != (owner[id] == k) {
				t.Fatalf("%s moved", id)
			}
		}
	}
	if !(shard{}).keeps("x") || !(shard{1, 1}).keeps("x") {
		t.Error("no shard, or one shard of one, must keep everything")
	}
}

func TestRerunsByTarget(t *testing.T) {
	a := rerun{path: "r/a/report.json", name: "a"}
	b := rerun{path: "r/b/report.json", name: "b"}
	one, err := rerunsByTarget([]rerun{a}, []Target{{Name: "reference"}})
	if err != nil || one["reference"].path != a.path {
		t.Errorf("one report, one target: %v %v", one, err)
	}
	two, err := rerunsByTarget([]rerun{a, b}, []Target{{Name: "b"}, {Name: "a"}})
	if err != nil || two["a"].path != a.path || two["b"].path != b.path {
		t.Errorf("by name: %v %v", two, err)
	}
	if _, err := rerunsByTarget([]rerun{a}, []Target{{Name: "a"}, {Name: "c"}}); err == nil || !strings.Contains(err.Error(), "no report of target c among those given (a)") {
		t.Errorf("a target without a report: %v", err)
	}
}
