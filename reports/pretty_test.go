package reports

import (
	"fmt"
	"strings"
	"testing"
)

// minifiedRinging is the embedded reference server's answer under s2-ringing: the whole
// envelope on one line after the declaration.
const minifiedRinging = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetCallInfoResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><GetCallInfoResponse><CallState>Ringing</CallState><EventCause>None</EventCause></GetCallInfoResponse></GetCallInfoResponse></soap:Body></soap:Envelope>`

func shown(lines []shownLine) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%d|%s|%s\n", l.Raw, l.Path, l.Text)
	}
	return b.String()
}

func TestShowResponseIndentsAMinifiedResponse(t *testing.T) {
	lines, pretty := showResponse(minifiedRinging)
	want := `1||<?xml version="1.0" encoding="utf-8"?>
1|/soap:Envelope|<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
1|/soap:Envelope/soap:Body|  <soap:Body>
1|/soap:Envelope/soap:Body/GetCallInfoResponse|    <GetCallInfoResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">
1|/soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse|      <GetCallInfoResponse>
1|/soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/CallState|        <CallState>Ringing</CallState>
1|/soap:Envelope/soap:Body/GetCallInfoResponse/GetCallInfoResponse/EventCause|        <EventCause>None</EventCause>
1||      </GetCallInfoResponse>
1||    </GetCallInfoResponse>
1||  </soap:Body>
1||</soap:Envelope>
`
	if got := shown(lines); !pretty || got != want {
		t.Errorf("pretty %v:\n%s\nwant:\n%s", pretty, got, want)
	}
	// Every byte of every element is shown as sent: only whitespace between them is added.
	var joined strings.Builder
	for _, l := range lines {
		joined.WriteString(strings.TrimLeft(l.Text, " "))
	}
	if joined.String() != minifiedRinging {
		t.Errorf("the indented lines do not hold the response's bytes:\n%s", joined.String())
	}
}

func TestShowResponseKeepsAnIndentedResponse(t *testing.T) {
	lines, pretty := showResponse(sampleResponse)
	if pretty || len(lines) != strings.Count(sampleResponse, "\n")+1 || lines[5].Text != "        <CallState>Ringing</CallState>" || lines[5].Raw != 6 {
		t.Errorf("an indented response must be shown line for line (pretty %v):\n%s", pretty, shown(lines))
	}
}

func TestShowResponsePathsAndOddInput(t *testing.T) {
	// Same-named siblings get an index, as libxml2's paths in the schema package do; a
	// self-closed element and a comment get lines; text between elements too.
	lines, _ := showResponse(`<a><b>1</b><c/><b><d>x</d>tail<!--n--></b><e/><e></e></a>`)
	want := `1|/a|<a>
1|/a/b[1]|  <b>1</b>
1|/a/c|  <c/>
1|/a/b[2]|  <b>
1|/a/b[2]/d|    <d>x</d>
1||    tail
1||    <!--n-->
1||  </b>
1|/a/e[1]|  <e/>
1|/a/e[2]|  <e></e>
1||</a>
`
	if got := shown(lines); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// A cut-off excerpt: what parses is indented, on the lines it came from.
	cut := `<a><b><c>1</c><c>2</c><c>3</c><d>` + "\n… (900 more bytes)"
	lines, _ = showResponse(cut)
	if got := shown(lines); !strings.HasSuffix(got, "1|/a/b/c[3]|    <c>3</c>\n1|/a/b/d|    <d>\n2||      … (900 more bytes)\n") {
		t.Errorf("a cut-off response:\n%s", got)
	}
	// Not XML at all, a declared encoding, and markup errors: never lost, never a panic.
	for _, odd := range []string{`<html><body><p>Service Unavailable<br><hr></body></html>`, `<?xml version="1.0" encoding="ISO-8859-1"?><a><b>é</b><c/><d/></a>`,
		`<a><b></c></a><x><y><z>`, "<a><b><c><d>\x00</d></c></b></a>", `<a:b><c:d xmlns:c="u" c:x="1"><e>&amp;&unknown;</e></c:d></a:b>`} {
		lines, _ := showResponse(odd)
		var all strings.Builder
		for _, l := range lines {
			all.WriteString(strings.TrimLeft(l.Text, " "))
		}
		if all.String() != odd {
			t.Errorf("%q: the bytes shown are not the response:\n%s", odd, shown(lines))
		}
	}
}
