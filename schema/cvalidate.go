package schema

/*
#cgo pkg-config: libxml-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>
#include <libxml/dict.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlIO.h>

// umc_violation is one schema violation with its location. The binding's own
// validation gives neither line nor node, and stops after 32 messages.
typedef struct {
	int line;
	char *path;
	char *msg;
} umc_violation;

typedef struct {
	umc_violation *items;
	int n;
	int cap;
	int dropped;
} umc_violations;

// UMC_MAX_VIOLATIONS bounds memory for hostile documents; the count of the rest is kept
// so that nothing is dropped silently.
#define UMC_MAX_VIOLATIONS 1000

// umc_node_path renders a node's path with the prefixes of the document, or the bare local
// name for a default namespace; libxml2's xmlGetNodePath writes "*" for those, which tells a
// reader nothing. Same-named siblings get a 1-based index. Caller frees with free().
static char *umc_node_path(xmlNodePtr node) {
	xmlNodePtr chain[64];
	int depth = 0;
	for (xmlNodePtr n = node; n != NULL && n->type == XML_ELEMENT_NODE && depth < 64; n = n->parent) {
		chain[depth++] = n;
	}
	size_t size = 1;
	for (int i = 0; i < depth; i++) {
		size += strlen((const char *)chain[i]->name) + 24;
		if (chain[i]->ns != NULL && chain[i]->ns->prefix != NULL) {
			size += strlen((const char *)chain[i]->ns->prefix) + 1;
		}
	}
	char *out = malloc(size);
	if (out == NULL) {
		return NULL;
	}
	size_t off = 0;
	out[0] = 0;
	for (int i = depth - 1; i >= 0; i--) {
		xmlNodePtr n = chain[i];
		int index = 0, same = 0;
		if (n->parent != NULL) {
			for (xmlNodePtr s = n->parent->children; s != NULL; s = s->next) {
				if (s->type == XML_ELEMENT_NODE && xmlStrEqual(s->name, n->name) && s->ns == n->ns) {
					same++;
					if (s == n) {
						index = same;
					}
				}
			}
		}
		const char *prefix = (n->ns != NULL && n->ns->prefix != NULL) ? (const char *)n->ns->prefix : NULL;
		off += snprintf(out + off, size - off, "/%s%s%s", prefix ? prefix : "", prefix ? ":" : "", (const char *)n->name);
		if (same > 1) {
			off += snprintf(out + off, size - off, "[%d]", index);
		}
	}
	return out;
}

static void umc_collect(void *data, xmlErrorPtr err) {
	umc_violations *v = (umc_violations *)data;
	if (err == NULL || err->level < XML_ERR_ERROR) {
		return;
	}
	if (v->n >= UMC_MAX_VIOLATIONS) {
		v->dropped++;
		return;
	}
	if (v->n == v->cap) {
		int cap = v->cap == 0 ? 8 : v->cap * 2;
		umc_violation *items = realloc(v->items, cap * sizeof(umc_violation));
		if (items == NULL) {
			v->dropped++;
			return;
		}
		v->items = items;
		v->cap = cap;
	}
	umc_violation *it = &v->items[v->n++];
	it->line = err->line;
	it->path = NULL;
	if (err->node != NULL) {
		xmlNodePtr node = (xmlNodePtr)err->node;
		it->path = umc_node_path(node);
		if (it->line <= 0) {
			it->line = (int)xmlGetLineNo(node);
		}
	}
	it->msg = strdup(err->message != NULL ? err->message : "unknown schema error");
}

// umc_ctx is one caller's parser and validation contexts. Creating both costs about as
// much as parsing a small envelope, so a Validator keeps a few and lends each to one
// goroutine at a time; the compiled schema itself is shared read-only.
typedef struct {
	xmlParserCtxtPtr parser;
	xmlSchemaValidCtxtPtr valid;
} umc_ctx;

static void umc_ctx_free(umc_ctx *c) {
	if (c == NULL) {
		return;
	}
	if (c->parser != NULL) {
		xmlFreeParserCtxt(c->parser);
	}
	if (c->valid != NULL) {
		xmlSchemaFreeValidCtxt(c->valid);
	}
	free(c);
}

static umc_ctx *umc_ctx_new(uintptr_t schema) {
	umc_ctx *c = calloc(1, sizeof(umc_ctx));
	if (c == NULL) {
		return NULL;
	}
	c->parser = xmlNewParserCtxt();
	c->valid = xmlSchemaNewValidCtxt((xmlSchemaPtr)schema);
	if (c->parser == NULL || c->valid == NULL) {
		umc_ctx_free(c);
		return NULL;
	}
	return c;
}

// umc_validate validates doc with the caller's validation context. Returns 0 when valid.
static int umc_validate(umc_ctx *c, uintptr_t doc, umc_violations *out) {
	xmlSchemaSetValidStructuredErrors(c->valid, umc_collect, out);
	return xmlSchemaValidateDoc(c->valid, (xmlDocPtr)doc);
}

static void umc_free_violations(umc_violations *v) {
	for (int i = 0; i < v->n; i++) {
		if (v->items[i].path != NULL) {
			free(v->items[i].path);
		}
		free(v->items[i].msg);
	}
	free(v->items);
}

static xmlNodePtr umc_first_element(xmlNodePtr n) {
	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			return n;
		}
	}
	return NULL;
}

// umc_body returns the Body element among the root's children (any namespace: the caller
// judges it), or NULL.
static xmlNodePtr umc_body(uintptr_t doc) {
	xmlNodePtr root = xmlDocGetRootElement((xmlDocPtr)doc);
	if (root == NULL) {
		return NULL;
	}
	for (xmlNodePtr n = umc_first_element(root->children); n != NULL; n = umc_first_element(n->next)) {
		if (xmlStrEqual(n->name, BAD_CAST "Body")) {
			return n;
		}
	}
	return NULL;
}

// umc_has_dtd reports a document type declaration that slipped past the byte scan (a
// UTF-16 document hides "<!DOCTYPE" from it).
static int umc_has_dtd(uintptr_t doc) {
	xmlDocPtr d = (xmlDocPtr)doc;
	return d->intSubset != NULL || d->extSubset != NULL;
}

static const char *umc_ns(xmlNodePtr n) {
	return (n != NULL && n->ns != NULL && n->ns->href != NULL) ? (const char *)n->ns->href : "";
}

static const char *umc_name(xmlNodePtr n) {
	return n != NULL ? (const char *)n->name : "";
}

static const char *umc_root_ns(uintptr_t doc) {
	return umc_ns(xmlDocGetRootElement((xmlDocPtr)doc));
}

// umc_value is a leaf element's text below the Body child.
typedef struct {
	const char *name;
	char *text;
	uintptr_t node;
	int line;
} umc_value;

#define UMC_MAX_VALUES 16

static void umc_set_value(umc_value *v, xmlNodePtr n) {
	v->name = (const char *)n->name;
	v->text = (char *)xmlNodeGetContent(n);
	v->node = (uintptr_t)n;
	v->line = (int)xmlGetLineNo(n);
}

// umc_leaves records the text of up to UMC_MAX_VALUES elements that hold no element
// children, in document order, so checks read CallState or faultcode without a second parse.
static int umc_leaves(xmlNodePtr n, umc_value *out, int k) {
	for (; n != NULL && k < UMC_MAX_VALUES; n = n->next) {
		if (n->type != XML_ELEMENT_NODE) {
			continue;
		}
		if (umc_first_element(n->children) == NULL) {
			umc_set_value(&out[k], n);
			k++;
		} else {
			k = umc_leaves(n->children, out, k);
		}
	}
	return k;
}
// umc_body_leaves collects the leaf values of the Body child itself (a leaf such as a
// PlayOnPhoneResponse holding text) or of its descendants.
static int umc_body_leaves(xmlNodePtr child, umc_value *out) {
	if (umc_first_element(child->children) == NULL) {
		umc_set_value(&out[0], child);
		return 1;
	}
	return umc_leaves(child->children, out, 0);
}

static void umc_free_values(umc_value *v, int k) {
	for (int i = 0; i < k; i++) {
		if (v[i].text != NULL) {
			xmlFree(v[i].text);
		}
	}
}
// umc_attr is an attribute of the Body child or of an element below it (an EWS
// ResponseClass, a PhoneCallId's Id), which the checks read as they read leaf texts.
typedef struct {
	const char *element;
	const char *name;
	char *value;
	int line;
} umc_attr;

#define UMC_MAX_ATTRS 16
#define UMC_MAX_HEADERS 8

typedef struct {
	int has_dtd;
	int has_body;
	const char *root_ns;
	const char *name;
	const char *ns;
	int n;
	umc_value values[UMC_MAX_VALUES];
	int na;
	umc_attr attrs[UMC_MAX_ATTRS];
	int nh;
	const char *header_names[UMC_MAX_HEADERS];
	const char *header_ns[UMC_MAX_HEADERS];
} umc_facts;

// umc_attrs records, in document order, the attributes of n and of its descendants, up to
// UMC_MAX_ATTRS and eight levels deep; namespace declarations are not attributes here.
static int umc_attrs(xmlNodePtr n, umc_attr *out, int k, int depth) {
	if (n == NULL || n->type != XML_ELEMENT_NODE || depth > 8) {
		return k;
	}
	for (xmlAttrPtr a = n->properties; a != NULL && k < UMC_MAX_ATTRS; a = a->next) {
		out[k].element = (const char *)n->name;
		out[k].name = (const char *)a->name;
		out[k].value = (char *)xmlNodeListGetString(n->doc, a->children, 1);
		out[k].line = (int)xmlGetLineNo(n);
		k++;
	}
	for (xmlNodePtr c = umc_first_element(n->children); c != NULL && k < UMC_MAX_ATTRS; c = umc_first_element(c->next)) {
		k = umc_attrs(c, out, k, depth + 1);
	}
	return k;
}

static void umc_free_attrs(umc_attr *a, int k) {
	for (int i = 0; i < k; i++) {
		if (a[i].value != NULL) {
			xmlFree(a[i].value);
		}
	}
}

// umc_header_blocks records the SOAP Header's child elements (an EWS ServerVersionInfo).
static int umc_header_blocks(uintptr_t doc, umc_facts *f) {
	xmlNodePtr root = xmlDocGetRootElement((xmlDocPtr)doc);
	if (root == NULL) {
		return 0;
	}
	int k = 0;
	for (xmlNodePtr h = umc_first_element(root->children); h != NULL; h = umc_first_element(h->next)) {
		if (!xmlStrEqual(h->name, BAD_CAST "Header")) {
			continue;
		}
		for (xmlNodePtr b = umc_first_element(h->children); b != NULL && k < UMC_MAX_HEADERS; b = umc_first_element(b->next)) {
			f->header_names[k] = umc_name(b);
			f->header_ns[k] = umc_ns(b);
			k++;
		}
		break;
	}
	return k;
}

// umc_read_facts gathers in one cgo call what the checks need from a parsed document.
static void umc_read_facts(uintptr_t doc, umc_facts *f) {
	f->has_dtd = umc_has_dtd(doc);
	f->root_ns = umc_root_ns(doc);
	xmlNodePtr body = umc_body(doc);
	f->has_body = body != NULL;
	xmlNodePtr child = body != NULL ? umc_first_element(body->children) : NULL;
	f->name = umc_name(child);
	f->ns = umc_ns(child);
	f->n = child != NULL ? umc_body_leaves(child, f->values) : 0;
	f->na = umc_attrs(child, f->attrs, 0, 0);
	f->nh = umc_header_blocks(doc, f);
}

static char *umc_path_of(uintptr_t node) {
	return umc_node_path((xmlNodePtr)node);
}
typedef struct {
	int line;
	char *msg;
} umc_parse_error;

// UMC_PARSE_OPTIONS: no network access and no printing. Entities stay unsubstituted and
// DTDs are neither loaded nor validated: never add NOENT, DTDLOAD, DTDVALID, XINCLUDE or HUGE.
#define UMC_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

// UMC_DICT_LIMIT bounds the names a reused parser context remembers: its dictionary keeps
// every element and attribute name it has seen, so a stream of hostile documents with
// fresh names would grow it without end. Past the limit the context is replaced.
#define UMC_DICT_LIMIT 4096

// umc_parse parses buf without copying it (the binding copies every input twice and builds
// two parser contexts), and reports the first well-formedness error with its line.
static uintptr_t umc_parse(umc_ctx *c, const char *buf, int len, umc_parse_error *perr) {
	if (c->parser->dict != NULL && xmlDictSize(c->parser->dict) > UMC_DICT_LIMIT) {
		xmlParserCtxtPtr fresh = xmlNewParserCtxt();
		if (fresh != NULL) {
			xmlFreeParserCtxt(c->parser);
			c->parser = fresh;
		}
	}
	xmlParserCtxtPtr ctxt = c->parser;
	xmlDocPtr doc = xmlCtxtReadMemory(ctxt, buf, len, NULL, NULL, UMC_PARSE_OPTIONS);
	if (doc == NULL || !ctxt->wellFormed) {
		xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
		perr->line = e != NULL ? e->line : 0;
		perr->msg = strdup(e != NULL && e->message != NULL ? e->message : "the document could not be parsed");
		if (doc != NULL) {
			xmlFreeDoc(doc);
			doc = NULL;
		}
	}
	return (uintptr_t)doc;
}

static void umc_free_doc(uintptr_t doc) {
	xmlFreeDoc((xmlDocPtr)doc);
}

// The embedded XSD files, served to libxml2 from memory while the schema compiles, so that
// relative xs:import locations resolve without writing the files to disk (a read-only or
// missing temporary folder must not stop the harness).
#define UMC_XSD_BASE "umconform-embedded:///"
#define UMC_XSD_MAX 16
typedef struct {
	const char *name;
	const char *data;
	int len;
} umc_xsd_file;
static umc_xsd_file umc_xsd_files[UMC_XSD_MAX];
static int umc_xsd_count;
static xmlExternalEntityLoader umc_previous_loader;

static xmlParserInputPtr umc_xsd_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt) {
	size_t base = strlen(UMC_XSD_BASE);
	if (url != NULL && strncmp(url, UMC_XSD_BASE, base) == 0) {
		for (int i = 0; i < umc_xsd_count; i++) {
			if (strcmp(url + base, umc_xsd_files[i].name) != 0) {
				continue;
			}
			// A copy, not xmlParserInputBufferCreateStatic: libxml2 2.9 reads a static
			// buffer as if it ended with a NUL, and the compile failed on garbage.
			xmlParserInputBufferPtr buf = xmlParserInputBufferCreateMem(umc_xsd_files[i].data, umc_xsd_files[i].len, XML_CHAR_ENCODING_NONE);
			if (buf == NULL) {
				return NULL;
			}
			xmlParserInputPtr in = xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_NONE);
			if (in == NULL) {
				xmlFreeParserInputBuffer(buf);
				return NULL;
			}
			// The file name is the base against which this file's own imports resolve.
			in->filename = (const char *)xmlStrdup((const xmlChar *)url);
			return in;
		}
		return NULL; // an import of a file that is not embedded fails, and the self-check says so
	}
	return umc_previous_loader(url, id, ctxt);
}

// umc_compile_embedded compiles the entry file of the registered XSD files. The loader is
// installed only for the compile: documents never reach it.
static uintptr_t umc_compile_embedded(const char *entry) {
	umc_previous_loader = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(umc_xsd_loader);
	xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(entry);
	xmlSchemaPtr s = NULL;
	if (pctx != NULL) {
		s = xmlSchemaParse(pctx);
		xmlSchemaFreeParserCtxt(pctx);
	}
	xmlSetExternalEntityLoader(umc_previous_loader);
	return (uintptr_t)s;
}

// umc_reset_xsd forgets the files of an earlier, failed compile.
static void umc_reset_xsd(void) {
	for (int i = 0; i < umc_xsd_count; i++) {
		free((void *)umc_xsd_files[i].name);
		free((void *)umc_xsd_files[i].data);
	}
	umc_xsd_count = 0;
}

static int umc_add_xsd(const char *name, const char *data, int len) {
	if (umc_xsd_count == UMC_XSD_MAX) {
		return -1;
	}
	umc_xsd_files[umc_xsd_count++] = (umc_xsd_file){name, data, len};
	return 0;
}

static void umc_free_schema(uintptr_t s) {
	xmlSchemaFree((xmlSchemaPtr)s);
}
*/
import "C"

import (
	"fmt"
	"io/fs"
	"unsafe"
)

// compileEmbedded compiles entry from files with every embedded .xsd file available to its
// imports, without touching the disk. The C copies of the files live as long as the process,
// like the compiled schema that refers to them. Call it once, under compileMu.
//
// The files are registered once: the UM and EWS entries import from the same set, and a
// second compile must not free what the first one registered.
func compileEmbedded(files fs.FS, entry string) (uintptr, error) {
	if !xsdRegistered {
		names, err := fs.Glob(files, "*.xsd")
		if err != nil {
			return 0, err
		}
		C.umc_reset_xsd()
		for _, name := range names {
			data, err := fs.ReadFile(files, name)
			if err != nil {
				return 0, fmt.Errorf("reading embedded %s: %w", name, err)
			}
			if C.umc_add_xsd(C.CString(name), (*C.char)(C.CBytes(data)), C.int(len(data))) != 0 {
				return 0, fmt.Errorf("too many embedded XSD files (at most %d)", C.UMC_XSD_MAX)
			}
		}
	}
	url := C.CString(C.UMC_XSD_BASE + entry)
	defer C.free(unsafe.Pointer(url))
	s := C.umc_compile_embedded(url)
	if s == 0 {
		return 0, fmt.Errorf("libxml2 could not compile %s", entry)
	}
	xsdRegistered = true
	return uintptr(s), nil
}

// xsdRegistered is set once a compile has succeeded with the registered files; under
// compileMu.
var xsdRegistered bool

func freeSchema(s uintptr) { C.umc_free_schema(C.uintptr_t(s)) }

// validateDoc validates a parsed document (doc is its xmlDocPtr) against a compiled schema
// and returns every violation with its line and node path.
func validateDoc(c *cContext, docPtr uintptr) (valid bool, out []Violation, err error) {
	v := c.viol
	*v = C.umc_violations{}
	rc := C.umc_validate(c.ctx, C.uintptr_t(docPtr), v)
	defer C.umc_free_violations(v)
	if rc < 0 {
		return false, nil, errValidatorContext
	}
	items := unsafe.Slice(v.items, int(v.n))
	out = make([]Violation, 0, len(items)+1)
	for _, it := range items {
		viol := Violation{Line: int(it.line), Message: trimMessage(C.GoString(it.msg))}
		if it.path != nil {
			viol.Path = C.GoString(it.path)
		}
		out = append(out, viol)
	}
	if v.dropped > 0 {
		out = append(out, Violation{Message: droppedMessage(int(v.dropped))})
	}
	return rc == 0 && len(out) == 0, out, nil
}

// parse parses doc with libxml2; the caller frees the result with freeDoc.
func parse(c *cContext, doc []byte) (uintptr, *Violation) {
	if len(doc) == 0 {
		return 0, &Violation{Line: 1, Message: "not well-formed XML: the document is empty"}
	}
	perr := c.perr
	// doc holds no Go pointers, so C may read it for the duration of the call.
	d := C.umc_parse(c.ctx, (*C.char)(unsafe.Pointer(&doc[0])), C.int(len(doc)), perr)
	if d == 0 {
		defer C.free(unsafe.Pointer(perr.msg))
		return 0, &Violation{Line: max(int(perr.line), 1), Message: "not well-formed XML: " + trimMessage(C.GoString(perr.msg))}
	}
	return uintptr(d), nil
}

func freeDoc(d uintptr) { C.umc_free_doc(C.uintptr_t(d)) }

// cContext is one goroutine's libxml2 parser and validation contexts, with the structs
// that C fills in for Go. Those live in C memory: a Go struct of C pointers passed to C is
// scanned by the cgo pointer check on every call, which cost 6% of validating small files.
type cContext struct {
	ctx   *C.umc_ctx
	facts *C.umc_facts
	viol  *C.umc_violations
	perr  *C.umc_parse_error
}

func newCContext(schema uintptr) *cContext {
	ctx := C.umc_ctx_new(C.uintptr_t(schema))
	if ctx == nil {
		return nil
	}
	return &cContext{
		ctx:   ctx,
		facts: (*C.umc_facts)(C.calloc(1, C.sizeof_umc_facts)),
		viol:  (*C.umc_violations)(C.calloc(1, C.sizeof_umc_violations)),
		perr:  (*C.umc_parse_error)(C.calloc(1, C.sizeof_umc_parse_error)),
	}
}

func (c *cContext) free() {
	C.umc_ctx_free(c.ctx)
	C.free(unsafe.Pointer(c.facts))
	C.free(unsafe.Pointer(c.viol))
	C.free(unsafe.Pointer(c.perr))
}

// contexts lends parser and validation contexts to one goroutine at a time. At most cap
// idle ones are kept; the rest are freed, so C memory stays bounded.
type contexts struct {
	schema uintptr
	idle   chan *cContext
}

func newContexts(schema uintptr, keep int) *contexts {
	return &contexts{schema: schema, idle: make(chan *cContext, keep)}
}

func (p *contexts) get() (*cContext, error) {
	select {
	case c := <-p.idle:
		return c, nil
	default:
	}
	c := newCContext(p.schema)
	if c == nil || c.facts == nil || c.viol == nil || c.perr == nil {
		if c != nil {
			c.free()
		}
		return nil, errValidatorContext
	}
	return c, nil
}

func (p *contexts) put(c *cContext) {
	select {
	case p.idle <- c:
	default:
		c.free()
	}
}

// facts is what checks read from a parsed document besides its validity. Its fields hold
// pointers into the document: use them only before the document is freed, and only while
// the context that holds them is lent.
type facts struct {
	c *C.umc_facts
}

func readFacts(c *cContext, docPtr uintptr) facts {
	*c.facts = C.umc_facts{}
	C.umc_read_facts(C.uintptr_t(docPtr), c.facts)
	return facts{c.facts}
}

func (f facts) free() {
	C.umc_free_values(&f.c.values[0], f.c.n)
	C.umc_free_attrs(&f.c.attrs[0], f.c.na)
}

func (f facts) hasDTD() bool { return f.c.has_dtd != 0 }

// fill copies the facts into r, in Go memory.
func (f facts) fill(r *Result) {
	r.Envelope = C.GoString(f.c.root_ns)
	r.HasBody = f.c.has_body != 0
	r.Message = C.GoString(f.c.name)
	r.Namespace = C.GoString(f.c.ns)
	for i := range int(f.c.nh) {
		r.HeaderBlocks = append(r.HeaderBlocks, "{"+C.GoString(f.c.header_ns[i])+"}"+C.GoString(f.c.header_names[i]))
	}
	for _, a := range f.c.attrs[:int(f.c.na)] {
		at := Attr{Element: C.GoString(a.element), Name: C.GoString(a.name), Line: int(a.line)}
		if a.value != nil {
			at.Value = C.GoString(a.value)
		}
		r.Attrs = append(r.Attrs, at)
	}
	if f.c.n == 0 {
		return
	}
	r.Fields = make([]Field, 0, int(f.c.n))
	for _, l := range f.c.values[:int(f.c.n)] {
		fld := Field{Name: C.GoString(l.name), Line: int(l.line)}
		if l.text != nil {
			fld.Text = C.GoString(l.text)
		}
		r.Fields = append(r.Fields, fld)
	}
}

// path renders the node path of the i-th field; only while the document lives.
func (f facts) path(i int) string {
	p := C.umc_path_of(f.c.values[i].node)
	if p == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(p))
	return C.GoString(p)
}
