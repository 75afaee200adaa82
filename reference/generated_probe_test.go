package reference

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/umconform/umconform/generate"
)

// runGenerated is the miniature of the generated requests' checks (G1-G4): every request
// generated from the read-only and disconnect operations' schemas, as a default run
// generates them, sent once; the reply must be a SOAP envelope (G1), come at all (G2),
// refuse the id that names no call (G3) and, at the EWS endpoint, say ErrorSchemaValidation
// when the schema rejects the request (G4).
func (p *probe) runGenerated() {
	for _, api := range []generate.API{generate.UM, generate.EWS} {
		ops, path := []string{"GetCallInfo", "Disconnect"}, LegacyPath
		if api == generate.EWS {
			ops, path = []string{"GetPhoneCallInformation", "DisconnectPhoneCall"}, EWSPath
		}
		reqs, err := generate.Generate(api, generate.Options{Seed: generate.DefaultSeed, Operations: ops, Values: generate.Values{
			CallID: generate.UnknownID(generate.UM, generate.DefaultSeed), PhoneCallID: generate.UnknownID(generate.EWS, generate.DefaultSeed)}})
		if err != nil {
			p.t.Fatalf("generating %s requests: %v", api, err)
		}
		for _, g := range reqs {
			r := p.c.do(http.MethodPost, path, "text/xml; charset=utf-8", g.Body, nil)
			if r.timedOut || r.aborted {
				p.broken["G2"] = true
				continue
			}
			r = gunzipped(r)
			if r.env == nil || r.payload == nil {
				p.broken["G1"] = true
				continue
			}
			if !genRefused(api, r) {
				p.broken["G3"] = true
			}
			if api == generate.EWS && !g.SchemaValid && !saysCode(r, g.Header) {
				p.broken["G4"] = true
			}
		}
	}
}

// gunzipped is r with a gzipped body decoded, as the harness decodes it (T1 judges whether
// the coding was asked for).
func gunzipped(r reply) reply {
	if r.hdr.Get("Content-Encoding") != "gzip" {
		return r
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	if err != nil {
		return r
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		return r
	}
	var env node
	if wellFormed(body, &env) {
		if b := env.child(SOAP11Namespace, "Body"); b != nil && len(b.Kids) > 0 {
			r.env, r.payload = &env, &b.Kids[0]
		}
	}
	return r
}

// genRefused: a Fault, or at EWS a ResponseClass Error response with a code other than
// NoError.
func genRefused(api generate.API, r reply) bool {
	if r.isFault() {
		return true
	}
	if api != generate.EWS {
		return false
	}
	code := r.payload.child(MessagesNamespace, "ResponseCode")
	return ewsAttr(r.payload, "ResponseClass") == "Error" && code != nil && strings.TrimSpace(code.Text) != "" && strings.TrimSpace(code.Text) != "NoError"
}

// saysCode: the reply names ErrorSchemaValidation (or for a header mutation,
// ErrorInvalidServerVersion) as its faultcode, its fault detail's ResponseCode or its
// ResponseCode.
func saysCode(r reply, header bool) bool {
	codes := []string{"ErrorSchemaValidation"}
	if header {
		codes = append(codes, "ErrorInvalidServerVersion")
	}
	var said []string
	if r.isFault() {
		if fc := r.payload.child("", "faultcode"); fc != nil {
			_, local, _ := strings.Cut(strings.TrimSpace(fc.Text), ":")
			said = append(said, local)
		}
		if fs := r.payload.child("", "faultstring"); fs != nil { // a generic fault may name the code in its text
			for _, c := range codes {
				if strings.Contains(fs.Text, c) {
					said = append(said, c)
				}
			}
		}
		if d := r.payload.child("", "detail"); d != nil {
			if rc := d.child(ErrorsNamespace, "ResponseCode"); rc != nil {
				said = append(said, strings.TrimSpace(rc.Text))
			}
		}
	} else if rc := r.payload.child(MessagesNamespace, "ResponseCode"); rc != nil {
		said = append(said, strings.TrimSpace(rc.Text))
	}
	return slices.ContainsFunc(said, func(s string) bool { return slices.Contains(codes, s) })
}

func ewsAttr(n *node, name string) string {
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
