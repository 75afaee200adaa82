//go:build race

package reference

// raceEnabled shrinks the load test under the race detector, which slows this server about
// twelvefold; UMCONFORM_LOAD_FULL=1 restores the full 51 200 requests.
const raceEnabled = true
