// Package reference is an in-process Exchange Unified Messaging web service (PlayOnPhone,
// GetCallInfo, Disconnect) with a scripted call engine and named broken profiles.
//
// # Why it exists
//
// The harness needs a target on machines where no Exchange server exists, and it must prove
// every check against a server that breaks exactly that check's rule. The correct profile
// ("exchange", alias "default") follows docs/PROTOCOL.md and Exchange 2013's wire
// form; every other profile is either a legal variant a correct harness must accept, or breaks
// one requirement of the catalogue (see Profiles).
//
// # Two APIs, one mechanism
//
// The server answers the UM web service and its EWS twin (EWS's PlayOnPhone,
// GetPhoneCallInformation and DisconnectPhoneCall) with one mechanism: the transport rules
// (server.go), the SOAP dispatch, refusals and GET answers (endpoint.go), the envelope and
// Fault writer (render.go), the WSDL writer (wsdl.go) and the call engine (engine.go). What
// differs between the APIs is an endpoint value each (umAPI in um.go, ewsAPI in ews.go): its
// paths, its operations table, the checks it makes before running an operation, the form
// of its envelope, the robustness knobs broken at it alone and its WSDL data.
//
// # DialString convention
//
// A DialString is an optional "+" followed by 2 to 32 ASCII digits; anything else is
// undialable and answered with a DialingRulesException fault. The last two digits choose the
// scenario; each phase lasts Options.Step (default 100ms) of the Options.Now clock, and the last
// phase holds until Disconnect or expiry:
//
//	…00 answered:     Connecting, Alerted×2, Connected (holds)
//	…01 busy:         Connecting, Disconnected/UserBusy
//	…02 no answer:    Connecting, Alerted×3, Disconnected/NoAnswer
//	…03 unavailable:  Connecting, Disconnected/Unavailable
//	…04 transferred:  Connecting, Alerted, Connected×2, Transferring×2, Disconnected/None
//	…05 forwarded:    Connecting, Alerted, Connected×2, Forwarding×2, Disconnected/None
//	…06 other:        Connecting, Alerted, Disconnected/Other
//	…07 remote hang-up: Connecting, Alerted, Connected×3, Disconnected/None
//	…08 inbound:      Incoming×2, Connected (holds)
//	…09 queued:       Idle (holds)
//	…10 to …99:       as …00
//
// EventCause is None whenever CallState is not Disconnected. Scenario 08 reports Incoming, which
// an outbound call should never do (L4, SHOULD): it exists only so that the value can be
// produced; the runner's DefaultDialString uses scenario 00.
//
// # Disconnect and memory
//
// Disconnect of a known call succeeds (again, if repeated); afterwards GetCallInfo answers
// Disconnected with EventCause None, or with the scheduled cause when the call had already
// ended by itself. The call is remembered until CallTTL after its creation (default 10 minutes)
// and then forgotten: GetCallInfo answers InvalidCallIdException. At most MaxCalls calls are
// remembered (default 10000). When the table is full, PlayOnPhone forgets the oldest call that
// has ended (by Disconnect or by its schedule) to make room; only when all MaxCalls are still
// in progress is it answered with an OverPlayOnPhoneCallLimitException fault. So the cap is
// on calls in progress, as Exchange's is, and memory stays bounded however many calls a
// client places and ends within CallTTL.
package reference
