// Package readfile reads whole files with as few system calls as the platform allows.
package readfile

import (
	"fmt"
	"io"
)

// ReadAll reads r to its end, but no more than limit+1 bytes; name is for the error.
func ReadAll(name string, r io.Reader, limit int64) ([]byte, error) {
	doc, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return doc, nil
}
