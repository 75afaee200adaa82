package schema

import "github.com/umconform/umconform/api"

// Auto validates each document against the schema of the API its message belongs to:
// For(Auto) compiles both schemas and tells the API from the message itself (api.Detect).
const Auto API = "auto"

// clues are what a parsed message shows of its API (api.Detect): its operation or response
// in the messages namespace; and EWS's marks: a SOAP header block of the types namespace
// (RequestServerVersion, ServerVersionInfo, ExchangeImpersonation), which the UM web
// service never uses, or a PlayOnPhone naming its item with ItemId (UM says entryId), or
// its response carrying a PhoneCallId, a ResponseCode or EWS's ResponseClass.
func (r Result) clues() api.Clues {
	c := api.Clues{EWSMarks: func() bool {
		for _, h := range r.HeaderBlocks {
			if len(h) > len(TypesNamespace)+2 && h[1:1+len(TypesNamespace)] == TypesNamespace {
				return true
			}
		}
		if r.Namespace != MessagesNamespace || r.Message != "PlayOnPhone" && r.Message != "PlayOnPhoneResponse" {
			return false
		}
		for _, f := range r.Fields {
			if f.Name == "ItemId" || f.Name == "PhoneCallId" || f.Name == "ResponseCode" {
				return true
			}
		}
		for _, a := range r.Attrs {
			if a.Name == "ResponseClass" || a.Element == "ItemId" || a.Element == "PhoneCallId" {
				return true
			}
		}
		return false
	}}
	if r.Namespace == MessagesNamespace {
		c.Operation = r.Message
	}
	return c
}
