package reference

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
)

// compress gzips a SOAP answer for the profiles that compress: legal-gzip when the request
// offered gzip (RFC 9110 section 12.5.3, as IIS does for EWS), t1-gzip-unasked whatever the
// request said. It sets Content-Encoding and returns the body to send.
func (h *handler) compress(w http.ResponseWriter, r *http.Request, body []byte) []byte {
	if !h.b.gzipUnasked && !(h.b.gzipOffered && offersGzip(r.Header.Get("Accept-Encoding"))) {
		return body
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(body) // a bytes.Buffer does not fail
	_ = zw.Close()
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Add("Vary", "Accept-Encoding")
	return buf.Bytes()
}

// offersGzip tells whether an Accept-Encoding value lists gzip (or *) with a weight above 0
// (RFC 9110 section 12.5.3).
func offersGzip(accept string) bool {
	for _, item := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(item, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		k, v, _ := strings.Cut(params, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q <= 0 {
				return false
			}
		}
		return true
	}
	return false
}
