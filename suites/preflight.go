package suites

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"strings"

	"github.com/umconform/umconform/fixtures"
)

// SettingsError is a run setting the target refused before any check was made: a wrong
// --entry-id, --dial-string, credentials or endpoint URL. The run stops (exit 2): with
// it, every check would fail or error for the user's mistake, and each would place a call.
type SettingsError struct {
	Setting string // the flag to change: --entry-id, --dial-string, --username, --target
	API     string // "UM" or "EWS"
	Answer  string // what the target answered
	Fix     string // how to find a valid value
}

func (e *SettingsError) Error() string {
	return fmt.Sprintf("%s: the %s endpoint refused it: %s; %s", e.Setting, e.API, e.Answer, e.Fix)
}

// preflightCallID is the call id the pre-flight asks about when the run places no call:
// no server issued it, so any SOAP answer (a fault, surely) shows the endpoint and the
// credentials work.
const preflightCallID = "dW1jb25mb3JtLXByZWZsaWdodC1uby1zdWNoLWNhbGw="

// Fixes named in the pre-flight's errors.
const (
	fixEntryID    = "pass the id of a voice mail item in the test mailbox (its EWS ItemId, as FindItem on the Voice Mail folder or the item's REST id converted with ConvertId lists it)"
	fixDialString = "pass a number the target's dial plan may call (its dialing rules allow it: try the number in the form the mailbox's UM dial plan uses, such as an extension or +E.164)"
	fixAuth       = "check --auth (none, basic or ntlm), --username (DOMAIN\\user for ntlm) and UMCONFORM_PASSWORD or --password-file, and that the account may use the service"
)

// Preflight tries the run's settings on the target before any check, once per API the
// run targets: when the run places calls (umCalls, ewsCalls), one PlayOnPhone with the
// given entry id and dial string; otherwise one question about a call no server issued,
// which places none. A refusal that names a setting (the item, the number, the
// credentials, a URL with no SOAP endpoint) is returned as a *SettingsError: the run
// stops before it blames the target for it. The call a successful PlayOnPhone placed
// becomes the call read-only requests share, so the pre-flight costs no extra call; it
// counts against --max-calls like any other. A transport failure is left to the checks
// (and the breaker), which report it.
func (e *Env) Preflight(ctx context.Context, umCalls, ewsCalls bool) error {
	var errs []error
	for _, api := range e.apis() {
		if api.ep.breaker.open() == nil {
			errs = append(errs, e.preflight(ctx, api, api.id == fixtures.UM && umCalls || api.id == fixtures.EWS && ewsCalls))
		}
	}
	err := errors.Join(errs...)
	if err != nil {
		e.endShared() // the run stops here: a call placed must not keep ringing
	}
	return err
}

// preflight tries the run's settings on api's endpoint: placeCall says whether with a
// PlayOnPhone.
func (e *Env) preflight(ctx context.Context, api callAPI, placeCall bool) error {
	target := api.ep.target.String()
	if !placeCall {
		f, err := api.ep.fixture(api.pollFixture)
		if err != nil {
			return nil
		}
		ex := e.send(ctx, api, &request{f: f, v: fixtures.Values{Call: preflightCallID}})
		if stopAtRedirect(api, ex) {
			return nil // H2 judges the redirect; the other checks say where it points
		}
		return refusedEndpoint(ex, api, target)
	}
	f, err := api.ep.fixture(api.placeFixture)
	if err != nil {
		return nil
	}
	ex := e.send(ctx, api, &request{f: f, v: fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString}, keepCall: true})
	if ex.unsent || stopAtRedirect(api, ex) {
		return nil
	}
	if err := refusedEndpoint(ex, api, target); err != nil {
		return err
	}
	if id, ok := e.placed(api, ex); ok {
		api.ep.shared.adopt(id)
		return nil
	}
	code, text, ok := api.refusal(ex)
	if !ok {
		return nil // an answer the checks judge (S4, P-checks, E19)
	}
	return refusedCall(api.id.Name(), code, text, e.cfg, api.describe(ex))
}

// adopt makes id, a call the pre-flight placed, the call read-only requests share.
func (s *shared) adopt(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id == "" {
		s.take(id)
	}
}

// refusedEndpoint says whether an answer shows the credentials refused (401, 403) or no
// SOAP endpoint at the URL (an answer with no SOAP envelope that is an error, or an HTML
// page): settings, not the target's failures.
func refusedEndpoint(ex *Exchange, api callAPI, target string) error {
	if ex.Err != nil {
		return nil
	}
	if ex.Status == 401 || ex.Status == 403 {
		return &SettingsError{Setting: "--username", API: api.id.Name(), Answer: fmt.Sprintf("HTTP %d %s to %s", ex.Status, strings.ToLower(httpStatusText(ex.Status)), target), Fix: fixAuth}
	}
	ct, _, _ := mime.ParseMediaType(ex.Header.Get("Content-Type"))
	if ex.Result.Envelope == "" && (ex.Status != 200 && ex.Status != 500 || ct == "text/html") {
		return &SettingsError{Setting: api.setting, API: api.id.Name(), Answer: fmt.Sprintf("%s answers %s: no SOAP endpoint there", target, describe(ex)),
			Fix: fmt.Sprintf("pass the endpoint's full URL, https://HOST%s (its WSDL is at that URL with ?wsdl)", api.path)}
	}
	return nil
}

func httpStatusText(code int) string {
	switch code {
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	}
	return ""
}

// refusedCall turns the pre-flight PlayOnPhone's refusal into the setting it names: the
// item (InvalidObjectIdException, EWS's ErrorInvalidId… and ErrorItemNotFound) or the
// number (DialingRulesException, ErrorPhoneNumberNotDialable). Any other refusal of a
// PlayOnPhone made with the user's settings names both: no call-bound check could run.
func refusedCall(api, code, text string, cfg Config, answer string) error {
	lc := strings.ToLower(code + " " + text)
	se := &SettingsError{API: api, Answer: fmt.Sprintf("PlayOnPhone answered %s", answer)}
	if text != "" {
		se.Answer += fmt.Sprintf(": %q", text)
	}
	switch {
	case strings.Contains(lc, "objectid") || strings.Contains(lc, "invalidid") || strings.Contains(lc, "itemnotfound") || strings.Contains(lc, "entryid"):
		se.Setting, se.Fix = fmt.Sprintf("--entry-id %q", cfg.EntryID), fixEntryID
	case strings.Contains(lc, "dialingrules") || strings.Contains(lc, "notdialable") || strings.Contains(lc, "dial") || strings.Contains(lc, "phonenumber"):
		se.Setting, se.Fix = fmt.Sprintf("--dial-string %q", cfg.DialString), fixDialString
	case strings.Contains(lc, "serverbusy") || strings.Contains(lc, "unavailable") || strings.Contains(lc, "try again"):
		return &SettingsError{API: api, Setting: "the run", Answer: se.Answer, Fix: "the target is busy or throttling: run again later (or with a lower load on it)"}
	default:
		se.Setting = fmt.Sprintf("--entry-id %q or --dial-string %q", cfg.EntryID, cfg.DialString)
		se.Fix = "no check that needs a call could run: " + fixEntryID + "; and " + fixDialString
	}
	return se
}
