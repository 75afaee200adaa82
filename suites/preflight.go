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
	if e.cfg.Target != nil && e.breaker.open() == nil {
		errs = append(errs, e.preflightUM(ctx, umCalls))
	}
	if e.ews != nil && e.ews.breaker.open() == nil {
		errs = append(errs, e.preflightEWS(ctx, ewsCalls))
	}
	err := errors.Join(errs...)
	if err != nil {
		e.endShared() // the run stops here: a call placed must not keep ringing
	}
	return err
}

func (e *Env) preflightUM(ctx context.Context, placeCall bool) error {
	if !placeCall {
		f, ok := e.cfg.Fixtures.Lookup(pollFixture)
		if !ok {
			return nil
		}
		ex := e.sender.Send(ctx, f, fixtures.Values{CallID: preflightCallID})
		e.breaker.record(ex.Err)
		return refusedEndpoint(ex, "UM", e.cfg.Target.String(), "/EWS/UM2007Legacy.asmx")
	}
	f, ok := e.cfg.Fixtures.Lookup(CreateCallFixture)
	if !ok {
		return nil
	}
	ex := e.sendPlayOnPhone(ctx, f, fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString})
	if isBudget(ex.Err) {
		return nil
	}
	e.sender.Check(ex)
	e.breaker.record(ex.Err)
	if err := refusedEndpoint(ex, "UM", e.cfg.Target.String(), "/EWS/UM2007Legacy.asmx"); err != nil {
		return err
	}
	if id, ok := ex.Result.Value("PlayOnPhoneResponse"); ok && id != "" && ex.Status == 200 && ex.Result.Message == "PlayOnPhoneResponse" {
		e.calls.um.adopt(id)
		return nil
	}
	if !ex.Result.IsFault() {
		return nil // an answer the checks judge (S4, P-checks)
	}
	exc, _ := ex.Result.Value("ExceptionType")
	msg, _ := ex.Result.Value("faultstring")
	return refusedCall("UM", fixtures.ExceptionName(exc), msg, e.cfg, describe(ex))
}

func (e *Env) preflightEWS(ctx context.Context, placeCall bool) error {
	w := e.ews
	if !placeCall {
		f, err := w.fixture(ewsPollFixture)
		if err != nil {
			return nil
		}
		ex := w.sender.Send(ctx, f, fixtures.Values{PhoneCallID: preflightCallID})
		w.breaker.record(ex.Err)
		return refusedEndpoint(ex, "EWS", w.cfg.Target.String(), "/EWS/Exchange.asmx")
	}
	if err := e.calls.spend(); err != nil {
		return nil
	}
	f, err := w.fixture(ewsPlaceFixture)
	if err != nil {
		return nil
	}
	ex := w.sender.Send(ctx, f, fixtures.Values{EntryID: e.cfg.EntryID, DialString: e.cfg.DialString})
	w.breaker.record(ex.Err)
	if err := refusedEndpoint(ex, "EWS", w.cfg.Target.String(), "/EWS/Exchange.asmx"); err != nil {
		return err
	}
	if id, _ := ex.Result.Attr("PhoneCallId", "Id"); ewsSucceeded(ex) && id != "" {
		e.calls.ews.adopt(id)
		return nil
	}
	if !ewsRefused(ex) || ex.Status/100 == 4 {
		return nil
	}
	code, _ := ex.Result.Value("ResponseCode") // in a response message, or a Fault's detail
	msg, _ := ex.Result.Value("MessageText")
	if msg == "" {
		msg, _ = ex.Result.Value("faultstring")
	}
	return refusedCall("EWS", code, msg, e.cfg, ewsDescribe(ex))
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
func refusedEndpoint(ex *Exchange, api, target, path string) error {
	if ex.Err != nil {
		return nil
	}
	if ex.Status == 401 || ex.Status == 403 {
		return &SettingsError{Setting: "--username", API: api, Answer: fmt.Sprintf("HTTP %d %s to %s", ex.Status, strings.ToLower(httpStatusText(ex.Status)), target), Fix: fixAuth}
	}
	ct, _, _ := mime.ParseMediaType(ex.Header.Get("Content-Type"))
	if ex.Result.Envelope == "" && (ex.Status != 200 && ex.Status != 500 || ct == "text/html") {
		setting := "--target"
		if api == "EWS" {
			setting = "--ews-target"
		}
		return &SettingsError{Setting: setting, API: api, Answer: fmt.Sprintf("%s answers %s: no SOAP endpoint there", target, describe(ex)),
			Fix: fmt.Sprintf("pass the endpoint's full URL, https://HOST%s (its WSDL is at that URL with ?wsdl)", path)}
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
