package reference

import (
	"encoding/base64"
	"regexp"
	"strings"
)

// ewsServerVersion is the ServerVersionInfo this server names itself by on EWS: Exchange
// 2013's version 15.0 with the build of its CU23 (1497.2), under the version name of SP1,
// a pairing no Exchange server sends. Marks finds it in a report.
const ewsServerVersion = `MajorVersion="15" MinorVersion="0" MajorBuildNumber="1497" MinorBuildNumber="2" Version="Exchange2013_SP1"`

// base64Run is a run of base64 long enough to hold a CallId: a GUID, "|" and a host name.
var base64Run = regexp.MustCompile(`[A-Za-z0-9+/]{48,}={0,2}`)

// Marks says which mark of this server's answers text carries, "" for none: a CallId
// (or EWS PhoneCallId) naming DefaultFQDN, or this server's EWS ServerVersionInfo. A
// report whose responses carry one was made against this server (embedded, or "serve"
// behind a URL), whatever the target was called: it shows what umconform's own server
// does, and is no product's evidence (bundle.Verify).
func Marks(text string) string {
	if strings.Contains(text, ewsServerVersion) {
		return "the reference server's EWS ServerVersionInfo (" + ewsServerVersion + ")"
	}
	for _, run := range base64Run.FindAllString(text, 64) {
		b, err := base64.StdEncoding.DecodeString(run)
		if err != nil {
			continue
		}
		if _, host, ok := strings.Cut(string(b), "|"); ok && strings.EqualFold(host, DefaultFQDN) {
			return "a CallId naming the reference server's host, " + DefaultFQDN
		}
	}
	return ""
}
