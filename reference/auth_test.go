package reference

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The authentication half of the probe: a miniature of the harness's A checks, against the
// profile served in the authentication mode with two users.

var probeUsers = map[string]string{"alice": "alice-secret-1", "bob": "bob-secret-2"}

func basicHeader(user, password string) map[string]string {
	if user == "" {
		return nil
	}
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
}

// authAPI is one API as the auth probe drives it.
type authAPI struct {
	path              string
	place, info, disc func(string) string // requests
	callID            func(reply) string
	served            func(reply) bool   // a success: call information, a call placed, a call ended
	live              func(reply) bool   // call information of a call not Disconnected
	refusalKind       func(reply) string // what a refusal says, to compare two
}

func ewsClassOf(r reply) string {
	if r.payload == nil {
		return ""
	}
	c, _ := r.payload.attr("ResponseClass")
	return c
}

func authAPIs() []authAPI {
	um := authAPI{path: LegacyPath, place: func(string) string { return playReq(DefaultEntryID, DefaultDialString) },
		info: infoReq, disc: discReq, callID: func(r reply) string { return r.callID() },
		served: func(r reply) bool { return r.status == 200 && r.env != nil && !r.isFault() },

		refusalKind: func(r reply) string { return http.StatusText(r.status) + " " + r.exception() },
	}
	ews := authAPI{path: EWSPath, place: func(string) string { return ewsPlayReq(DefaultEntryID, DefaultDialString) },
		info: ewsInfoReq, disc: ewsDiscReq,
		callID: func(r reply) string {
			if pc := payloadChild(r, MessagesNamespace, "PhoneCallId"); pc != nil {
				id, _ := pc.attr("Id")
				return id
			}
			return ""
		},
		served: func(r reply) bool { return r.status == 200 && ewsClassOf(r) == "Success" },
		refusalKind: func(r reply) string {
			code := ""
			if c := payloadChild(r, MessagesNamespace, "ResponseCode"); c != nil {
				code = c.Text
			}
			if r.isFault() && bytes.Contains(r.body, []byte("ErrorInvalidPhoneCallId")) {
				code = "fault ErrorInvalidPhoneCallId"
			}
			return http.StatusText(r.status) + " " + ewsClassOf(r) + " " + code
		},
	}
	return []authAPI{um, ews}
}

// runAuth probes A1-A5 on both APIs, with alice's call and bob's questions about it.
func (p *probe) runAuth() {
	h, err := newHandler(Options{Profile: p.profile, Step: testStep, Now: newClock(testStep).Now, Users: probeUsers})
	if err != nil {
		p.t.Fatal(err)
	}
	c := newClient(p.t, h)
	c.timeout = probeTimeout
	alice, bob := basicHeader("alice", probeUsers["alice"]), basicHeader("bob", probeUsers["bob"])
	wrong := basicHeader("alice", "not-alice-secret")
	// A refusal of credentials is 401 with a challenge, or 403.
	challenged := func(r reply) bool {
		return r.status == http.StatusForbidden ||
			(r.status == http.StatusUnauthorized && strings.HasPrefix(r.hdr.Get("WWW-Authenticate"), "Basic "))
	}
	for _, api := range authAPIs() {
		post := func(hdr map[string]string, body string) reply {
			return c.do(http.MethodPost, api.path, "text/xml; charset=utf-8", []byte(body), hdr)
		}
		id := api.callID(post(alice, api.place("")))
		if id == "" {
			continue // nothing to ask about: the unauthenticated probe judges why
		}
		post(alice, api.info(id)) // ready: the L1 profile refuses a call's first question
		for _, who := range []struct {
			hdr map[string]string
			req string
		}{{nil, "A1"}, {wrong, "A2"}} {
			if r := post(who.hdr, api.info(id)); api.served(r) {
				p.broken[who.req] = true
			} else if !challenged(r) {
				p.broken["A3"] = true
			}
		}
		if r := post(nil, api.place("")); api.served(r) {
			p.broken["A1"] = true
			post(alice, api.disc(api.callID(r)))
		} else if !challenged(r) {
			p.broken["A3"] = true
		}
		// Bob's answers about alice's call must be his answers about a call that never was
		// (a profile that serves those breaks C1, L6, E5 or E13, and A4 and A5 say nothing).
		// How the call reads afterwards is S1's and S2's business: it must not be ended.
		live := func(r reply) bool {
			return r.status == 200 && !bytes.Contains(r.body, []byte(">"+StateDisconnected+"<")) &&
				!bytes.Contains(r.body, []byte("Fault>")) && !bytes.Contains(r.body, []byte(`ResponseClass="Error"`))
		}
		if r, none := post(bob, api.info(id)), post(bob, api.info(foreignCallID())); !api.served(none) &&
			(api.served(r) || api.refusalKind(r) != api.refusalKind(none)) {
			p.broken["A4"] = true
		}
		r, none := post(bob, api.disc(id)), post(bob, api.disc(foreignCallID()))
		if !api.served(none) && (api.served(r) || api.refusalKind(r) != api.refusalKind(none) || !live(post(alice, api.info(id)))) {
			p.broken["A5"] = true
		}
		post(alice, api.disc(id))
	}
}

func TestAuthModeRefusesAndHidesCalls(t *testing.T) {
	h, err := newHandler(Options{Step: testStep, Now: newClock(testStep).Now, Users: probeUsers})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, h)
	r := c.do(http.MethodPost, LegacyPath, "text/xml", []byte(playReq(DefaultEntryID, DefaultDialString)), nil)
	if r.status != 401 || r.hdr.Get("WWW-Authenticate") != `Basic realm="`+Realm+`", charset="UTF-8"` {
		t.Fatalf("no credentials: HTTP %d, WWW-Authenticate %q; want 401 with a Basic challenge", r.status, r.hdr.Get("WWW-Authenticate"))
	}
	if r := c.do(http.MethodGet, LegacyPath+"?wsdl", "", nil, nil); r.status != 401 {
		t.Errorf("GET ?wsdl without credentials: HTTP %d, want 401", r.status)
	}
	r = c.do(http.MethodPost, LegacyPath, "text/xml", []byte(playReq(DefaultEntryID, DefaultDialString)), basicHeader("alice", probeUsers["alice"]))
	id := r.callID()
	if id == "" {
		t.Fatalf("alice cannot place a call: HTTP %d %s", r.status, r.body)
	}
	if r := c.do(http.MethodPost, LegacyPath, "text/xml", []byte(infoReq(id)), basicHeader("bob", probeUsers["bob"])); r.exception() != excInvalidCallID {
		t.Errorf("bob asking about alice's call: HTTP %d %s; want the InvalidCallId fault", r.status, r.body)
	}
	if _, _, ok := c.do(http.MethodPost, LegacyPath, "text/xml", []byte(infoReq(id)), basicHeader("alice", probeUsers["alice"])).callInfo(); !ok {
		t.Errorf("alice cannot ask about her own call")
	}
}

func TestLoadUsers(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "users")
	if err := os.WriteFile(good, []byte("# test users\nalice:pa:ss\r\n\nbob:x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	users, err := LoadUsers(good)
	if err != nil || len(users) != 2 || users["alice"] != "pa:ss" || users["bob"] != "x" {
		t.Fatalf("LoadUsers = %v, %v", users, err)
	}
	for name, content := range map[string]string{"no-colon": "alice\n", "empty-password": "alice:\n", "twice": "a:1\na:2\n", "empty": "# none\n"} {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(content+"bob:topsecret-"+name+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if name == "empty" {
			os.WriteFile(f, []byte(content), 0o600)
		}
		_, err := LoadUsers(f)
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("%s: the error quotes a password: %v", name, err)
		}
	}
}
