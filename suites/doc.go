// Package suites declares the Ginkgo conformance specs that replay fixtures against a target
// and judge its answers, for each API the target offers: the UM web service and EWS's
// phone-call operations. It produces results (reports.Check, one per requirement judged);
// package results turns them into the report model and has the reports written.
//
// The package is an engine, drivers and scenarios, apart:
//
//   - The engine drives any API. env.go holds a target's run (Env); endpoint.go one API's
//     endpoint and the one path every request takes (Env.send: breaker, call budget, send,
//     record, hang up a call that rang); breaker.go, retry.go, late.go and encoding.go what
//     happens around an exchange; exchange.go the exchange itself; memo.go the fixtures
//     replayed once and shared by their checks; calls.go the call budget and the call
//     read-only requests share; lend.go the corpus's requests lent to scenarios; trace.go
//     calls followed to their end; preflight.go the settings tried before the run; spec.go
//     and stream.go the check wrapper and the checks filed as their specs end.
//   - A driver (callAPI, api.go) is what differs between the APIs: um.go and ews.go with
//     ews_requests.go say how each API's requests are written and its answers read;
//     judge.go, ews_judge.go and lifecycle_judges.go hold the judges.
//   - The scenarios are declared once and instantiated for each API (declare.go):
//     replay.go replays the corpus, refusals.go the refused input, lifecycle.go follows
//     calls, robustness.go sends hostile requests, generated.go the requests generated
//     from the API's schema (G1-G4, package generate); crossapi.go asks one API about the
//     other's calls (E14), for a target that offers both.
package suites
