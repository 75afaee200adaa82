package suites

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A target may compress its answer when, and only when, the request offered the coding:
// RFC 9110 section 12.5.3 (Accept-Encoding) lets a server use a content coding the request
// listed, and section 8.4 has Content-Encoding name the codings applied. The replayed EWS
// requests offer "gzip,deflate", as the EWS Managed API and ews-java-api send it. The run's
// transport does not decompress by itself (DisableCompression: Go decodes gzip only when it
// added the Accept-Encoding header, and never deflate), so the body arrives as sent.

// decodeContent decodes a compressed answer in place: Body and BodyBytes become the decoded
// answer, within maxResponseBytes, and Encoding and WireBytes keep what was sent. offered is
// the request's Accept-Encoding. An answer in a coding the request did not offer is still
// decoded when the coding is known, so that the other checks read the message, and marked
// EncodingProblem, which fails T1; so is a coding that cannot be decoded. A decoded answer
// over the bound (a decompression bomb) ends the exchange as an oversized body does.
func decodeContent(ex *Exchange, offered string) {
	coding := strings.ToLower(strings.TrimSpace(ex.Header.Get("Content-Encoding")))
	if coding == "" || coding == "identity" {
		return
	}
	ex.Encoding, ex.WireBytes = coding, int64(len(ex.Body))
	if !offers(offered, coding) {
		what := "offered no Accept-Encoding"
		if strings.TrimSpace(offered) != "" {
			what = fmt.Sprintf("offered only %q", offered)
		}
		ex.EncodingProblem = fmt.Sprintf("the response is %s-encoded (Content-Encoding: %s) but the request %s: RFC 9110 section 12.5.3 lets a server use only a coding the request accepts", coding, ex.Header.Get("Content-Encoding"), what)
	}
	decoded, err := decode(coding, ex.Body)
	switch {
	case err != nil:
		msg := fmt.Sprintf("the %s-encoded response cannot be decoded (%d bytes on the wire): %v", coding, len(ex.Body), err)
		if ex.EncodingProblem == "" {
			ex.EncodingProblem = msg
		} else {
			ex.EncodingProblem += "; " + msg
		}
	case len(decoded) > maxResponseBytes:
		ex.Body, ex.BodyBytes = decoded[:maxResponseBytes], -1
		ex.Err = &TransportError{Kind: "truncated", Err: fmt.Errorf("%s-encoded response of %d bytes decodes to over %d bytes; not decoded further", coding, ex.WireBytes, maxResponseBytes)}
	default:
		ex.Body, ex.BodyBytes = decoded, int64(len(decoded))
	}
}

// decode reads at most maxResponseBytes+1 decoded bytes of body in the given coding, so a
// decompression bomb costs no more memory than an oversized plain answer.
func decode(coding string, body []byte) ([]byte, error) {
	var r io.Reader
	switch coding {
	case "gzip", "x-gzip": // RFC 9110 section 8.4.1.3: x-gzip is gzip
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("gzip header: %w", err)
		}
		defer zr.Close()
		r = zr
	case "deflate":
		// RFC 9110 section 8.4.1.2: deflate is the zlib format (RFC 1950). Some servers (old
		// IIS among them) send bare DEFLATE (RFC 1951), and clients (browsers, .NET's
		// decompression) read both, so both are read: a zlib header says which.
		if zlibHeader(body) {
			zr, err := zlib.NewReader(bytes.NewReader(body))
			if err != nil {
				return nil, fmt.Errorf("zlib header: %w", err)
			}
			defer zr.Close()
			r = zr
		} else {
			fr := flate.NewReader(bytes.NewReader(body))
			defer fr.Close()
			r = fr
		}
	default:
		return nil, fmt.Errorf("unknown content coding %q (known: gzip, deflate)", coding)
	}
	return readBody(r, -1)
}

// zlibHeader tells whether b starts with a zlib header (RFC 1950 section 2.2): method 8
// (deflate), a window of at most 32 KiB, and a check sum of the two bytes that divides by 31.
func zlibHeader(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// offers tells whether an Accept-Encoding header value accepts coding (RFC 9110 section
// 12.5.3): listed by name or by "*", with a weight above 0.
func offers(accept, coding string) bool {
	if coding == "x-gzip" {
		coding = "gzip"
	}
	star := false
	for _, item := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(item, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "x-gzip" {
			name = "gzip"
		}
		ok := weight(params) > 0
		switch name {
		case coding:
			return ok // an explicit entry overrides "*"
		case "*":
			star = ok
		}
	}
	return star
}

// weight is the q parameter of an Accept-Encoding entry, 1 when absent or unreadable.
func weight(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				return q
			}
		}
	}
	return 1
}
