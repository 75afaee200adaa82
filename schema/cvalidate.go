package schema

/*
#cgo pkg-config: libxml-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>

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

// umc_validate validates doc against schema with a context of its own, so one compiled
// schema is shared by concurrent callers without locks. Returns 0 when valid.
static int umc_validate(uintptr_t schema, uintptr_t doc, umc_violations *out) {
	xmlSchemaValidCtxtPtr ctx = xmlSchemaNewValidCtxt((xmlSchemaPtr)schema);
	if (ctx == NULL) {
		return -1;
	}
	xmlSchemaSetValidStructuredErrors(ctx, umc_collect, out);
	int rc = xmlSchemaValidateDoc(ctx, (xmlDocPtr)doc);
	xmlSchemaFreeValidCtxt(ctx);
	return rc;
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

// umc_body_child returns the first element inside the envelope's Body (any namespace:
// the caller judges it), or NULL.
static xmlNodePtr umc_body_child(uintptr_t doc) {
	xmlNodePtr root = xmlDocGetRootElement((xmlDocPtr)doc);
	if (root == NULL) {
		return NULL;
	}
	for (xmlNodePtr n = umc_first_element(root->children); n != NULL; n = umc_first_element(n->next)) {
		if (xmlStrEqual(n->name, BAD_CAST "Body")) {
			return umc_first_element(n->children);
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
	char *path;
	int line;
} umc_value;

#define UMC_MAX_VALUES 16

static void umc_set_value(umc_value *v, xmlNodePtr n) {
	v->name = (const char *)n->name;
	v->text = (char *)xmlNodeGetContent(n);
	v->path = umc_node_path(n);
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
		free(v[i].path);
	}
}
*/
import "C"

import (
	"unsafe"
)

// validateDoc validates a parsed document (doc is its xmlDocPtr) against a compiled schema
// and returns every violation with its line and node path.
func validateDoc(schemaPtr, docPtr uintptr) (valid bool, out []Violation, err error) {
	var v C.umc_violations
	rc := C.umc_validate(C.uintptr_t(schemaPtr), C.uintptr_t(docPtr), &v)
	defer C.umc_free_violations(&v)
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

// hasDTD reports whether the parsed document declares a document type.
func hasDTD(docPtr uintptr) bool { return C.umc_has_dtd(C.uintptr_t(docPtr)) != 0 }

// bodyFacts reads the root namespace, the Body child's name and namespace, and the leaf
// elements below the Body child.
func bodyFacts(docPtr uintptr) (rootNS, name, ns string, fields []Field) {
	d := C.uintptr_t(docPtr)
	rootNS = C.GoString(C.umc_root_ns(d))
	child := C.umc_body_child(d)
	if child == nil {
		return rootNS, "", "", nil
	}
	name = C.GoString(C.umc_name(child))
	ns = C.GoString(C.umc_ns(child))
	var leaves [C.UMC_MAX_VALUES]C.umc_value
	k := C.umc_body_leaves(child, &leaves[0])
	defer C.umc_free_values(&leaves[0], k)
	fields = make([]Field, 0, int(k))
	for _, l := range leaves[:int(k)] {
		f := Field{Name: C.GoString(l.name), Line: int(l.line)}
		if l.text != nil {
			f.Text = C.GoString(l.text)
		}
		if l.path != nil {
			f.Path = C.GoString(l.path)
		}
		fields = append(fields, f)
	}
	return rootNS, name, ns, fields
}
