package reports

import (
	"cmp"
	"container/heap"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"
)

// maxListed bounds each list a streamed comparison keeps (regressions, fixes, other
// changes, added, removed, responses that differ): past it, entries are counted
// (Diff.Omitted) and WriteDiff says "and N more". Two reports of 700 000 checks that
// differ everywhere would otherwise hold and print every check.
const maxListed = 1000

// CompareFiles is Compare for two report.json files, streamed: each file lists its checks
// in name order, so the two are joined by name a check at a time, and each pair's
// responses are compared as the pair is met. What it keeps is bounded (maxListed per list,
// the rest counted) but for a 16-byte key per fixture whose responses were compared, which the
// rule "the first check of each fixture" needs (fixtureKey). The Diff's
// runs are the files' fields without their checks. A file whose checks are out of order
// (written by hand, or by an older version) is read through a spool, which sorts it; the
// result is Compare's.
func CompareFiles(basePath, newPath string, volatile []string) (Diff, error) {
	d, err := compareFiles(basePath, newPath, volatile, false)
	if errors.Is(err, errOutOfOrder) {
		d, err = compareFiles(basePath, newPath, volatile, true)
	}
	return d, err
}

func compareFiles(basePath, newPath string, volatile []string, sorted bool) (Diff, error) {
	readers, sources, closeSources, err := openSources([]string{basePath, newPath}, sorted)
	if err != nil {
		return Diff{}, err
	}
	defer closeSources()
	j := &diffJoin{volatile: volatile, seen: map[fixtureKey]struct{}{}}
	base, next := sources[0], sources[1]
	b, bok, err := base()
	if err != nil {
		return Diff{}, err
	}
	n, nok, err := next()
	if err != nil {
		return Diff{}, err
	}
	for (bok || nok) && err == nil {
		switch {
		case bok && (!nok || b.Name < n.Name):
			j.removed(b)
			b, bok, err = base()
		case nok && (!bok || n.Name < b.Name):
			j.added(n)
			n, nok, err = next()
		default:
			// As Compare's maps: of a name the base lists twice (by hand), its last check
			// counts, and its last with a fixture and a response is the one compared.
			name := b.Name
			last := b
			var withResponse *Check
			for bok && b.Name == name && err == nil {
				last = b
				if b.Fixture != "" && b.Evidence.Response != "" {
					kept := b
					withResponse = &kept
				}
				b, bok, err = base()
			}
			for nok && n.Name == name && err == nil {
				j.matched(last, withResponse, n)
				n, nok, err = next()
			}
		}
	}
	if err != nil {
		return Diff{}, err
	}
	d := j.d
	d.Base, d.New = readers[0].Run(), readers[1].Run()
	d.Responses = j.responses.sorted()
	return d, nil
}

// diffJoin builds a Diff from the checks of two runs met in name order, so that each of
// its lists comes out in name order as Compare sorts them.
type diffJoin struct {
	d         Diff
	volatile  []string
	seen      map[fixtureKey]struct{} // fixtures whose response has been compared
	responses responseHeap
}

// keep adds c to list, or counts it past maxListed. What it keeps is copied: a check read
// back from a spool is one string that all its fields share, evidence included.
func keep(list *[]Change, omitted *int, c Change) {
	if len(*list) < maxListed {
		c.Name, c.Message = strings.Clone(c.Name), strings.Clone(c.Message)
		c.Level, c.Fixture, c.FixtureFile, c.Scenario = strings.Clone(c.Level), strings.Clone(c.Fixture), strings.Clone(c.FixtureFile), strings.Clone(c.Scenario)
		if x := c.Expectation; x != nil {
			c.Expectation = &Expectation{Reason: strings.Clone(x.Reason), Source: strings.Clone(x.Source)}
		}
		c.Requirements = slices.Clone(c.Requirements)
		for i, r := range c.Requirements {
			c.Requirements[i] = strings.Clone(r)
		}
		*list = append(*list, c)
	} else {
		*omitted++
	}
}

func (j *diffJoin) added(c Check) {
	keep(&j.d.Added, &j.d.Omitted.Added, changeOf(c, "", c.Verdict))
}

func (j *diffJoin) removed(c Check) {
	keep(&j.d.Removed, &j.d.Omitted.Removed, changeOf(c, c.Verdict, ""))
}

// matched is Compare's judgement of one check in both runs, and compareResponses' of
// their responses: a fixture's first check by name with a response in both is compared,
// and in name order that is the first met.
func (j *diffJoin) matched(b Check, withResponse *Check, c Check) {
	ch := changeOf(c, b.Verdict, c.Verdict)
	d := &j.d
	switch {
	case b.Verdict == c.Verdict:
	case failing(c.Verdict) && !failing(b.Verdict):
		keep(&d.Regressions, &d.Omitted.Regressions, ch)
	case failing(b.Verdict) && !failing(c.Verdict) && c.Verdict != ExpectedFailure:
		keep(&d.Fixes, &d.Omitted.Fixes, ch)
	default:
		keep(&d.Changed, &d.Omitted.Changed, ch)
	}
	if withResponse == nil || c.Evidence.Response == "" {
		return
	}
	key := fixtureKeyOf(c.Fixture)
	if _, done := j.seen[key]; done {
		return
	}
	j.seen[key] = struct{}{}
	lines := diffLines(CanonicalResponse(withResponse.Evidence, j.volatile), CanonicalResponse(c.Evidence, j.volatile))
	if lines == nil {
		return
	}
	r := ResponseDiff{Fixture: strings.Clone(c.Fixture), Check: strings.Clone(c.Name), Lines: lines}
	// Compare lists the differences by fixture, not by check name: keep the first
	// maxListed by fixture, whatever order they are met in.
	if len(j.responses) < maxListed {
		heap.Push(&j.responses, r)
		return
	}
	d.Omitted.Responses++
	if byFixture(r, j.responses[0]) < 0 {
		j.responses[0] = r // the last by fixture is dropped (counted above) for r
		heap.Fix(&j.responses, 0)
	}
}

// fixtureKey stands for a fixture's name in the set of those compared: 128 bits of its
// SHA-256 are a third of the name and its string header in a map (100 000 fixtures took
// 12 MB as names, 3 MB so), and two names that share them are not to be met.
type fixtureKey [16]byte

func fixtureKeyOf(name string) fixtureKey {
	sum := sha256.Sum256([]byte(name))
	return fixtureKey(sum[:16])
}

func byFixture(a, b ResponseDiff) int {
	return cmp.Or(strings.Compare(a.Fixture, b.Fixture), strings.Compare(a.Check, b.Check))
}

// responseHeap holds response differences with the last by fixture on top.
type responseHeap []ResponseDiff

func (h responseHeap) Len() int           { return len(h) }
func (h responseHeap) Less(i, k int) bool { return byFixture(h[i], h[k]) > 0 }
func (h responseHeap) Swap(i, k int)      { h[i], h[k] = h[k], h[i] }
func (h *responseHeap) Push(x any)        { *h = append(*h, x.(ResponseDiff)) }
func (h *responseHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (h responseHeap) sorted() []ResponseDiff {
	if len(h) == 0 {
		return nil
	}
	out := slices.Clone([]ResponseDiff(h))
	slices.SortFunc(out, byFixture)
	return out
}
