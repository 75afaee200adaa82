// Package api names the two web services of an Exchange server's phone calls that
// umconform checks, and tells which one a message belongs to. It is the one spelling of
// "which API" that the schema, the fixtures and the suites share.
package api

import "strings"

// API is one of the two web services.
type API string

// The two APIs.
const (
	// UM is the Unified Messaging web service (GetCallInfo, PlayOnPhone, Disconnect) at
	// /EWS/UM2007Legacy.asmx (Exchange 2010 and later) or /UnifiedMessaging/Service.asmx
	// (Exchange 2007).
	UM API = "um"
	// EWS is Exchange Web Services' phone-call operations (PlayOnPhone,
	// GetPhoneCallInformation, DisconnectPhoneCall) at /EWS/Exchange.asmx.
	EWS API = "ews"
)

// Name is the API's name in messages and titles: UM, EWS.
func (a API) Name() string { return strings.ToUpper(string(a)) }

// Label is the Ginkgo label of the API's checks: api:um, api:ews.
func (a API) Label() string { return "api:" + string(a) }

// Clues are what a message shows of the API it belongs to.
type Clues struct {
	// Operation is the Body's first child in the messages namespace (a request or a
	// response), "" when unknown.
	Operation string
	// Path is the endpoint path a request was sent to, "" when unknown.
	Path string
	// EWSMarks tells whether the message has what only EWS's have: a SOAP header block of
	// the EWS types namespace (RequestServerVersion, ServerVersionInfo,
	// ExchangeImpersonation, ...), an ItemId (the UM PlayOnPhone says entryId), a
	// PhoneCallId, a ResponseClass or a ResponseCode. Asked only when nothing before
	// decides (it may cost a scan of the message); nil is none.
	EWSMarks func() bool
}

// Detect tells which API a message belongs to, so that nobody has to say it: first by an
// operation only one API has (GetPhoneCallInformation and DisconnectPhoneCall and their
// responses are EWS's, GetCallInfo and Disconnect and theirs the UM web service's); then by
// the documented endpoint a request was sent to (a negative, or a PlayOnPhone, replays
// against the endpoint it was recorded at); then by a mark only EWS messages carry. What
// none of them tells (a UM fault, a message of neither API) is UM, as before there were two
// APIs.
func Detect(c Clues) API {
	switch strings.TrimSuffix(c.Operation, "Response") {
	case "GetPhoneCallInformation", "DisconnectPhoneCall":
		return EWS
	case "GetCallInfo", "Disconnect":
		return UM
	}
	p := strings.ToLower(c.Path)
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	switch {
	case strings.HasSuffix(p, "/ews/exchange.asmx"):
		return EWS
	case strings.HasSuffix(p, "/ews/um2007legacy.asmx"), strings.HasSuffix(p, "/unifiedmessaging/service.asmx"):
		return UM
	}
	if c.EWSMarks != nil && c.EWSMarks() {
		return EWS
	}
	return UM
}
