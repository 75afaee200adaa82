package reference

import (
	"fmt"
	"sort"
	"strings"
)

// Profile is a named server behaviour, chosen at start.
type Profile struct {
	Name string
	Doc  string
	// Breaks lists the catalogue IDs the profile violates on purpose; empty for a legal one.
	Breaks []string
	// Implied lists IDs a harness also sees violated because they cannot be broken apart: a
	// call seen Connected after Disconnected also moves backwards (L3 implies L4); a response
	// too slow for X2 is too slow for X5.
	Implied []string
	// Legal is true for the correct profile and the variants a correct harness must accept.
	Legal bool

	b behaviour
}

// behaviour holds every knob a profile can turn; the zero value is the correct server.
type behaviour struct {
	// legal variants
	envPrefix             string // prefix of the SOAP envelope namespace, "soap" by default
	msgPrefix             string // prefix of the messages namespace, "" = default namespace
	noXMLDecl             bool
	responseHeader        bool
	prefixedExceptionType bool
	contentType           string
	faultLang             string // xml:lang of every faultstring, as MS-OXWUMS prints its faults
	gzipOffered           bool   // gzip answers to requests that offer it (encoding.go)
	pol                   policy

	// broken, one requirement each
	malformedResponses       bool         // T1
	nulAfterEnvelope         bool         // T1
	gzipUnasked              bool         // T1
	faultStatus200           bool         // T3
	processingInstruction    bool         // T5
	doubleFault              bool         // T6
	truncateFaults           bool         // T7
	lengthAndChunked         bool         // T7
	doubleContentType        bool         // T8
	mediaType405             bool         // T8
	latin1Charset            bool         // T9
	xmlPrefixDeclared        bool         // T10
	acceptSOAP12             bool         // T4
	flatGetCallInfo          bool         // S1
	lowercaseStates          bool         // S2
	ringingStates            bool         // S2
	emptyCallID              bool         // S4
	disconnectNotEmpty       bool         // S5
	faultNoString            bool         // S6
	unknownCallIDSucceeds    bool         // C1
	wrongExceptionType       bool         // C2
	malformedCallIDSucceeds  bool         // C3
	ignoreNamespace          bool         // C4
	dispatchErrorsSucceed    bool         // C5
	badPlayOnPhoneSucceeds   bool         // P1
	genericPlayOnPhoneFault  bool         // P2
	disconnectUnknownSucceed bool         // L6
	disconnectWrongException bool         // L9
	hostile                  hostileKnobs // X1-X4 at both endpoints
	slowUnknownCallID        bool         // X5
	requireSoapPrefix        bool         // R1
	rejectBOM                bool         // R2

	ews ewsBehaviour // the EWS endpoint's (E1-E7, E13, E14): ews.go

	auth authBehaviour // the authentication mode's (A1-A5): auth.go
	gen  genBehaviour  // misbehaviour on request shapes no recording has (G1-G4): generated.go
	http httpBehaviour // the HTTP front's (H1, H2, T10's cookies): httpfront.go

	model modelBehaviour // the SOAP processing model's (T11, T12): soapmodel.go
}

// hostileKnobs break the robustness rules (X1-X4): the behaviour's hold at both endpoints,
// an endpoint's own (ewsBehaviour's) at that endpoint alone, so that the probes sent to each
// are shown to catch them.
type hostileKnobs struct {
	expandCanary         bool // X1: canary entities expanded (UM: rejected values echoed in faultstrings)
	fetchCanaryURL       bool // X1: canary URLs fetched and expanded, nothing echoed
	slowOnDoctype        bool // X2
	poisonAfterMalformed bool // X3: calls placed before a malformed request answer an error
	noSizeLimit          bool // X4
}

// or is the knobs in force at an endpoint: the behaviour's and the endpoint's own.
func (k hostileKnobs) or(own hostileKnobs) hostileKnobs {
	return hostileKnobs{
		expandCanary:         k.expandCanary || own.expandCanary,
		fetchCanaryURL:       k.fetchCanaryURL || own.fetchCanaryURL,
		slowOnDoctype:        k.slowOnDoctype || own.slowOnDoctype,
		poisonAfterMalformed: k.poisonAfterMalformed || own.poisonAfterMalformed,
		noSizeLimit:          k.noSizeLimit || own.noSizeLimit,
	}
}

// ProfileExchange is the correct profile: Exchange 2013's wire form and rules.
const ProfileExchange = "exchange"

func profileTable() []Profile {
	legal := func(name, doc string, b behaviour) Profile {
		return Profile{Name: name, Doc: doc, Legal: true, b: b}
	}
	broken := func(id, name, doc string, b behaviour, implied ...string) Profile {
		return Profile{Name: name, Doc: id + ": " + doc, Breaks: []string{id}, Implied: implied, b: b}
	}
	return []Profile{
		legal(ProfileExchange, "correct: Exchange 2013 wire form, CallId rules and all eight call states (alias \"default\")", behaviour{}),
		legal("legal-prefix-s", "envelope prefix s: instead of soap:, as WCF writes it", behaviour{envPrefix: "s"}),
		legal("legal-prefix-m", "messages elements written with an m: prefix instead of a default namespace", behaviour{msgPrefix: "m"}),
		legal("legal-no-xml-decl", "responses without an XML declaration", behaviour{noXMLDecl: true}),
		legal("legal-soap-header", "responses carry a SOAP Header with ServerVersionInfo, as EWS does", behaviour{responseHeader: true}),
		legal("legal-exchange2013-states", "only Connecting, Connected and Disconnected are reported, as Exchange 2013 does", behaviour{pol: policy{reducedStates: true}}),
		legal("legal-prefixed-exceptiontype", "fault detail ExceptionType written a:InvalidCallIdException, as MS-OXWUMS 2.2.3.1 words it", behaviour{prefixedExceptionType: true}),
		legal("legal-content-type-case", "responses labelled Text/XML;Charset=UTF-8 (media types compare case-insensitively)", behaviour{contentType: "Text/XML;Charset=UTF-8"}),
		legal("legal-fault-xml-lang", "every faultstring carries xml:lang=\"en-US\", as MS-OXWUMS 2.2.2.1 and 3.1.4.3 print Exchange's faults (WS-I BP 1.1 R1016 has receivers accept it)", behaviour{faultLang: "en-US"}),
		legal("legal-gzip", "SOAP answers are gzipped when the request offers gzip in Accept-Encoding (the replayed EWS and SoapUI requests offer gzip,deflate), as IIS compresses EWS answers", behaviour{gzipOffered: true}),
		legal("legal-ews-schema-error-response", "an EWS request the schema rejects is answered ResponseClass Error with ResponseCode ErrorSchemaValidation (HTTP 200) instead of a SOAP Fault", behaviour{gen: genBehaviour{ewsSchemaErrorResponse: true}}),
		legal("legal-envelope-refusals", "the SOAP envelope's refusals written otherwise: the MustUnderstand Fault names its faultactor and, in a header entry, the header not understood (SOAP 1.1 §4.4: header errors travel in header entries); an Envelope of no SOAP version is refused with a bare HTTP 400, as WCF refuses a message it cannot read (WS-I BP 1.1 R1125)", behaviour{model: modelBehaviour{mustUnderstandHeaderInfo: true, versionBadRequest: true}}),
		legal("legal-forget-on-disconnect", "a disconnected call is forgotten at once: GetCallInfo then answers InvalidCallIdException (L5 allows it)", behaviour{pol: policy{forgetOnDisconnect: true}}),

		broken("T1", "t1-malformed-xml", "every response lacks its closing </Envelope> tag, so none is well-formed XML", behaviour{malformedResponses: true}, "G1"),
		broken("T1", "t1-nul-after-envelope", "GetCallInfo successes end with <!-- c -->, a NUL and \"ok\" after </Envelope>: XML allows no NUL, and a parser that stops at one sees a valid envelope", behaviour{nulAfterEnvelope: true}),
		broken("T1", "t1-gzip-unasked", "every SOAP answer is gzipped (Content-Encoding: gzip), whether or not the request offered it", behaviour{gzipUnasked: true}),
		broken("T2", "t2-text-plain", "SOAP responses are labelled text/plain; charset=utf-8", behaviour{contentType: "text/plain; charset=utf-8"}),
		broken("T3", "t3-fault-200", "faults are sent with HTTP 200 instead of 500", behaviour{faultStatus200: true}),
		broken("T5", "t5-processing-instruction", "every SOAP answer, of both APIs, carries a processing instruction <?umconform-trace ...?> after its XML declaration", behaviour{processingInstruction: true}),
		broken("T6", "t6-two-faults", "every UM web service Fault is written twice in the Body", behaviour{doubleFault: true}),
		broken("T7", "t7-truncated-faults", "every HTTP 500 answer, of both APIs, declares a Content-Length 32 bytes longer than the body it sends, and the connection closes", behaviour{truncateFaults: true}),
		broken("T7", "t7-length-and-chunked", "every SOAP answer, of both APIs, is sent chunked with a Content-Length besides", behaviour{lengthAndChunked: true}),
		broken("T8", "t8-two-content-types", "every SOAP answer, of both APIs, carries its Content-Type field twice", behaviour{doubleContentType: true}),
		broken("T8", "t8-405-without-allow", "a request in a media type the service does not take (not text/xml) is refused, on both APIs, with 405 Method Not Allowed and no Allow field, where a 415 belongs", behaviour{mediaType405: true}),
		broken("T9", "t9-latin1-charset", "every SOAP answer, of both APIs, is labelled text/xml; charset=iso-8859-1 (its bytes are ASCII, its XML declaration says utf-8)", behaviour{latin1Charset: true}),
		broken("T10", "t10-xml-prefix-declared", "every SOAP answer, of both APIs, declares the xml prefix on its Envelope (xmlns:xml=\"http://www.w3.org/XML/1998/namespace\"): legal XML, which WS-I BP 1.1 R1033 and SSBP 1.0 R9704 advise against", behaviour{xmlPrefixDeclared: true}),
		broken("T4", "t4-accepts-soap12", "a SOAP 1.2 envelope (and application/soap+xml) is processed as if it were SOAP 1.1", behaviour{acceptSOAP12: true}),
		// The SOAP processing model (T11) and the request's encoding (T12): soapmodel.go.
		broken("T11", "t11-processes-mandatory-header", "a header entry marked mustUnderstand=\"1\" that the server does not understand is skipped and the request processed, on both APIs", behaviour{model: modelBehaviour{ignoreMustUnderstand: true}}),
		broken("T11", "t11-mustunderstand-client-fault", "a header entry marked mustUnderstand=\"1\" that the server does not understand gets a Client Fault, not MustUnderstand, on both APIs", behaviour{model: modelBehaviour{mustUnderstandClient: true}}),
		broken("T11", "t11-mustunderstand-detail", "the MustUnderstand Fault names the header entry not understood in its detail, where SOAP 1.1 §4.4 allows only the Body's errors, on both APIs", behaviour{model: modelBehaviour{mustUnderstandDetail: true}}),
		broken("T11", "t11-mustunderstand-on-body", "mustUnderstand=\"1\" is obeyed wherever it stands: on the Body it gets a MustUnderstand Fault, on both APIs", behaviour{model: modelBehaviour{mustUnderstandAnywhere: true}}),
		broken("T11", "t11-processes-foreign-envelope", "an Envelope in a namespace of no SOAP version is read as SOAP 1.1's and the request processed, on both APIs; a SOAP 1.2 Envelope is still refused", behaviour{model: modelBehaviour{anyEnvelope: true}}),
		broken("T12", "t12-honours-declared-encoding", "a request is read in the encoding its XML declaration names, not HTTP's charset: a UTF-8 request whose declaration names UTF-16 gets a Client Fault, on both APIs", behaviour{model: modelBehaviour{honourDeclaredEncoding: true}}),
		broken("S1", "s1-flat-response", "GetCallInfoResponse holds CallState and EventCause directly, without the nested GetCallInfoResponse", behaviour{flatGetCallInfo: true}),
		broken("S2", "s2-lowercase-state", "CallState values are written in lower case (connected)", behaviour{lowercaseStates: true}),
		broken("S2", "s2-ringing", "a call being set up (Connecting or Alerted) is reported CallState Ringing, a SIP word outside the enumeration", behaviour{ringingStates: true}),
		broken("S3", "s3-unavailable-cause", "every Disconnected call reports EventCause Unavailable, outside the documented four", behaviour{pol: policy{alwaysUnavailable: true}}),
		broken("S4", "s4-empty-callid", "PlayOnPhone succeeds with an empty nested PlayOnPhoneResponse", behaviour{emptyCallID: true}),
		broken("S5", "s5-disconnect-not-empty", "DisconnectResponse holds a nested DisconnectResponse element", behaviour{disconnectNotEmpty: true}),
		broken("S6", "s6-fault-no-faultstring", "faults lack the faultstring element", behaviour{faultNoString: true}),
		broken("C1", "c1-unknown-callid-succeeds", "GetCallInfo with a well-formed CallId the server never issued answers Connected/None", behaviour{unknownCallIDSucceeds: true}, "G3"),
		broken("C2", "c2-wrong-exception-type", "GetCallInfo's InvalidCallId faults name InvalidObjectIdException in their detail", behaviour{wrongExceptionType: true}),
		broken("C3", "c3-malformed-callid-succeeds", "GetCallInfo with an empty, whitespace, non-Base64, over-long or missing CallId answers Connected/None", behaviour{malformedCallIDSucceeds: true}, "G3"),
		broken("C4", "c4-any-namespace", "operations are dispatched on the local name alone, whatever their namespace", behaviour{ignoreNamespace: true}),
		broken("C5", "c5-dispatch-errors-succeed", "malformed XML, an empty Body or an unknown operation is answered 200 with an empty Body", behaviour{dispatchErrorsSucceed: true}),
		broken("P1", "p1-bad-playonphone-succeeds", "PlayOnPhone with an invalid entryId or an undialable DialString places an answered call and returns its CallId", behaviour{badPlayOnPhoneSucceeds: true}),
		broken("P2", "p2-generic-playonphone-fault", "PlayOnPhone's input faults are plain Server faults without an ExceptionType detail", behaviour{genericPlayOnPhoneFault: true}),
		broken("L1", "l1-callid-not-ready", "the first GetCallInfo of each call answers InvalidCallIdException; later ones are correct, so checks that first wait for a call to be reported are unaffected", behaviour{pol: policy{firstQueryUnknown: true}}, "E8"),
		broken("L2", "l2-cause-while-active", "EventCause is Other while the call is not Disconnected", behaviour{pol: policy{causeWhileActive: true}}, "E9"),
		broken("L3", "l3-resurrects", "a call that ended by itself (busy, no answer, ...) is reported Connected after its first Disconnected answer; a call ended by Disconnect stays Disconnected, so L5 holds", behaviour{pol: policy{resurrect: true}}, "L4", "E10", "E11"),
		broken("L4", "l4-moves-backwards", "once reported Connected, a call alternates between Connecting and Connected", behaviour{pol: policy{backwards: true}}, "E11"),
		broken("L5", "l5-disconnect-ignored", "Disconnect succeeds but the call carries on as if it had not been sent", behaviour{pol: policy{ignoreDisconnect: true}}, "L8", "E12", "E18"),
		broken("L6", "l6-disconnect-unknown-succeeds", "Disconnect with an unknown, malformed or missing CallId succeeds", behaviour{disconnectUnknownSucceed: true}, "G3"),
		broken("L9", "l9-disconnect-wrong-exception", "Disconnect of a CallId the server never issued is refused with a Fault that names InvalidObjectIdException, not the InvalidCallIdException MS-OXWUMS 3.1.4.1 prints", behaviour{disconnectWrongException: true}),
		broken("L7", "l7-same-callid", "every PlayOnPhone returns the CallId of the first call placed; the newest call takes it over", behaviour{pol: policy{sameCallID: true}}, "L8", "E17", "E18"),
		broken("L8", "l8-newest-call", "GetCallInfo answers about the most recently placed call, whatever CallId it names (after checking that the CallId is one it issued)", behaviour{pol: policy{newestCall: true}}, "E18"),
		broken("X1", "x1-expands-canary", "expands an external SYSTEM entity whose file name contains umconform-canary and echoes rejected values in faultstrings", behaviour{hostile: hostileKnobs{expandCanary: true}}),
		broken("X1", "x1-fetches-canary-url", "fetches an external SYSTEM entity naming an http URL on a loopback address whose path contains umconform-canary, and expands it, on both APIs; it echoes nothing", behaviour{hostile: hostileKnobs{fetchCanaryURL: true}}),
		broken("X2", "x2-slow-doctype", "a request with a DOCTYPE is answered only after a minute (or when the client gives up)", behaviour{hostile: hostileKnobs{slowOnDoctype: true}}, "X5"),
		broken("X3", "x3-poisoned-after-malformed", "after a malformed request, GetCallInfo for every call placed before it answers a Server fault", behaviour{hostile: hostileKnobs{poisonAfterMalformed: true}}),
		broken("X4", "x4-no-size-limit", "no request size cap: an oversized but otherwise valid request is processed normally", behaviour{hostile: hostileKnobs{noSizeLimit: true}}),
		broken("X5", "x5-slow-unknown-callid", "a GetCallInfo for a well-formed CallId it never issued is answered (InvalidCallId fault) only after a minute (or when the client gives up); a malformed CallId is refused at once", behaviour{slowUnknownCallID: true}, "G2"),
		broken("R1", "r1-requires-soap-prefix", "a request whose Envelope is not written <soap:Envelope is answered with a Client fault", behaviour{requireSoapPrefix: true}),
		broken("R2", "r2-rejects-bom", "a request starting with a UTF-8 byte-order mark is answered with a Client fault", behaviour{rejectBOM: true}),
		broken("E1", "e1-call-info-in-messages-ns", "GetPhoneCallInformation's PhoneCallState and ConnectionFailureCause are in the messages namespace, not types", behaviour{ews: ewsBehaviour{infoInMessagesNS: true}}),
		broken("E2", "e2-error-without-messagetext", "EWS error responses carry ResponseClass Error and a code but no MessageText", behaviour{ews: ewsBehaviour{errorWithoutText: true}}),
		broken("E3", "e3-lowercase-state", "PhoneCallState values are written in lower case (connected)", behaviour{ews: ewsBehaviour{lowercaseState: true}}),
		broken("E4", "e4-no-phonecallid", "EWS PlayOnPhone answers Success without a PhoneCallId", behaviour{ews: ewsBehaviour{noPhoneCallID: true}}),
		broken("E5", "e5-unknown-id-succeeds", "GetPhoneCallInformation with an unknown, empty or missing PhoneCallId answers Success, Connected/None", behaviour{ews: ewsBehaviour{unknownIDSucceeds: true}}, "E15", "G3", "G4"),
		broken("E6", "e6-no-server-version", "EWS responses carry no ServerVersionInfo header", behaviour{ews: ewsBehaviour{noServerVersion: true}}),
		broken("E7", "e7-any-server-version", "a RequestServerVersion outside ExchangeVersionType is ignored and the request processed", behaviour{ews: ewsBehaviour{anyVersion: true}}, "G4"),
		broken("E8", "e8-id-not-ready", "the first question about each call (GetPhoneCallInformation or GetCallInfo) is answered as if the id were unknown", behaviour{pol: policy{firstQueryUnknown: true}}, "L1"),
		broken("E9", "e9-cause-while-active", "ConnectionFailureCause (and EventCause) is Other while the call is not Disconnected", behaviour{pol: policy{causeWhileActive: true}}, "L2"),
		broken("E10", "e10-resurrects", "a call that ended by itself is reported Connected after its first Disconnected answer, by both APIs", behaviour{pol: policy{resurrect: true}}, "E11", "L3", "L4"),
		broken("E11", "e11-moves-backwards", "once reported Connected, a call alternates between Connecting and Connected, in both APIs", behaviour{pol: policy{backwards: true}}, "L4"),
		broken("E12", "e12-disconnect-ignored", "DisconnectPhoneCall (and Disconnect) succeeds but the call carries on", behaviour{pol: policy{ignoreDisconnect: true}}, "L5", "L8", "E18"),
		broken("E13", "e13-disconnect-unknown-succeeds", "DisconnectPhoneCall with an unknown or missing PhoneCallId answers Success", behaviour{ews: ewsBehaviour{disconnectUnknownSucceeds: true}}, "E16", "G3", "G4"),
		broken("E14", "e14-stale-across-apis", "GetPhoneCallInformation reports a call the UM service placed as Connected/None whatever becomes of it", behaviour{ews: ewsBehaviour{foreignCallsConnected: true}}),
		broken("E15", "e15-unknown-id-fault", "GetPhoneCallInformation with a PhoneCallId that names no call is answered with a SOAP Fault (ErrorInvalidPhoneCallId in its detail) instead of an Error response", behaviour{ews: ewsBehaviour{unknownIDFault: true}}),
		broken("E16", "e16-disconnect-unknown-fault", "DisconnectPhoneCall with a PhoneCallId that names no call is answered with a SOAP Fault instead of an Error response", behaviour{ews: ewsBehaviour{disconnectUnknownFault: true}}),
		broken("E17", "e17-same-phonecallid", "every EWS PlayOnPhone returns the PhoneCallId of the first call placed; the newest call takes it over", behaviour{ews: ewsBehaviour{sameCallID: true}}, "E18"),
		broken("E18", "e18-newest-call", "GetPhoneCallInformation answers about the most recently placed EWS call, whatever PhoneCallId it names (after checking that the id names a call)", behaviour{ews: ewsBehaviour{newestCall: true}}),
		broken("E19", "e19-bad-playonphone-succeeds", "EWS PlayOnPhone with a malformed or unknown ItemId or an undialable DialString places an answered call and returns its PhoneCallId", behaviour{ews: ewsBehaviour{badPlayOnPhoneSucceeds: true}}),
		broken("E19", "e19-empty-dialstring-accepted", "EWS PlayOnPhone with an empty DialString places an answered call and returns its PhoneCallId; letters and bad ItemIds are refused as they should be", behaviour{ews: ewsBehaviour{emptyDialStringAccepted: true}}),
		broken("E20", "e20-generic-playonphone-error", "EWS PlayOnPhone's input errors all say ErrorInternalServerError, whatever the cause", behaviour{ews: ewsBehaviour{genericPlayOnPhoneError: true}}),
		broken("X1", "x1-ews-expands-canary", "the EWS endpoint alone expands an external SYSTEM entity whose file name contains umconform-canary and quotes a PhoneCallId's text in its schema fault", behaviour{ews: ewsBehaviour{hostile: hostileKnobs{expandCanary: true}}}),
		broken("X1", "x1-ews-fetches-canary-url", "the EWS endpoint alone fetches an external SYSTEM entity naming an http URL on a loopback address whose path contains umconform-canary, and expands it; it echoes nothing", behaviour{ews: ewsBehaviour{hostile: hostileKnobs{fetchCanaryURL: true}}}),
		broken("X2", "x2-ews-slow-doctype", "an EWS request with a DOCTYPE is answered only after a minute (or when the client gives up); the UM endpoint refuses it at once", behaviour{ews: ewsBehaviour{hostile: hostileKnobs{slowOnDoctype: true}}}, "X5"),
		broken("X3", "x3-ews-poisoned-after-malformed", "after a malformed or refused (413, 415) request, GetPhoneCallInformation about every call placed through EWS before it answers ErrorInternalServerError; the UM endpoint stays correct", behaviour{ews: ewsBehaviour{hostile: hostileKnobs{poisonAfterMalformed: true}}}),
		broken("X4", "x4-ews-no-size-limit", "no request size cap at the EWS endpoint: an oversized but otherwise valid EWS request is processed normally", behaviour{ews: ewsBehaviour{hostile: hostileKnobs{noSizeLimit: true}}}),
		broken("A1", "a1-serves-anonymous", "in the authentication mode (serve --users), a request without credentials is served, and may ask about, place and end any call", behaviour{auth: authBehaviour{anonymous: true}}),
		broken("A2", "a2-any-password", "in the authentication mode, a user's name with any password is accepted", behaviour{auth: authBehaviour{anyPassword: true}}),
		broken("A3", "a3-no-challenge", "in the authentication mode, missing or wrong credentials are refused with 401 but no WWW-Authenticate challenge", behaviour{auth: authBehaviour{noChallenge: true}}),
		broken("A4", "a4-others-calls-readable", "in the authentication mode, any user may ask about a call another user placed (GetCallInfo, GetPhoneCallInformation); ending one is still refused", behaviour{auth: authBehaviour{othersReadable: true}}),
		broken("A5", "a5-others-calls-endable", "in the authentication mode, any user may end a call another user placed (Disconnect, DisconnectPhoneCall); asking about one is still refused", behaviour{auth: authBehaviour{othersEndable: true}}),
		broken("G1", "g1-um-html-on-unknown-attribute", "every recorded request is answered correctly; a UM operation element carrying an attribute its schema does not declare gets an ASP.NET error page (HTTP 500, text/html)", behaviour{gen: genBehaviour{umHTMLOnUnknownAttr: true}}),
		broken("G1", "g1-ews-html-on-foreign-child", "every recorded request is answered correctly; an EWS operation with a child in another namespace gets a 400 Bad Request HTML page", behaviour{gen: genBehaviour{ewsHTMLOnForeignChild: true}}),
		broken("G2", "g2-um-reset-on-repeat", "every recorded request is answered correctly; a UM operation repeating a child element (two CallIds) gets a TCP reset, every time", behaviour{gen: genBehaviour{umResetOnRepeat: true}}),
		broken("G2", "g2-um-hang-on-wrong-type", "every recorded request is answered correctly; a UM CallId holding an element instead of text is never answered", behaviour{gen: genBehaviour{umHangOnWrongType: true}}),
		broken("G2", "g2-ews-hang-on-nil-id", "every recorded request is answered correctly; an EWS PhoneCallId written xsi:nil=\"true\" is never answered", behaviour{gen: genBehaviour{ewsHangOnNilID: true}}),
		broken("G2", "g2-ews-close-on-unknown-element", "every recorded request is answered correctly; an element EWS's UM operations do not declare closes the connection unanswered, every time", behaviour{gen: genBehaviour{ewsCloseOnUnknownChild: true}}),
		broken("G3", "g3-um-call-data-on-foreign-child", "every recorded request is answered correctly; a GetCallInfo whose child is in another namespace is answered Connected/None, whatever it names", behaviour{gen: genBehaviour{umCallDataOnForeign: true}}),
		broken("G3", "g3-ews-call-data-on-long-id", "every recorded request is answered correctly; GetPhoneCallInformation with a PhoneCallId over 256 characters is answered Success, Connected/None", behaviour{gen: genBehaviour{ewsCallDataOnLongID: true}}),
		// HTTP's front: the method, redirects, cookies (httpfront.go).
		broken("H1", "h1-put-processed", "a request sent with PUT to either endpoint is processed as if it were a POST (a SOAP answer, where a 405 belongs)", behaviour{http: httpBehaviour{putProcessed: true}}),
		broken("H1", "h1-malformed-processed", "a request whose request line has a word too many (a space inside its target) is repaired, the extra word dropped, and processed (a SOAP answer, where WS-I BP 1.1 R1113 asks for 400); a PUT still gets 405", behaviour{http: httpBehaviour{malformedRepaired: true}}),
		broken("H1", "h1-hostless-processed", "an HTTP/1.1 request without a Host field is given one and processed (a SOAP answer, where RFC 9112 section 3.2 asks for 400)", behaviour{http: httpBehaviour{hostlessProcessed: true}}),
		broken("H1", "h1-bad-length-processed", "a Content-Length that is not a number is dropped and the request processed without its body (where RFC 9112 section 6.3 asks for 400 and the connection closed)", behaviour{http: httpBehaviour{badLengthProcessed: true}}),
		broken("H2", "h2-redirect-302", "every POST to either endpoint is answered 302 Found with a Location on another path, where WS-I BP 1.1 R1130 asks for 307", behaviour{http: httpBehaviour{redirect302: true}}),
		broken("T7", "t7-closes-silently", "every POST to either endpoint is answered (with a Content-Length) and the connection closed at once, without Connection: close", behaviour{http: httpBehaviour{closeSilent: true}}),
		broken("T7", "t7-gzip-keep-open", "every HTTP 500 answer (a Fault) of either endpoint is sent in Transfer-Encoding gzip, without a final chunked, and the connection kept open, so that the message never ends", behaviour{http: httpBehaviour{gzipKeepOpen: true}}),
		broken("T10", "t10-cookie-not-rfc6265", "every answer of both APIs sets two cookies in one Set-Cookie field, comma-separated as RFC 2965 allowed, which RFC 6265 section 4.1.1's grammar does not", behaviour{http: httpBehaviour{cookie2965: true}}),
		broken("G4", "g4-ews-no-schema-validation", "the EWS endpoint does not validate requests against its schema: an element or attribute it does not declare, or text in a PhoneCallId, is ignored and the request answered by what it seems to mean (ErrorInvalidPhoneCallId), not ErrorSchemaValidation", behaviour{gen: genBehaviour{ewsNoSchemaValidation: true}}),
	}
}

// Profiles lists every profile: the correct one first, then the legal variants, then the
// broken ones in catalogue order.
func Profiles() []Profile {
	ps := profileTable()
	for i := range ps {
		ps[i].Breaks = append([]string(nil), ps[i].Breaks...)
		ps[i].Implied = append([]string(nil), ps[i].Implied...)
	}
	return ps
}

// LookupProfile finds a profile by name, case-insensitively; "" and "default" name the
// correct profile.
func LookupProfile(name string) (Profile, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || n == "default" {
		n = ProfileExchange
	}
	var names []string
	for _, p := range Profiles() {
		if p.Name == n {
			return p, nil
		}
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return Profile{}, fmt.Errorf("unknown profile %q: use one of %s (or run serve --list-profiles)", name, strings.Join(names, ", "))
}
