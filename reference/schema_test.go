package reference

import (
	"strings"
	"testing"

	"github.com/umconform/umconform/schema"
)

// responses collects one response of every operation, every call state and every kind of
// fault that a profile can send.
func responses(t *testing.T, profile string) map[string][]byte {
	t.Helper()
	clk := newClock(0)
	c := newClient(t, newTestHandler(t, profile, clk))
	out := map[string][]byte{}
	add := func(name string, r reply) {
		if r.status != 200 && r.status != 500 {
			t.Fatalf("%s: status %d", name, r.status)
		}
		out[name] = r.body
	}
	play := c.post(playReq(DefaultEntryID, DefaultDialString))
	add("PlayOnPhone", play)
	for _, s := range Scenarios() {
		id := c.post(playReq(DefaultEntryID, s.DialString)).callID()
		for i := range 10 {
			r := c.post(infoReq(id))
			st, cause, _ := r.callInfo()
			add("GetCallInfo "+s.Suffix+" "+st+"/"+cause+" "+string(rune('0'+i)), r)
			clk.Advance(testStep)
		}
	}
	add("Disconnect", c.post(discReq(play.callID())))
	add("GetCallInfo after Disconnect", c.post(infoReq(play.callID())))
	add("fault InvalidCallId", c.post(infoReq(foreignCallID())))
	add("fault InvalidObjectId", c.post(playReq("***", DefaultDialString)))
	add("fault DialingRules", c.post(playReq(DefaultEntryID, "x")))
	add("fault Client", c.post(envelope(``)))
	if r := c.post(`<e:Envelope xmlns:e="` + SOAP12Namespace + `"><e:Body/></e:Envelope>`); r.status/100 != 4 { // legal-envelope-refusals sends a bare 400, no message
		add("fault VersionMismatch", r)
	}
	add("fault DOCTYPE", c.post(`<!DOCTYPE x []><x/>`))
	return out
}

func TestResponsesValidateAgainstTheSchema(t *testing.T) {
	v, err := schema.Load()
	if err != nil {
		t.Fatalf("schema.Load: %v", err)
	}
	for _, p := range Profiles() {
		if !p.Legal {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			for name, body := range responses(t, p.Name) {
				res := v.ValidateAs(body, schema.KindResponse)
				if !res.Valid() {
					t.Errorf("%s does not validate: %v\n%s", name, res.Violations, body)
				}
				unavailable := strings.Contains(string(body), ">Unavailable<")
				if (len(res.Findings) > 0) != unavailable {
					t.Errorf("%s: findings %v, want one exactly when EventCause is Unavailable", name, res.Findings)
				}
			}
		})
	}
	// The schema-level broken profiles must each send at least one invalid response; this
	// proves the test above could fail.
	for _, name := range []string{"t1-malformed-xml", "t1-nul-after-envelope", "s1-flat-response", "s2-lowercase-state", "s4-empty-callid", "s5-disconnect-not-empty", "s6-fault-no-faultstring"} {
		t.Run(name, func(t *testing.T) {
			invalid := 0
			for _, body := range responses(t, name) {
				if !v.ValidateAs(body, schema.KindResponse).Valid() {
					invalid++
				}
			}
			if invalid == 0 {
				t.Errorf("every response validates, but the profile breaks a schema requirement")
			}
		})
	}
}
