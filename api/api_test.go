package api

import "testing"

// TestDetect: an operation only one API has decides, a response as its request; then the
// documented endpoint; then EWS's marks, asked only when nothing before decides; what
// nothing tells is UM.
func TestDetect(t *testing.T) {
	marks := func() bool { return true }
	asked := func(t *testing.T) func() bool {
		return func() bool { t.Error("EWSMarks asked though the operation or path decided"); return true }
	}
	cases := []struct {
		name string
		c    func(t *testing.T) Clues
		want API
	}{
		{"EWS operation", func(t *testing.T) Clues {
			return Clues{Operation: "GetPhoneCallInformation", Path: "/EWS/UM2007Legacy.asmx", EWSMarks: asked(t)}
		}, EWS},
		{"EWS response", func(t *testing.T) Clues { return Clues{Operation: "DisconnectPhoneCallResponse", EWSMarks: asked(t)} }, EWS},
		{"UM operation with EWS marks", func(t *testing.T) Clues { return Clues{Operation: "GetCallInfo", EWSMarks: asked(t)} }, UM},
		{"UM response", func(t *testing.T) Clues { return Clues{Operation: "DisconnectResponse", EWSMarks: asked(t)} }, UM},
		{"PlayOnPhone to EWS's endpoint", func(t *testing.T) Clues {
			return Clues{Operation: "PlayOnPhone", Path: "/ews/Exchange.asmx?x=1", EWSMarks: asked(t)}
		}, EWS},
		{"PlayOnPhone to Exchange 2007's endpoint", func(t *testing.T) Clues {
			return Clues{Operation: "PlayOnPhone", Path: "/UnifiedMessaging/Service.asmx", EWSMarks: asked(t)}
		}, UM},
		{"PlayOnPhone with an ItemId", func(*testing.T) Clues { return Clues{Operation: "PlayOnPhone", EWSMarks: marks} }, EWS},
		{"a fault, no marks", func(*testing.T) Clues { return Clues{Operation: "Fault"} }, UM},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Detect(c.c(t)); got != c.want {
				t.Errorf("Detect = %s, want %s", got, c.want)
			}
		})
	}
	if UM.Name() != "UM" || EWS.Label() != "api:ews" {
		t.Errorf("names %s %s, labels %s %s", UM.Name(), EWS.Name(), UM.Label(), EWS.Label())
	}
}
