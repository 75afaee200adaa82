package suites

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/umconform/umconform/internal/progress"
	"github.com/umconform/umconform/reference"
)

// distantEnv is an Env on both APIs of a reference server that answers each request
// delay late, as a distant host does; peak reports the most requests it had at once.
func distantEnv(t *testing.T, delay time.Duration, pollInterval time.Duration, pollLimit int, tracker *progress.Tracker) (*Env, func() int32) {
	t.Helper()
	h, err := reference.NewHandler(reference.Options{Step: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var now, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := now.Add(1)
		defer now.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(delay)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := bothAPIsConfig(t, srv.URL)
	cfg.PollInterval, cfg.PollLimit, cfg.Progress = pollInterval, pollLimit, tracker
	e, err := NewEnv(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, peak.Load
}

// TestScenariosSideBySideStayWithinFourRequests: eight calls followed at once, four through
// each API, have at most MaxInFlight requests at the target at any moment, and the
// console's tracker sees each call and forgets it once it ends.
func TestScenariosSideBySideStayWithinFourRequests(t *testing.T) {
	tracker := &progress.Tracker{}
	e, peak := distantEnv(t, 20*time.Millisecond, 5*time.Millisecond, 10, tracker)
	var wg sync.WaitGroup
	traces := make([]*callTrace, 8)
	seen := make(chan int, 1)
	for i := range traces {
		api := e.umAPI()
		if i%2 == 1 {
			api = e.ewsAPI()
		}
		wg.Go(func() { traces[i] = e.follow(context.Background(), api, reference.DefaultDialString) })
	}
	go func() { // what the console reads while the calls are followed
		most := 0
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			most = max(most, len(tracker.Calls()))
			if most == len(traces) {
				break
			}
		}
		seen <- most
	}()
	wg.Wait()
	for i, tr := range traces {
		if tr.Err != nil || tr.Disconnect == nil {
			t.Errorf("call %d not followed to its end: %v", i+1, tr.Err)
		}
	}
	if got := peak(); got > MaxInFlight || got < 2 {
		t.Errorf("at most %d requests at once at the target, want 2 to %d", got, MaxInFlight)
	}
	if most := <-seen; most < 2 {
		t.Errorf("the tracker showed at most %d calls followed at once, want the calls side by side", most)
	}
	if calls := tracker.Calls(); len(calls) != 0 {
		t.Errorf("every call ended, the tracker still shows %v", calls)
	}
}

// TestFollowIsBoundedInTime: a call that stays up is followed for PollLimit × PollInterval
// however slowly the target answers, not for PollLimit polls each slowed by the target.
func TestFollowIsBoundedInTime(t *testing.T) {
	const limit = 100
	e, _ := distantEnv(t, 20*time.Millisecond, 5*time.Millisecond, limit, nil)
	start := time.Now()
	tr := e.follow(context.Background(), e.umAPI(), reference.DefaultDialString)
	if tr.Err != nil || tr.DisconnectAt < 0 {
		t.Fatalf("the call was not followed to its end: %v", tr.Err)
	}
	// 500 ms of polls 25 ms apart at best (5 ms wait, 20 ms answer): about 20, far from
	// the 100 a count of polls would send (2.5 s).
	if tr.DisconnectAt >= limit/2 {
		t.Errorf("%d polls before the Disconnect in %v: the follow-up is bounded by count, not by %v", tr.DisconnectAt, time.Since(start).Round(time.Millisecond), e.followFor())
	}
}
