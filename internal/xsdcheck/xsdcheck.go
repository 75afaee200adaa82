// Package xsdcheck validates a document against an XSD file with libxml2, for tests that
// hold the project's output to a schema it does not own (Jenkins' junit-10.xsd).
package xsdcheck

import (
	"errors"
	"fmt"

	"github.com/lestrrat-go/libxml2/parser"
	"github.com/lestrrat-go/libxml2/xsd"

	"github.com/umconform/umconform/schema"
)

// Problems validates doc against the schema in xsdFile and returns one message per
// violation (libxml2's, without line numbers), none when doc is valid. err means the
// schema or the document could not be read at all.
func Problems(xsdFile string, doc []byte) ([]string, error) {
	// libxml2 initialises itself lazily and not thread-safely: let the schema package,
	// which does so under its lock, go first, whatever else the test process validates.
	if _, err := schema.Load(); err != nil {
		return nil, err
	}
	s, err := xsd.ParseFromFile(xsdFile)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", xsdFile, err)
	}
	defer s.Free()
	d, err := parser.New(parser.XMLParseNoNet, parser.XMLParseNoError, parser.XMLParseNoWarning).Parse(doc)
	if err != nil {
		return []string{fmt.Sprintf("not well-formed: %v", err)}, nil
	}
	defer d.Free()
	err = s.Validate(d)
	var sve xsd.SchemaValidationError
	switch {
	case err == nil:
		return nil, nil
	case errors.As(err, &sve):
		var out []string
		for _, e := range sve.Errors() {
			out = append(out, e.Error())
		}
		return out, nil
	}
	return []string{err.Error()}, nil
}
