package reference

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The EWS half of the probe: a miniature of the harness's E checks, independent of it.

func ewsEnv(version, inner string) string {
	hdr := ""
	if version != "" {
		hdr = `<soap:Header><t:RequestServerVersion Version="` + version + `"/></soap:Header>`
	}
	return `<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<soap:Envelope xmlns:soap="` + SOAP11Namespace +
		`" xmlns:m="` + MessagesNamespace + `" xmlns:t="` + TypesNamespace + `">` + hdr + `<soap:Body>` + inner + `</soap:Body></soap:Envelope>`
}

func ewsPlayReq(item, dial string) string {
	return ewsEnv("Exchange2013", `<m:PlayOnPhone><m:ItemId Id="`+esc(item)+`"/><m:DialString>`+esc(dial)+`</m:DialString></m:PlayOnPhone>`)
}

func ewsIDReq(op, version, id string) string {
	return ewsEnv(version, `<m:`+op+`><m:PhoneCallId Id="`+esc(id)+`"/></m:`+op+`>`)
}

func ewsInfoReq(id string) string { return ewsIDReq("GetPhoneCallInformation", "Exchange2013", id) }
func ewsDiscReq(id string) string { return ewsIDReq("DisconnectPhoneCall", "Exchange2013", id) }

func (n *node) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// ewsSend posts to the EWS endpoint and applies what holds for every EWS answer: the
// transport (T1-T3, S6, X5), the frame (E1, E2) and the header (E6). It returns the
// ResponseClass ("" for a Fault or no SOAP message).
func (p *probe) ewsSend(op, body string) (reply, string) {
	c := *p.c
	c.path = EWSPath
	r := c.post(body)
	p.judge(r)
	if r.env == nil || r.isFault() || r.status != 200 {
		return r, ""
	}
	if r.env.child(SOAP11Namespace, "Header") == nil || r.env.child(SOAP11Namespace, "Header").child(TypesNamespace, "ServerVersionInfo") == nil {
		p.broken["E6"] = true
	}
	class, _ := r.payload.attr("ResponseClass")
	if r.payload.XMLName != (xml.Name{Space: MessagesNamespace, Local: op + "Response"}) || !slices.Contains([]string{"Success", "Warning", "Error"}, class) {
		p.broken["E1"] = true
		return r, ""
	}
	code, text := r.payload.child(MessagesNamespace, "ResponseCode"), r.payload.child(MessagesNamespace, "MessageText")
	switch {
	case class == "Success" && (code == nil || code.Text != "NoError"):
		p.broken["E2"] = true
	case class == "Error" && (code == nil || !strings.HasPrefix(code.Text, "Error") || text == nil || text.Text == ""):
		p.broken["E2"] = true
	}
	return r, class
}

// ewsPlace places a call with EWS PlayOnPhone and returns its PhoneCallId (E4).
func (p *probe) ewsPlace(dial string) string {
	r, class := p.ewsSend("PlayOnPhone", ewsPlayReq(DefaultEntryID, dial))
	var id string
	if pc := payloadChild(r, MessagesNamespace, "PhoneCallId"); pc != nil {
		id, _ = pc.attr("Id")
	}
	if r.env != nil && (class != "Success" || id == "") { // no envelope is T1's failure
		p.broken["E4"] = true
	}
	return id
}

func payloadChild(r reply, space, local string) *node {
	if r.payload == nil {
		return nil
	}
	return r.payload.child(space, local)
}

// ewsInfo asks GetPhoneCallInformation; ok only for a valid success (E1, E3, E9 recorded).
func (p *probe) ewsInfo(id string) (state string, r reply, class string, ok bool) {
	r, class = p.ewsSend("GetPhoneCallInformation", ewsInfoReq(id))
	if class != "Success" {
		return "", r, class, false
	}
	info := payloadChild(r, MessagesNamespace, "PhoneCallInformation")
	if info == nil || len(info.Kids) < 2 || info.Kids[0].XMLName != (xml.Name{Space: TypesNamespace, Local: "PhoneCallState"}) ||
		info.Kids[1].XMLName != (xml.Name{Space: TypesNamespace, Local: "ConnectionFailureCause"}) {
		p.broken["E1"] = true
		return "", r, class, false
	}
	state, cause := info.Kids[0].Text, info.Kids[1].Text
	if !slices.Contains(validStates, state) || !slices.Contains(validCauses, cause) {
		p.broken["E3"] = true
		return "", r, class, false
	}
	if state != StateDisconnected && cause != CauseNone {
		p.broken["E9"] = true
	}
	return state, r, class, true
}

// ewsRefused: a Fault, a 4xx or ResponseClass Error, never Success.
func ewsRefused(r reply, class string) bool { return refused(r) || class == "Error" }

func (p *probe) runEWS() {
	// E8, E4: a fresh PhoneCallId is accepted at once.
	id := p.ewsPlace(DefaultDialString)
	if id == "" {
		return
	}
	if _, r, class, ok := p.ewsInfo(id); !ok && class != "Success" { // an invalid Success is E1's or E3's
		if ewsRefused(r, class) {
			p.broken["E8"] = true
		} else {
			p.broken["E4"] = true
		}
	}

	// E5: unknown, empty or missing PhoneCallId.
	for _, bad := range []string{ewsInfoReq(foreignCallID()), ewsInfoReq(""),
		ewsEnv("Exchange2013", `<m:GetPhoneCallInformation><m:PhoneCallId/></m:GetPhoneCallInformation>`),
		ewsEnv("Exchange2013", `<m:GetPhoneCallInformation/>`)} {
		if r, class := p.ewsSend("GetPhoneCallInformation", bad); !ewsRefused(r, class) {
			p.broken["E5"] = true
		}
	}

	// E7: a version ExchangeVersionType does not list.
	if r, class := p.ewsSend("GetPhoneCallInformation", ewsIDReq("GetPhoneCallInformation", "Exchange2099", id)); !ewsRefused(r, class) {
		p.broken["E7"] = true
	}

	// E11 (and E9, E3 along the way): every outbound scenario moves forwards only.
	for _, s := range Scenarios() {
		if s.Suffix == "08" {
			continue // inbound on purpose
		}
		cid := p.ewsPlace(s.DialString)
		last := -1
		for range 12 {
			st, _, _, ok := p.ewsInfo(cid)
			if !ok {
				break
			}
			if st == StateIncoming || stateRank[st] < last {
				p.broken["E11"] = true
			}
			last = max(last, stateRank[st])
		}
	}

	// E10: once Disconnected, always Disconnected.
	busy := p.ewsPlace("+15550101")
	seen := false
	for range 8 {
		st, _, _, ok := p.ewsInfo(busy)
		if !ok {
			break
		}
		if seen && st != StateDisconnected {
			p.broken["E10"] = true
		}
		seen = seen || st == StateDisconnected
	}

	// E12, E4: after DisconnectPhoneCall, Disconnected or an error.
	live := p.ewsPlace(DefaultDialString)
	p.ewsInfo(live)
	if _, class := p.ewsSend("DisconnectPhoneCall", ewsDiscReq(live)); class != "Success" {
		p.broken["E4"] = true
	}
	for range 3 {
		if st, r, class, ok := p.ewsInfo(live); (ok && st != StateDisconnected) || (!ok && class != "Success" && !ewsRefused(r, class)) {
			p.broken["E12"] = true
		}
	}

	// E13: DisconnectPhoneCall of an unknown or missing PhoneCallId.
	for _, bad := range []string{ewsDiscReq(foreignCallID()), ewsEnv("Exchange2013", `<m:DisconnectPhoneCall><m:PhoneCallId/></m:DisconnectPhoneCall>`)} {
		if r, class := p.ewsSend("DisconnectPhoneCall", bad); !ewsRefused(r, class) {
			p.broken["E13"] = true
		}
	}

	// E14: a call the UM service placed, asked about through EWS, tells the same story:
	// after the UM Disconnect it is Disconnected or unknown here too.
	um := p.ready(DefaultDialString)
	if st, _, _, ok := p.ewsInfo(um); !ok || st != StateConnected {
		return // not shared (or E's own failures, judged above)
	}
	p.send(discReq(um))
	if st, r, class, ok := p.ewsInfo(um); (ok && st != StateDisconnected) || (!ok && class != "Success" && !ewsRefused(r, class)) {
		p.broken["E14"] = true
	}
}

// unknownItemID is a well-formed ItemId that names no item of the mailbox.
const unknownItemID = "AAMkAHVtY29uZm9ybS1uby1zdWNoLXZvaWNlLW1haWwtaXRlbQA="

// runEWSScenarios is the probe of the EWS scenarios the UM side has too: refused input
// (E19, E20), unknown and malformed ids (E15, E16), two calls at once (E17, E18) and the
// hostile requests (X1-X4), each sent to the EWS endpoint.
func (p *probe) runEWSScenarios() {
	// E19, E20: PlayOnPhone's input errors, each with the code that names it.
	for _, c := range []struct {
		item, dial string
		codes      []string
	}{
		{"not an id", DefaultDialString, []string{"ErrorInvalidIdMalformed"}},
		{unknownItemID, DefaultDialString, []string{"ErrorItemNotFound", "ErrorInvalidIdMalformed"}},
		{DefaultEntryID, "dial me", []string{"ErrorPhoneNumberNotDialable", "ErrorInvalidPhoneNumber"}},
		{DefaultEntryID, "", []string{"ErrorInvalidPhoneNumber", "ErrorPhoneNumberNotDialable"}},
	} {
		r, class := p.ewsSend("PlayOnPhone", ewsPlayReq(c.item, c.dial))
		switch {
		case r.timedOut || r.env == nil:
		case !ewsRefused(r, class):
			p.broken["E19"] = true
		case class != "Error" || !slices.Contains(c.codes, payloadChild(r, MessagesNamespace, "ResponseCode").Text):
			p.broken["E20"] = true
		}
	}

	// E15, E16: a PhoneCallId that names no call is an Error response, not a Fault.
	for _, id := range []string{foreignCallID(), "", "%%% not an id"} {
		if r, class := p.ewsSend("GetPhoneCallInformation", ewsInfoReq(id)); !r.timedOut && r.env != nil && (class != "Error" ||
			payloadChild(r, MessagesNamespace, "ResponseCode").Text != "ErrorInvalidPhoneCallId") {
			p.broken["E15"] = true
		}
		if r, class := p.ewsSend("DisconnectPhoneCall", ewsDiscReq(id)); !r.timedOut && r.env != nil && id != "" && (class != "Error" ||
			payloadChild(r, MessagesNamespace, "ResponseCode").Text != "ErrorInvalidPhoneCallId") {
			p.broken["E16"] = true
		}
	}

	// E17, E18: two live EWS calls to one number are told apart.
	a, b := p.ewsPlace(DefaultDialString), p.ewsPlace(DefaultDialString)
	p.ewsInfo(a)
	p.ewsInfo(b)
	if a != "" && a == b {
		p.broken["E17"] = true
	}
	if a != "" && b != "" {
		p.ewsSend("DisconnectPhoneCall", ewsDiscReq(a))
		if st, r, class, ok := p.ewsInfo(a); (ok && st != StateDisconnected) || (!ok && class != "Error" && refused(r)) {
			p.broken["E18"] = true
		}
		if st, r, class, ok := p.ewsInfo(b); (ok && st == StateDisconnected) || (!ok && ewsRefused(r, class)) {
			p.broken["E18"] = true
		}
		p.ewsSend("DisconnectPhoneCall", ewsDiscReq(b))
	}

	// X1: an external entity in a PhoneCallId's text is never expanded into the answer.
	canary := filepath.Join(p.t.TempDir(), "umconform-canary-ews.txt")
	if err := os.WriteFile(canary, []byte("CANARY-ews-7f3a"), 0o600); err != nil {
		p.t.Fatal(err)
	}
	xxe := `<?xml version="1.0" encoding="utf-8"?><!DOCTYPE soap:Envelope [<!ENTITY e SYSTEM "file://` + canary + `">]>` +
		strings.TrimPrefix(ewsEnv("Exchange2013", `<m:GetPhoneCallInformation><m:PhoneCallId Id="x">&e;</m:PhoneCallId></m:GetPhoneCallInformation>`), `<?xml version="1.0" encoding="utf-8"?>`+"\n")
	c := *p.c
	c.path = EWSPath
	if r := c.post(xxe); strings.Contains(string(r.body), "CANARY-ews-7f3a") {
		p.broken["X1"] = true
	}
	if fetched(p.t, func(u string) { c.post(strings.Replace(xxe, "file://"+canary, u, 1)) }) {
		p.broken["X1"] = true
	}

	// X2: an entity bomb is refused within the timeout.
	bomb := `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` +
		strings.TrimPrefix(ewsEnv("Exchange2013", `<m:GetPhoneCallInformation><m:PhoneCallId Id="&b;"/></m:GetPhoneCallInformation>`), `<?xml version="1.0" encoding="utf-8"?>`+"\n")
	if r := c.post(bomb); r.timedOut {
		p.broken["X2"] = true
		p.broken["X5"] = true
	}

	// X3: after a malformed request, a live EWS call is still answered.
	live := p.ewsPlace(DefaultDialString)
	p.ewsInfo(live)
	c.post(`<soap:Envelope><broken`)
	if _, r, class, ok := p.ewsInfo(live); live != "" && r.env != nil && !ok && class != "Success" {
		p.broken["X3"] = true
	}

	// X4: an EWS request over the size cap is refused without hanging. Just over the cap,
	// not the harness's 10 MiB: the probe runs for every profile, under the race detector.
	big := strings.Replace(ewsInfoReq(live), "<soap:Body>", "<soap:Body><!--"+strings.Repeat("x", DefaultMaxRequestBytes)+"-->", 1)
	c.timeout = 20 * time.Second
	if r := c.post(big); !refused(r) {
		p.broken["X4"] = true
	}
	p.ewsSend("DisconnectPhoneCall", ewsDiscReq(live))
}
