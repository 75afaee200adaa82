package reports

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func names(changes []Change) []string {
	var out []string
	for _, c := range changes {
		out = append(out, c.Name)
	}
	return out
}

func TestCompareIdenticalRunsHasNoRegressions(t *testing.T) {
	d := Compare(sampleRun(), sampleRun(), DefaultVolatile())
	if len(d.Regressions)+len(d.Fixes)+len(d.Changed)+len(d.Added)+len(d.Removed)+len(d.Responses) != 0 {
		t.Errorf("identical runs differ: %+v", d)
	}
}

func TestCompareFindsExactlyTheRegression(t *testing.T) {
	base := sampleRun()
	next := sampleRun()
	next.Checks[4].Verdict = Failed // T2 passed in the base
	next.Checks[4].Message = "T2 (MUST) broken: SOAP responses are labelled text/xml"
	next.Checks[1].Verdict = Passed // S2 failed in the base: a fix
	next.Checks[0].Verdict = Warning
	next.Checks = append(next.Checks, Check{Name: "[T9] new", Verdict: Passed})
	next.Checks = slices.Delete(next.Checks, 3, 4) // L1 removed

	d := Compare(base, next, DefaultVolatile())
	if got := names(d.Regressions); !slices.Equal(got, []string{base.Checks[4].Name}) {
		t.Errorf("regressions %q, want only T2", got)
	}
	if got := names(d.Fixes); !slices.Equal(got, []string{base.Checks[1].Name}) {
		t.Errorf("fixes %q, want only S2", got)
	}
	if got := names(d.Changed); !slices.Equal(got, []string{base.Checks[0].Name}) {
		t.Errorf("changed %q, want only S1 (passed → warning)", got)
	}
	if got := names(d.Added); !slices.Equal(got, []string{"[T9] new"}) {
		t.Errorf("added %q", got)
	}
	if got := names(d.Removed); !slices.Equal(got, []string{base.Checks[3].Name}) {
		t.Errorf("removed %q", got)
	}
	var b bytes.Buffer
	if err := WriteDiff(&b, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"REGRESSION T2 (MUST) broken by 1 check: SOAP responses are labelled text/xml (passed → failed)\n    " + base.Checks[4].Name + "\n",
		"FIXED S2 (MUST) passed by 1 check (failed → passed)\n", "ADDED 1 check passed (new, passed)\n    [T9] new\n", "1 regression, 1 fix"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("diff output lacks %q:\n%s", want, b.String())
		}
	}
}

// TestPrefixOnlyChangesAreNotDifferences: a server may pick any prefix and indent as it
// likes; only what the XML says counts.
func TestPrefixOnlyChangesAreNotDifferences(t *testing.T) {
	base := sampleRun()
	next := sampleRun()
	for i := range next.Checks {
		r := next.Checks[i].Evidence.Response
		r = strings.ReplaceAll(r, "soap:", "s:")
		r = strings.ReplaceAll(r, "xmlns:soap=", "xmlns:s=")
		r = strings.ReplaceAll(r, `<GetCallInfoResponse xmlns="https://schemas.microsoft.com/exchange/services/2006/messages">`,
			`<GetCallInfoResponse xmlns:m="https://schemas.microsoft.com/exchange/services/2006/messages"><!-- outer -->`)
		for _, name := range []string{"GetCallInfoResponse", "CallState", "EventCause"} {
			r = strings.NewReplacer("<"+name, "<m:"+name, "</"+name, "</m:"+name).Replace(r)
		}
		r = strings.ReplaceAll(r, "\n", "\r\n\t")
		next.Checks[i].Evidence.Response = r
	}
	if next.Checks[0].Evidence.Response == base.Checks[0].Evidence.Response {
		t.Fatal("the test did not change the response")
	}
	if d := Compare(base, next, DefaultVolatile()); len(d.Responses) != 0 {
		t.Errorf("prefix-only changes reported: %+v", d.Responses)
	}

	// A live call's state moves with time: by default a changed CallState is no
	// difference. Outside the volatile paths a changed value is one, and the diff shows it.
	next.Checks[0].Evidence.Response = strings.Replace(next.Checks[0].Evidence.Response, "Connected", "Disconnected", 1)
	if d := Compare(base, next, DefaultVolatile()); len(d.Responses) != 0 {
		t.Errorf("a live call's CallState reported as a difference: %+v", d.Responses)
	}
	d := Compare(base, next, nil)
	if len(d.Responses) != 1 || d.Responses[0].Fixture != "getcallinfo-connected" {
		t.Fatalf("responses %+v, want one difference for getcallinfo-connected", d.Responses)
	}
	got := strings.Join(d.Responses[0].Lines, "\n")
	if !regexp.MustCompile(`(?m)^- +text "Connected"\n\+ +text "Disconnected"$`).MatchString(got) {
		t.Errorf("diff lines:\n%s", got)
	}
}

func TestCanonicalXML(t *testing.T) {
	const a = `<?xml version="1.0"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
  <soap:Fault><faultcode>soap:Client</faultcode><faultstring>bad</faultstring></soap:Fault>
  <PlayOnPhoneResponse xmlns="m"><CallId>AAAA</CallId></PlayOnPhoneResponse>
</soap:Body></soap:Envelope>`
	const b = `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/">
	<e:Body><e:Fault>
		<faultcode>e:Client</faultcode>
		<faultstring>bad</faultstring>
	</e:Fault>
	<x:PlayOnPhoneResponse xmlns:x="m"><x:CallId>BBBB</x:CallId></x:PlayOnPhoneResponse></e:Body></e:Envelope>`
	ca, cb := CanonicalXML(a, DefaultVolatile()), CanonicalXML(b, DefaultVolatile())
	if !slices.Equal(ca, cb) {
		t.Errorf("equivalent documents differ:\n%s\n---\n%s", strings.Join(ca, "\n"), strings.Join(cb, "\n"))
	}
	if !slices.Contains(ca, `        text "{http://schemas.xmlsoap.org/soap/envelope/}Client"`) {
		t.Errorf("faultcode QName not resolved:\n%s", strings.Join(ca, "\n"))
	}
	if slices.Equal(CanonicalXML(a, nil), CanonicalXML(b, nil)) {
		t.Error("without volatile paths the CallIds should differ")
	}
	if strings.Contains(strings.Join(ca, "\n"), "AAAA") {
		t.Error("volatile CallId kept")
	}
	// The UM service's own form: the CallId is the text of the nested PlayOnPhoneResponse.
	const pop = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><PlayOnPhoneResponse xmlns="m"><PlayOnPhoneResponse>%s</PlayOnPhoneResponse></PlayOnPhoneResponse></s:Body></s:Envelope>`
	if !slices.Equal(CanonicalXML(fmt.Sprintf(pop, "AAAA"), DefaultVolatile()), CanonicalXML(fmt.Sprintf(pop, "BBBB"), DefaultVolatile())) {
		t.Error("CallIds in nested PlayOnPhoneResponse elements compared")
	}
	// Text that is not XML still compares, line by line.
	broken := CanonicalXML("<a><b>x</b>\n<p>Internal error & more\n</p>", nil)
	if last := broken[len(broken)-1]; last != "! </p>" {
		t.Errorf("unparsable rest not kept: %q", broken)
	}
}

// A failure an expectations file now accepts is still broken: compare calls it a change,
// not a fix; and an expected failure is no regression.
func TestCompareExpectedFailures(t *testing.T) {
	base, next := sampleRun(), sampleRun()
	next.Checks[1].Verdict = ExpectedFailure // S2 failed in the base
	next.Checks[4].Verdict = ExpectedFailure // T2 passed in the base
	d := Compare(base, next, DefaultVolatile())
	if len(d.Fixes)+len(d.Regressions) != 0 || !slices.Equal(names(d.Changed), []string{base.Checks[1].Name, base.Checks[4].Name}) {
		t.Errorf("fixes %q, regressions %q, changed %q; want both changed", names(d.Fixes), names(d.Regressions), names(d.Changed))
	}
}

// TestEWSPhoneCallIdIsVolatile: two EWS PlayOnPhone answers differing only in their
// PhoneCallId compare equal; an Id elsewhere, or another attribute, still counts.
func TestEWSPhoneCallIdIsVolatile(t *testing.T) {
	pop := `<PlayOnPhoneResponse ResponseClass="%s" xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><ResponseCode>NoError</ResponseCode><PhoneCallId Id="%s"/></PlayOnPhoneResponse>`
	canon := func(class, id string) []string { return CanonicalXML(fmt.Sprintf(pop, class, id), DefaultVolatile()) }
	if !slices.Equal(canon("Success", "AAAA"), canon("Success", "BBBB")) {
		t.Errorf("PhoneCallIds differ in the canonical form:\n%v\n%v", canon("Success", "AAAA"), canon("Success", "BBBB"))
	}
	if slices.Equal(canon("Success", "AAAA"), canon("Error", "AAAA")) {
		t.Error("ResponseClass is treated as volatile")
	}
	info := `<PhoneCallInformation><PhoneCallState xmlns="http://schemas.microsoft.com/exchange/services/2006/types">%s</PhoneCallState></PhoneCallInformation>`
	if !slices.Equal(CanonicalXML(fmt.Sprintf(info, "Alerted"), DefaultVolatile()), CanonicalXML(fmt.Sprintf(info, "Connecting"), DefaultVolatile())) {
		t.Error("a live EWS call's PhoneCallState, which moves with time, counts as a difference")
	}
	item := `<ItemId Id="%s"/>`
	if slices.Equal(CanonicalXML(fmt.Sprintf(item, "A"), DefaultVolatile()), CanonicalXML(fmt.Sprintf(item, "B"), DefaultVolatile())) {
		t.Error("an Id outside PlayOnPhoneResponse/PhoneCallId is treated as volatile")
	}
}
