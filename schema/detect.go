package schema

// Auto validates each document against the schema of the API its message belongs to:
// For(Auto) compiles both schemas and tells the API from the message itself (DetectAPI).
const Auto API = "auto"

// EWS-only and UM-only message names. PlayOnPhone and PlayOnPhoneResponse belong to both
// APIs (in the same namespace, with different content) and a Fault to either.
var (
	ewsMessages = map[string]bool{
		"GetPhoneCallInformation": true, "GetPhoneCallInformationResponse": true,
		"DisconnectPhoneCall": true, "DisconnectPhoneCallResponse": true,
	}
	umMessages = map[string]bool{
		"GetCallInfo": true, "GetCallInfoResponse": true, "Disconnect": true, "DisconnectResponse": true,
	}
)

// DetectAPI tells which API a parsed message belongs to, from what the message itself
// says, so that nobody has to name it: an EWS-only operation or response; an EWS SOAP
// header block (RequestServerVersion, ServerVersionInfo, ExchangeImpersonation: all in
// the types namespace, which the UM web service never uses); a PlayOnPhone naming its item
// with ItemId (UM says entryId); a response carrying EWS's ResponseClass. Everything else,
// UM faults and messages of neither API included, is judged as UM, as before there were
// two schemas.
func DetectAPI(r Result) API {
	if r.Namespace == MessagesNamespace && ewsMessages[r.Message] {
		return EWS
	}
	if r.Namespace == MessagesNamespace && umMessages[r.Message] {
		return UM
	}
	for _, h := range r.HeaderBlocks {
		if len(h) > len(TypesNamespace)+2 && h[1:1+len(TypesNamespace)] == TypesNamespace {
			return EWS
		}
	}
	if r.Namespace == MessagesNamespace && (r.Message == "PlayOnPhone" || r.Message == "PlayOnPhoneResponse") {
		for _, f := range r.Fields {
			if f.Name == "ItemId" || f.Name == "PhoneCallId" || f.Name == "ResponseCode" {
				return EWS
			}
		}
		for _, a := range r.Attrs {
			if a.Name == "ResponseClass" || a.Element == "ItemId" || a.Element == "PhoneCallId" {
				return EWS
			}
		}
	}
	return UM
}
