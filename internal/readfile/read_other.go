//go:build !unix

package readfile

import "os"

// Read reads a whole file, but no more than limit+1 bytes, so that a caller can refuse a
// file over limit without loading it.
func Read(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(name, f, limit)
}
