package e2e

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// listedLine is one check of `run --list`: "[ID] name  [label, label, ...]".
var listedLine = regexp.MustCompile(`^\[([A-Z][0-9]+)\] .*  \[(.*)\]$`)

// listedByID runs `run --list` with args and returns each listed check's requirement and labels.
func listedByID(t *testing.T, args ...string) (ids []string, labels [][]string) {
	t.Helper()
	res := umconform(t, nil, append([]string{"run", "--list"}, args...)...)
	if res.code != 0 {
		t.Fatalf("--list %v: exit %d\n%s", args, res.code, res.stderr)
	}
	for _, line := range strings.Split(res.stdout, "\n") {
		if m := listedLine.FindStringSubmatch(line); m != nil {
			ids = append(ids, m[1])
			labels = append(labels, strings.Split(m[2], ", "))
		}
	}
	return ids, labels
}

// TestLabelFilterSelectsBothAPIs: twins share their area's label, so one area's filter
// selects both APIs' checks of it; the API is a label of its own.
func TestLabelFilterSelectsBothAPIs(t *testing.T) {
	ids, _ := listedByID(t, "--label-filter", "lifecycle")
	for _, want := range strings.Fields("L1 L2 L3 L4 L5 L7 L8 E8 E9 E10 E11 E12 E17 E18") {
		if !slices.Contains(ids, want) {
			t.Errorf("--label-filter lifecycle lists no %s check", want)
		}
	}

	all, _ := listedByID(t)
	ews, ewsLabels := listedByID(t, "--label-filter", "api:ews")
	um, umLabels := listedByID(t, "--label-filter", "api:um")
	if len(ews) == 0 || len(um) == 0 {
		t.Fatalf("api:ews lists %d checks, api:um %d; want some of each", len(ews), len(um))
	}
	// Each check is about one API, but for the cross-API ones (E14), which are about both.
	if both := len(ews) + len(um) - len(all); both != 2 || !slices.Contains(ews, "E14") || !slices.Contains(um, "E14") {
		t.Errorf("api:ews lists %d checks, api:um %d, all %d: %d about both, want the 2 E14 checks", len(ews), len(um), len(all), both)
	}
	for i, id := range ews {
		if id[0] == 'L' || id[0] == 'C' || id[0] == 'P' || !slices.Contains(ewsLabels[i], "ews") {
			t.Errorf("api:ews lists a %s check labelled %v", id, ewsLabels[i])
		}
	}
	for i, id := range um {
		if id[0] == 'E' && id != "E14" {
			t.Errorf("api:um lists a %s check labelled %v", id, umLabels[i])
		}
	}
	// The older spelling selects what it did.
	if legacy, _ := listedByID(t, "--label-filter", "ews"); len(legacy) != len(ews) {
		t.Errorf("--label-filter ews lists %d checks, api:ews %d", len(legacy), len(ews))
	}
}
