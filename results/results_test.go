package results

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/umconform/umconform/reports"
)

func TestSortByNameIsStable(t *testing.T) {
	// Enough checks that the sort is not an insertion sort, which is stable by itself.
	var checks []reports.Check
	for i := range 500 {
		checks = append(checks, reports.Check{Name: string(rune('a' + i%3)), Message: fmt.Sprint(i)})
	}
	// Names shaped like the checks' ("[C1] fixture: title") and the ones that could trip a
	// grouping by the bracketed prefix: no bracket, a prefix of a prefix, a character
	// sorting before ']' where another name has it.
	names := []string{"[C1] b: x", "[C1] a: x", "[C1] a-b: x", "[C10] a: x", "[C1!", "[C1", "[C", "[C1]", "[C1] a: x", "]", "", "[C1]] z", "[T1] a: x"}
	for i := range 500 {
		checks = append(checks, reports.Check{Name: names[(i*7)%len(names)], Message: fmt.Sprint(1000 + i)})
	}
	sortByName(checks)
	last := map[string]int{}
	for k, c := range checks {
		i, _ := strconv.Atoi(c.Message)
		if prev, seen := last[c.Name]; seen && i < prev {
			t.Fatalf("check %d: %s/%d after %s/%d: equal names lost their run order", k, c.Name, i, c.Name, prev)
		}
		if k > 0 && checks[k-1].Name > c.Name {
			t.Fatalf("not sorted by name at %d", k)
		}
		last[c.Name] = i
	}
}
