package suites

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
)

const plainAnswer = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
	`<GetCallInfoResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><GetCallInfoResponse>` +
	`<CallState>Connected</CallState><EventCause>None</EventCause></GetCallInfoResponse></GetCallInfoResponse></soap:Body></soap:Envelope>`

func compress(t testing.TB, coding string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate": // the zlib format, as RFC 9110 section 8.4.1.2 says
		w = zlib.NewWriter(&buf)
	case "raw-deflate":
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	default:
		t.Fatalf("coding %q", coding)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encodedServer answers every POST with the body and Content-Encoding its query names
// (?ce=gzip&body=...): the test decides what is on the wire.
func encodedServer(t *testing.T, wire map[string][]byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		q := r.URL.Query()
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		if ce := q.Get("ce"); ce != "" {
			w.Header().Set("Content-Encoding", ce)
		}
		_, _ = w.Write(wire[q.Get("body")])
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sendTo(t *testing.T, srv *httptest.Server, fixture, query string) *Exchange {
	t.Helper()
	corpus, err := fixtures.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	f, ok := corpus.Lookup(fixture)
	if !ok {
		t.Fatalf("no fixture %s", fixture)
	}
	u, _ := url.Parse(srv.URL + "/EWS/UM2007Legacy.asmx?" + query)
	// The run's own transport: it never adds Accept-Encoding nor decodes (DisableCompression).
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	s := &Sender{Target: u, Client: client, Timeout: 10 * time.Second, Validator: validator(t)}
	return s.Send(t.Context(), f, fixtures.Values{Call: "NjJmZDY2ZDQ="})
}

// TestCompressedAnswerOffered: a request that offers gzip,deflate (SoapUI's, as the EWS
// clients') may get a gzip or deflate answer (RFC 9110 section 12.5.3): it is decoded and
// judged as XML, and the evidence keeps the coding and both sizes.
func TestCompressedAnswerOffered(t *testing.T) {
	wire := map[string][]byte{
		"gzip":        compress(t, "gzip", []byte(plainAnswer)),
		"deflate":     compress(t, "deflate", []byte(plainAnswer)),
		"raw-deflate": compress(t, "raw-deflate", []byte(plainAnswer)),
		"plain":       []byte(plainAnswer),
	}
	srv := encodedServer(t, wire)
	for _, c := range []struct{ body, ce string }{{"gzip", "gzip"}, {"gzip", "x-gzip"}, {"deflate", "deflate"}, {"raw-deflate", "deflate"}, {"gzip", "GZIP"}} {
		ex := sendTo(t, srv, "gci-soapui", "ce="+c.ce+"&body="+c.body)
		if ex.Err != nil || ex.EncodingProblem != "" || !ex.Result.Valid() || ex.Result.Message != "GetCallInfoResponse" {
			t.Errorf("%s as %s: err %v, problem %q, valid %v: %v", c.body, c.ce, ex.Err, ex.EncodingProblem, ex.Result.Valid(), ex.Result.Violations)
			continue
		}
		if o := judgeT1(ex); !o.Pass {
			t.Errorf("%s as %s: T1 %+v", c.body, c.ce, o)
		}
		if o := judgeSuccessSchema("GetCallInfo")(ex); !o.Pass {
			t.Errorf("%s as %s: S1 %+v", c.body, c.ce, o)
		}
		ev := evidence(ex)
		if ev.ResponseEncoding != strings.ToLower(c.ce) || ev.ResponseWireBytes != int64(len(wire[c.body])) || ev.ResponseBytes != int64(len(plainAnswer)) || ev.Response != plainAnswer {
			t.Errorf("%s as %s: evidence %q, %d wire bytes, %d bytes, excerpt %q", c.body, c.ce, ev.ResponseEncoding, ev.ResponseWireBytes, ev.ResponseBytes, ev.Response)
		}
	}
	// No Content-Encoding: as before, nothing said of codings.
	ex := sendTo(t, srv, "gci-soapui", "body=plain")
	if ex.Err != nil || ex.Encoding != "" || ex.WireBytes != 0 || !judgeT1(ex).Pass || evidence(ex).ResponseEncoding != "" {
		t.Errorf("plain answer: err %v, encoding %q, T1 %+v", ex.Err, ex.Encoding, judgeT1(ex))
	}
}

// TestCompressedAnswerUnasked: a compressed answer to a request that offered no coding
// (recorded without Accept-Encoding) breaks T1 with a message that says so; the other
// checks still read the decoded message. An undecodable or unknown coding breaks T1 too.
func TestCompressedAnswerUnasked(t *testing.T) {
	gz := compress(t, "gzip", []byte(plainAnswer))
	srv := encodedServer(t, map[string][]byte{"gzip": gz, "cut": gz[:len(gz)-6], "plain": []byte(plainAnswer)})
	ex := sendTo(t, srv, "gci-callid-unknown", "ce=gzip&body=gzip")
	o := judgeT1(ex)
	if o.Pass || o.CannotJudge || !strings.Contains(o.Actual, "gzip-encoded") || !strings.Contains(o.Actual, "offered no Accept-Encoding") || !strings.Contains(o.Actual, "RFC 9110") {
		t.Errorf("unasked gzip: T1 %+v", o)
	}
	if !ex.Result.Valid() || ex.Result.Message != "GetCallInfoResponse" {
		t.Errorf("unasked gzip is not decoded for the other checks: %v", ex.Result.Violations)
	}
	for name, c := range map[string]struct{ fixture, query, want string }{
		"truncated gzip":          {"gci-soapui", "ce=gzip&body=cut", "cannot be decoded"},
		"unknown coding":          {"gci-soapui", "ce=br&body=plain", "offered only"},
		"gzip label on plain XML": {"gci-soapui", "ce=gzip&body=plain", "gzip header"},
	} {
		ex := sendTo(t, srv, c.fixture, c.query)
		if o := judgeT1(ex); o.Pass || o.CannotJudge || !strings.Contains(o.Actual, c.want) {
			t.Errorf("%s: T1 %+v, want a failure saying %q", name, o, c.want)
		}
	}
}

// TestCompressedAnswerBomb: a gzip answer that decodes past maxResponseBytes ends the
// exchange with a transport error that says so, reading no more than the bound: 100 MiB
// of zeros (about 100 KB on the wire) allocates well under 80 MiB.
func TestCompressedAnswerBomb(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 100 {
		_, _ = zw.Write(zeros)
	}
	_ = zw.Close()
	srv := encodedServer(t, map[string][]byte{"bomb": buf.Bytes()})
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ex := sendTo(t, srv, "gci-soapui", "ce=gzip&body=bomb")
	runtime.ReadMemStats(&after)
	var te *TransportError
	if !errors.As(ex.Err, &te) || te.Kind != "truncated" || !strings.Contains(te.Error(), "decodes to over 4194304 bytes") {
		t.Fatalf("bomb: err %v", ex.Err)
	}
	if o := judgeT1(ex); !o.CannotJudge {
		t.Errorf("bomb: T1 %+v, want cannot judge", o)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 80<<20 {
		t.Errorf("decoding the bomb allocated %d MiB", alloc>>20)
	}
	if ev := evidence(ex); ev.ResponseEncoding != "gzip" || ev.ResponseWireBytes != int64(buf.Len()) || ev.ResponseBytes != 0 {
		t.Errorf("bomb evidence: %q, %d wire bytes, %d bytes", ev.ResponseEncoding, ev.ResponseWireBytes, ev.ResponseBytes)
	}
	// Unasked, the bomb breaks T1 by its header alone, though its body cannot be judged.
	ex = sendTo(t, srv, "gci-callid-unknown", "ce=gzip&body=bomb")
	if o := judgeT1(ex); o.Pass || o.CannotJudge || !strings.Contains(o.Actual, "offered no Accept-Encoding") || !errors.As(ex.Err, &te) {
		t.Errorf("unasked bomb: T1 %+v, err %v", o, ex.Err)
	}
}

func TestOffers(t *testing.T) {
	for _, c := range []struct {
		accept, coding string
		want           bool
	}{
		{"gzip,deflate", "gzip", true},
		{"gzip,deflate", "deflate", true},
		{"gzip, deflate", "br", false},
		{"", "gzip", false},
		{"identity", "gzip", false},
		{"gzip;q=0, deflate", "gzip", false},
		{"GZIP;Q=0.5", "gzip", true},
		{"*", "deflate", true},
		{"*;q=0", "gzip", false},
		{"gzip;q=0, *", "gzip", false},
		{"x-gzip", "gzip", true},
		{"gzip", "x-gzip", true},
	} {
		if got := offers(c.accept, c.coding); got != c.want {
			t.Errorf("offers(%q, %q) = %v", c.accept, c.coding, got)
		}
	}
}
