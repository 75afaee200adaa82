package progress

import (
	"reflect"
	"testing"
	"time"
)

func TestTrackerFollowsCallsUntilTheyEnd(t *testing.T) {
	now := time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC)
	tr := &Tracker{now: func() time.Time { return now }}
	um := tr.Follow("UM", "+15550100")
	now = now.Add(2 * time.Second)
	ews := tr.Follow("EWS", "+15550100")
	um.Saw("Connected/None")
	now = now.Add(3 * time.Second)
	want := []CallStatus{{"UM", "+15550100", "Connected/None", 5 * time.Second}, {"EWS", "+15550100", "placed", 3 * time.Second}}
	if got := tr.Calls(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Calls() = %v, want %v", got, want)
	}
	um.End()
	um.End() // twice is once
	ews.Saw("Alerted/None")
	want = []CallStatus{{"EWS", "+15550100", "Alerted/None", 3 * time.Second}}
	if got := tr.Calls(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after End: Calls() = %v, want %v", got, want)
	}
	ews.End()
	if got := tr.Calls(); len(got) != 0 {
		t.Fatalf("every call ended: Calls() = %v", got)
	}
}

func TestNilTrackerIgnoresUpdates(t *testing.T) {
	var tr *Tracker
	c := tr.Follow("UM", "+15550100")
	c.Saw("Connected/None")
	c.End()
	if got := tr.Calls(); got != nil {
		t.Fatalf("nil tracker: Calls() = %v", got)
	}
}
