package suites

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/umconform/umconform/fixtures"
)

// TestUnknownLikeNamesAnotherCall: the id that names no call keeps the form of the call id
// it comes from (Exchange's Base64 of GUID|server: the same server, another GUID), so that
// a server refuses it only because no call has it; another form is reversed, never turned
// into the next number of a server that numbers its calls.
func TestUnknownLikeNamesAnotherCall(t *testing.T) {
	id := base64.StdEncoding.EncodeToString([]byte("5b2a4d1e-90c3-4a8e-b1f7-2c3d4e5f6a7b|um.contoso.com"))
	got := unknownLike(id)
	raw, err := base64.StdEncoding.Strict().DecodeString(got)
	guid, host, ok := strings.Cut(string(raw), "|")
	if err != nil || !ok || host != "um.contoso.com" || len(guid) != 36 || got == id || unknownLike(id) == got {
		t.Errorf("unknownLike(%q) = %q (%q): want Base64 of a fresh GUID and the same server", id, got, raw)
	}
	adv := base64.StdEncoding.EncodeToString([]byte("adversary-call-0001"))
	for in, want := range map[string]string{"call-7": "7-llac", "aba": "aba0", adv: base64.StdEncoding.EncodeToString([]byte("1000-llac-yrasrevda"))} {
		if got := unknownLike(in); got != want {
			t.Errorf("unknownLike(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAccessJudges: the A judges on hand-made answers.
func TestAccessJudges(t *testing.T) {
	xml := "text/xml; charset=utf-8"
	var e Env
	um := e.accessOps(callAPI{name: "UM"})
	served := exchange(t, "GetCallInfo", 200, xml, info("Connected", "None"), fixtures.Expect{})
	unknown := exchange(t, "GetCallInfo", 500, xml, fault("InvalidCallIdException"), fixtures.Expect{})
	otherFault := exchange(t, "GetCallInfo", 500, xml, fault("InvalidObjectIdException"), fixtures.Expect{})
	challenged := exchange(t, "GetCallInfo", 401, "text/html", "no", fixtures.Expect{})
	challenged.Header.Set("WWW-Authenticate", `Basic realm="x"`)
	bare401 := exchange(t, "GetCallInfo", 401, "text/html", "no", fixtures.Expect{})
	forbidden := exchange(t, "GetCallInfo", 403, "text/html", "no", fixtures.Expect{})

	for name, c := range map[string]struct {
		got  Outcome
		want string // pass, fail, cannot
	}{
		"served without credentials":   {judgeServed(um, served, "without credentials"), "fail"},
		"refused with a challenge":     {judgeServed(um, challenged, "without credentials"), "pass"},
		"refused by a fault":           {judgeServed(um, unknown, "with a wrong password"), "pass"},
		"challenges: 401 bare":         {first(judgeChallenges(um, &accessRun{anonInfo: challenged, wrongInfo: bare401})), "fail"},
		"challenges: a fault":          {first(judgeChallenges(um, &accessRun{anonInfo: unknown})), "fail"},
		"challenges: 401 and 403":      {first(judgeChallenges(um, &accessRun{anonInfo: challenged, wrongInfo: forbidden})), "pass"},
		"challenges: nothing refused":  {first(judgeChallenges(um, &accessRun{anonInfo: served, wrongInfo: served})), "cannot"},
		"read: another's call served":  {first(judgeOthersRead(um, &accessRun{noneInfo: unknown, otherInfo: served})), "fail"},
		"read: 403 for another's call": {first(judgeOthersRead(um, &accessRun{noneInfo: unknown, otherInfo: forbidden})), "fail"},
		"read: as for no call":         {first(judgeOthersRead(um, &accessRun{noneInfo: unknown, otherInfo: unknown})), "pass"},
		"read: second user refused":    {first(judgeOthersRead(um, &accessRun{noneInfo: challenged, otherInfo: unknown})), "cannot"},
		"read: no baseline fault":      {first(judgeOthersRead(um, &accessRun{noneInfo: otherFault, otherInfo: otherFault})), "cannot"},
		"end: refused, call live":      {first(judgeOthersEnd(um, &accessRun{noneEnd: unknown, otherEnd: unknown, after: served})), "pass"},
		"end: refused, call ended": {first(judgeOthersEnd(um, &accessRun{noneEnd: unknown, otherEnd: unknown,
			after: exchange(t, "GetCallInfo", 200, xml, info("Disconnected", "None"), fixtures.Expect{})})), "fail"},
		"end: Disconnect served": {first(judgeOthersEnd(um, &accessRun{noneEnd: unknown,
			otherEnd: exchange(t, "Disconnect", 200, xml, soapOpen+`<DisconnectResponse xmlns="`+msgNS+`"/>`+soapClose, fixtures.Expect{}), after: served})), "fail"},
	} {
		got := "pass"
		switch {
		case c.got.CannotJudge:
			got = "cannot"
		case !c.got.Pass:
			got = "fail"
		}
		if got != c.want {
			t.Errorf("%s: %s (%+v), want %s", name, got, c.got, c.want)
		}
	}
	if !refusedForCredentials(challenged) || refusedForCredentials(bare401) || !refusedForCredentials(forbidden) || refusedForCredentials(unknown) {
		t.Error("refusedForCredentials: want 401 with a challenge or 403 only")
	}
}

func first(o Outcome, _ *Exchange) Outcome { return o }
