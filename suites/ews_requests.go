package suites

import (
	"bytes"
	"encoding/base64"
	"fmt"

	"github.com/umconform/umconform/fixtures"
)

// The EWS requests the scenarios build rather than replay: the hostile ones (X1, X2, X4)
// and the refused input (E15, E16, E19, E20). They are written as the documented requests
// are (Microsoft Learn's examples: m:, t: and soap: declared on the Envelope, a
// RequestServerVersion header), so that they differ from a documented request only in what
// they are built to test.

// ewsPlaceholderID is the PhoneCallId Id of the built-in requests that the live call's
// replaces, as fixtures bind theirs.
const ewsPlaceholderID = "UMCONFORM-LIVE-PHONECALLID"

// ewsRequestEnvelope wraps a Body child in the documented EWS request envelope.
func ewsRequestEnvelope(op string) string {
	return `<soap:Envelope xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
               xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"
               xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header>
    <t:RequestServerVersion Version="Exchange2010" />
  </soap:Header>
  <soap:Body>
    ` + op + `
  </soap:Body>
`
}

// ewsWireRequest frames body as the documented EWS requests are framed.
func ewsWireRequest(id, op string, outcome fixtures.Outcome, body []byte) fixtures.Fixture {
	var raw bytes.Buffer
	raw.Grow(len(body) + 256)
	fmt.Fprintf(&raw, "POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: mail.contoso.com\r\nContent-Type: text/xml; charset=utf-8\r\n"+
		"SOAPAction: \"http://schemas.microsoft.com/exchange/services/2006/messages/%s\"\r\nContent-Length: %d\r\n\r\n", op, len(body))
	raw.Write(body)
	return fixtures.Fixture{ID: id, Title: id, Expect: fixtures.Expect{Outcome: outcome}, Request: raw.Bytes()}
}

// ewsProbeRequest is a GetPhoneCallInformation whose PhoneCallId holds payload as text,
// after prolog. EWS's schema gives PhoneCallId no text, so a server refuses it; one that
// expands entities and quotes what it refused shows the expansion.
func ewsProbeRequest(id, prolog, payload string) fixtures.Fixture {
	body := `<?xml version="1.0" encoding="utf-8"?>
` + prolog + ewsRequestEnvelope(`<m:GetPhoneCallInformation>
      <m:PhoneCallId Id="UMCONFORM-PROBE">`+payload+`</m:PhoneCallId>
    </m:GetPhoneCallInformation>`) + "</soap:Envelope>\n"
	return ewsWireRequest(id, "GetPhoneCallInformation", fixtures.Rejected, []byte(body))
}

// ewsXXERequest is X1's GetPhoneCallInformation: an external entity naming uri, referred
// to where an EWS server reads text and may quote it in an error: the DateTimePrecision
// header, an enumeration whose wrong value a schema error names, and PhoneCallId's text. An
// Id attribute cannot hold it: XML forbids external entities in attribute values.
func ewsXXERequest(id, uri string) fixtures.Fixture {
	body := `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE soap:Envelope [
  <!ENTITY xxe SYSTEM "` + uri + `">
]>
<soap:Envelope xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
               xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"
               xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header>
    <t:RequestServerVersion Version="Exchange2010" />
    <t:DateTimePrecision>&xxe;</t:DateTimePrecision>
  </soap:Header>
  <soap:Body>
    <m:GetPhoneCallInformation>
      <m:PhoneCallId Id="UMCONFORM-PROBE">&xxe;</m:PhoneCallId>
    </m:GetPhoneCallInformation>
  </soap:Body>
</soap:Envelope>
`
	return ewsWireRequest(id, "GetPhoneCallInformation", fixtures.Rejected, []byte(body))
}

// ewsPaddedRequest is a GetPhoneCallInformation about the live call padded to n bytes with
// a comment after the Body, so that only its size can be the reason to refuse it.
func ewsPaddedRequest(id string, n int) fixtures.Fixture {
	head := `<?xml version="1.0" encoding="utf-8"?>
` + ewsRequestEnvelope(`<m:GetPhoneCallInformation>
      <m:PhoneCallId Id="`+ewsPlaceholderID+`"/>
    </m:GetPhoneCallInformation>`) + "  <!-- "
	f := ewsWireRequest(id, "GetPhoneCallInformation", fixtures.Rejected, padded(head, n))
	f.BindPhoneCallID = ewsPlaceholderID
	return f
}

// ewsPlayRequest is an EWS PlayOnPhone of item to dial; the run's values replace the
// placeholders the fixture binds.
func ewsPlayRequest(id, item, dial string) fixtures.Fixture {
	body := `<?xml version="1.0" encoding="utf-8"?>
` + ewsRequestEnvelope(`<m:PlayOnPhone>
      <m:ItemId Id="`+item+`"/>
      <m:DialString>`+dial+`</m:DialString>
    </m:PlayOnPhone>`) + "</soap:Envelope>\n"
	return ewsWireRequest(id, "PlayOnPhone", fixtures.Error, []byte(body))
}

// ewsIDRequest is an EWS GetPhoneCallInformation or DisconnectPhoneCall about phoneCallID.
func ewsIDRequest(id, op, phoneCallID string) fixtures.Fixture {
	body := `<?xml version="1.0" encoding="utf-8"?>
` + ewsRequestEnvelope(`<m:`+op+`>
      <m:PhoneCallId Id="`+phoneCallID+`"/>
    </m:`+op+`>`) + "</soap:Envelope>\n"
	return ewsWireRequest(id, op, fixtures.Error, []byte(body))
}

// unknownItemID is an ItemId shaped like entryID that names no item: entryID's bytes with
// the middle one changed. On Exchange it keeps the mailbox part of a real id, so that only
// the item is wrong.
func unknownItemID(entryID string) string {
	b, err := base64.StdEncoding.DecodeString(entryID)
	if err != nil || len(b) < 8 {
		b = []byte("\x00\x03\x24\x00umconform-no-such-voice-mail-item\x00")
	}
	b[len(b)/2] ^= 0xA5
	return base64.StdEncoding.EncodeToString(b)
}

// ewsRefusals are the EWS requests that must be refused: PlayOnPhone with input it cannot
// play (E19, E20) and questions about ids that name no call (E15, E16). Each of the three
// PlayOnPhone requests counts against the call budget.
func (e *Env) ewsRefusals() []refusal {
	const dialToken, itemToken = "UMCONFORM-DIAL-STRING", "UMCONFORM-ITEM-ID"
	// The run's own number and item replace the placeholders, so that only the input
	// under test is wrong.
	bind := func(f fixtures.Fixture, item bool) fixtures.Fixture {
		if item {
			f.BindEntryID = itemToken
		} else {
			f.BindDialString = dialToken
		}
		return f
	}
	malformed := "%%% not an id %%%"
	return []refusal{
		{f: bind(ewsPlayRequest("ews-pop-itemid-malformed", "not an item id", dialToken), false), places: true,
			title: "EWS PlayOnPhone with an ItemId that is not an item id", ids: []string{"E19", "E20", "E1", "E2"},
			codes: []string{"ErrorInvalidIdMalformed"}},
		{f: bind(ewsPlayRequest("ews-pop-itemid-unknown", unknownItemID(e.cfg.EntryID), dialToken), false), places: true,
			title: "EWS PlayOnPhone with a well-formed ItemId that names no item (the run's item id with one byte changed)", ids: []string{"E19", "E20", "E1", "E2"},
			codes: []string{"ErrorItemNotFound", "ErrorInvalidIdMalformed"}},
		// An empty DialString, not one of letters: EWS documents the element as required
		// and not empty, and a server that checks only that every character is a digit
		// accepts it (none is none), while one that checks nothing places a call for both.
		// The letters are the UM corpus's (pop-undialable). One DialString request keeps
		// EWS within 8 PlayOnPhone requests in a default run: docs/USING.md, "Calls placed".
		{f: bind(ewsPlayRequest("ews-pop-dialstring-empty", itemToken, ""), true), places: true,
			title: "EWS PlayOnPhone with an empty DialString (the element is required and may not be empty)", ids: []string{"E19", "E20", "E1", "E2"},
			codes: []string{"ErrorInvalidPhoneNumber", "ErrorPhoneNumberNotDialable"}},
		{f: ewsIDRequest("ews-gpci-id-malformed", "GetPhoneCallInformation", malformed),
			title: "GetPhoneCallInformation with a PhoneCallId that is not Base64", ids: []string{"E15", "E5", "E1", "E2"},
			codes: []string{codeUnknownCall}},
		{f: ewsIDRequest("ews-dpc-id-malformed", "DisconnectPhoneCall", malformed),
			title: "DisconnectPhoneCall with a PhoneCallId that is not Base64", ids: []string{"E16", "E13", "E1", "E2"},
			codes: []string{codeUnknownCall}},
	}
}
