package reference

import (
	"context"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/umconform/umconform/schema"
)

// endpoint is one API the server answers, as data and a driver: where it is served, its
// operations, what it checks of a request before running one, the envelope its answers are
// written in, the robustness knobs broken there alone, its GET page and its service
// description. The transport (ServeHTTP), the SOAP mechanism (serveSOAP), the GET answers and
// the writers (render.go, wsdl.go) exist once and are handed an endpoint; the UM web service
// (umAPI, um.go) and its EWS twin (ewsAPI, ews.go) are the two values.
type endpoint struct {
	paths []string    // request paths, compared case-insensitively
	ops   []operation // in the order the GET page and the WSDL list them
	// admit checks a parsed request before its operation runs, and answers one it refuses.
	admit func(h *handler, api *endpoint, root, op *element, body []byte) (status int, resp []byte, refused bool)
	// own returns the robustness knobs broken at this endpoint alone; the behaviour's own
	// hold at both.
	own func(b *behaviour) hostileKnobs
	// beside are the embedded schema files (schema.XSD) served in the endpoint's folder.
	beside []string
	// title and heading name the service on its GET page.
	title, heading string
	wsdl           wsdlData
}

// operation is one operation of an endpoint: its element's local name and what answers it.
type operation struct {
	name string
	run  func(h *handler, ctx context.Context, op *element) (int, []byte)
}

// endpoints are the APIs the server answers, looked up by request path.
var endpoints = []*endpoint{&umAPI, &ewsAPI}

// endpointAt returns the endpoint served at path, nil for none.
func endpointAt(path string) *endpoint {
	for _, api := range endpoints {
		for _, p := range api.paths {
			if strings.EqualFold(path, p) {
				return api
			}
		}
	}
	return nil
}

// serveBeside serves a schema file beside an endpoint, and reports whether the request was
// for one.
func serveBeside(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	dir, file := path.Split(r.URL.Path)
	for _, api := range endpoints {
		for _, p := range api.paths {
			if !strings.EqualFold(dir, path.Dir(p)+"/") || !slices.Contains(api.beside, file) {
				continue
			}
			b, err := fs.ReadFile(schema.XSD(), file)
			if err != nil { // embedded: cannot happen for the names listed
				http.NotFound(w, r)
				return true
			}
			writeGet(w, "text/xml; charset=utf-8", b)
			return true
		}
	}
	return false
}

// operation returns the endpoint's operation named local.
func (api *endpoint) operation(local string) (operation, bool) {
	for _, o := range api.ops {
		if o.name == local {
			return o, true
		}
	}
	return operation{}, false
}

// hostile returns the robustness knobs in force at the endpoint under behaviour b.
func (api *endpoint) hostile(b *behaviour) hostileKnobs {
	return b.hostile.or(api.own(b))
}

// serveSOAP answers one POSTed SOAP body at api with a status and an envelope: parse, refuse
// what SOAP forbids, let the endpoint admit the request, run its operation.
func (h *handler) serveSOAP(ctx context.Context, api *endpoint, body []byte) (int, []byte) {
	b := h.b
	b.hostile = api.hostile(&h.b)
	root, rf := parseEnvelope(body, &b)
	var op *element
	if rf == nil {
		op, rf = envelopeOperation(root, &b)
	}
	if rf != nil {
		if rf.doctype && b.hostile.slowOnDoctype {
			h.stall(ctx)
		}
		if api.own(&h.b).poisonAfterMalformed { // X3 at one endpoint: the EWS calls' own view
			h.ewsCalls.malformed()
		}
		return h.requestFault(rf)
	}
	if status, resp, refused := api.admit(h, api, root, op, body); refused {
		return status, resp
	}
	if o, ok := api.operation(op.name.Local); ok {
		return o.run(h, ctx, op)
	}
	return h.requestFault(&requestFault{code: "Client", msg: "unknown operation " + op.name.Local, malformed: true})
}

// requestFault answers a request the server cannot dispatch, at either endpoint, in the
// ASP.NET dispatcher's own form (the UM web service's envelope).
func (h *handler) requestFault(rf *requestFault) (int, []byte) {
	if h.b.hostile.poisonAfterMalformed {
		h.eng.poison()
	}
	if rf.malformed && h.b.dispatchErrorsSucceed {
		return http.StatusOK, renderEmpty(&h.b)
	}
	return rf.dressed(h.fault(rf.code, "", rf.msg))
}

// faultStatus is the HTTP status of every Fault: 500, or 200 under T3's profile.
func (h *handler) faultStatus() int {
	if h.b.faultStatus200 {
		return http.StatusOK
	}
	return http.StatusInternalServerError
}

// serveGet answers GET and HEAD like an ASMX endpoint: the WSDL for ?wsdl, else a short
// HTML page naming the service and its operations.
func (h *handler) serveGet(w http.ResponseWriter, r *http.Request, api *endpoint) {
	names := make([]string, len(api.ops))
	for i, o := range api.ops {
		names[i] = o.name
	}
	for k := range r.URL.Query() {
		if strings.EqualFold(k, "wsdl") {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			writeGet(w, "text/xml; charset=utf-8", api.wsdl.describe(scheme+"://"+r.Host+r.URL.Path, names))
			return
		}
	}
	page := "<!DOCTYPE html>\n<html><head><title>" + api.title + "</title></head><body>\n<h1>" + api.heading + "</h1>\n" +
		"<p>Operations: " + strings.Join(names, ", ") + ". POST SOAP 1.1 envelopes as text/xml. " +
		`The service description is at <a href="?wsdl">?wsdl</a>.</p>` + "\n<p>Profile: " + h.prof.Name + "</p>\n</body></html>\n"
	writeGet(w, "text/html; charset=utf-8", []byte(page))
}

func writeGet(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body) // the client may be gone; nothing useful to do about it
}
