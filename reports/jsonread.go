package reports

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// JSONReader reads a report.json one check at a time, so that merge and compare hold a
// check, not a run: a week of recorded traffic is 700 000 checks and several hundred MB of
// report.json, which ReadJSON would hold whole (and encoding/json's copy of it beside).
//
// The run's fields before its checks (every field but duration_seconds, as the writers
// order them) are read by OpenJSONFile and NewJSONReader; Next returns the checks in the
// order of the file; once it has returned io.EOF, Run holds the fields after the checks
// too. Errors name the file and the check's index in the checks array.
type JSONReader struct {
	name   string // the file, for errors
	closer io.Closer
	in     *boundedReader
	dec    *json.Decoder
	wire   runWire // the run's fields as read so far; Checks stays nil
	n      int     // checks returned
	state  int     // readingChecks, or done
	err    error   // the error that stopped reading, returned again by Next
}

const (
	readingChecks = iota
	readingDone
)

// maxJSONValue bounds one check, and one field of the run, as read: a check is a few KB
// (the evidence keeps 4 KiB of a request and of a response), so a larger one is no report
// umconform wrote, and reading it whole would let one hostile file take the memory.
const maxJSONValue = 16 << 20

// errValueTooLarge is returned by the boundedReader when a value passes maxJSONValue.
var errValueTooLarge = fmt.Errorf("a value is larger than %d MiB: not a report umconform wrote", maxJSONValue>>20)

// boundedReader refuses to give the decoder more than maxJSONValue bytes past the start
// of the value being read (mark): json.Decoder buffers a whole value before decoding it.
type boundedReader struct {
	r    io.Reader
	read int64 // bytes given to the decoder
	mark int64 // the decoder's input offset when the current value began
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.read-b.mark > maxJSONValue {
		return 0, errValueTooLarge
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// OpenJSONFile opens the report.json at path and reads its run's fields up to its checks.
// Close it when done.
func OpenJSONFile(path string) (*JSONReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // the error names the path
	}
	r, err := NewJSONReader(bufio.NewReaderSize(f, 64<<10), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewJSONReader reads the run's fields of the report.json in in up to its checks; name
// names it in errors.
func NewJSONReader(in io.Reader, name string) (*JSONReader, error) {
	b := &boundedReader{r: in}
	r := &JSONReader{name: name, in: b, dec: json.NewDecoder(b)}
	t, err := r.token()
	if err != nil {
		return nil, r.fail(fmt.Errorf("report is not JSON: %w", err))
	}
	if t != json.Delim('{') {
		return nil, r.fail(fmt.Errorf("report is not JSON: %w", r.notAnObject()))
	}
	if err := r.fields(true); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *JSONReader) notAnObject() error {
	return fmt.Errorf("a report is a JSON object, this file starts with something else (offset %d)", r.dec.InputOffset())
}

// Name is the file the reader reads, as its errors name it.
func (r *JSONReader) Name() string { return r.name }

// Run is the run's fields read so far, without its checks: all but its duration until
// Next has returned io.EOF, all of them after.
func (r *JSONReader) Run() Run {
	run := r.wire.run()
	run.Checks = nil
	return run
}

// Close closes the file OpenJSONFile opened.
func (r *JSONReader) Close() error {
	if r.closer == nil {
		return nil
	}
	err := r.closer.Close()
	r.closer = nil
	return err
}

// fail records err, naming the file, as the error every later Next returns.
func (r *JSONReader) fail(err error) error {
	if r.name != "" {
		err = fmt.Errorf("%s: %w", r.name, err)
	}
	r.err = err
	r.state = readingDone
	return err
}

// token reads the next token, bounded as a value is.
func (r *JSONReader) token() (json.Token, error) {
	r.in.mark = r.dec.InputOffset()
	t, err := r.dec.Token()
	if err == nil && r.dec.InputOffset()-r.in.mark > maxJSONValue {
		err = errValueTooLarge
	}
	return t, ended(err)
}

// decode reads the next value into v, bounded: the reader stops giving the decoder bytes
// past the bound, and a value that fitted in what it had read already is measured.
func (r *JSONReader) decode(v any) error {
	r.in.mark = r.dec.InputOffset()
	err := r.dec.Decode(v)
	if err == nil && r.dec.InputOffset()-r.in.mark > maxJSONValue {
		err = errValueTooLarge
	}
	return ended(err)
}

// ended says what a file that ends too early is: encoding/json says only "EOF".
func ended(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the file ends early (truncated?)")
	}
	return err
}

// fields reads the run's fields up to the checks (head) or to the end of the object: each
// field's value is decoded on its own into the run's wire type, so a field may come in
// any order but checks is read last of those before it.
func (r *JSONReader) fields(head bool) error {
	for {
		t, err := r.token()
		if err != nil {
			return r.fail(fmt.Errorf("reading report: %w", err))
		}
		if t == json.Delim('}') {
			break
		}
		key, ok := t.(string)
		if !ok {
			return r.fail(fmt.Errorf("reading report: unexpected %v at offset %d", t, r.dec.InputOffset()))
		}
		if key == "checks" {
			if !head {
				return r.fail(errors.New("reading report: two checks arrays"))
			}
			if err := r.checkFormat(); err != nil {
				return err
			}
			t, err := r.token()
			if err != nil {
				return r.fail(fmt.Errorf("reading report: checks: %w", err))
			}
			switch t {
			case json.Delim('['):
				r.state = readingChecks
				return nil
			case nil: // "checks": null, as an older writer may have written no checks
				continue
			}
			return r.fail(fmt.Errorf("reading report: checks is %v, want an array", t))
		}
		var raw json.RawMessage
		if err := r.decode(&raw); err != nil {
			return r.fail(fmt.Errorf("reading report: %s: %w", key, err))
		}
		// One field decoded into the whole run's wire type: json.Unmarshal leaves the
		// other fields as they are and matches the name as it would in the whole object.
		k, _ := json.Marshal(key)
		obj := make([]byte, 0, len(k)+len(raw)+3)
		obj = append(append(append(append(append(obj, '{'), k...), ':'), raw...), '}')
		if err := json.Unmarshal(obj, &r.wire); err != nil {
			return r.fail(fmt.Errorf("reading report: %w", err))
		}
	}
	if err := r.checkFormat(); err != nil {
		return err
	}
	// The object is the whole file: anything after it is no report umconform wrote.
	if _, err := r.dec.Token(); err != io.EOF {
		return r.fail(fmt.Errorf("reading report: data after the report's end (offset %d)", r.dec.InputOffset()))
	}
	r.state = readingDone
	r.err = io.EOF
	return nil
}

// checkFormat refuses a file of another layout before its checks are read as ours.
func (r *JSONReader) checkFormat() error {
	if r.wire.Format != Format {
		return r.fail(fmt.Errorf("report format is %q, want %q (a report.json written by umconform run)", r.wire.Format, Format))
	}
	return nil
}

// Next returns the next check, or io.EOF after the last (the run's fields after the checks
// have then been read: see Run), or an error naming the file and the check.
func (r *JSONReader) Next() (Check, error) {
	if r.state == readingDone {
		return Check{}, r.err
	}
	if !r.dec.More() {
		t, err := r.token()
		if err != nil {
			return Check{}, r.fail(fmt.Errorf("reading report: checks[%d]: %w", r.n, err))
		}
		if t != json.Delim(']') {
			return Check{}, r.fail(fmt.Errorf("reading report: checks[%d]: unexpected %v", r.n, t))
		}
		if err := r.fields(false); err != nil {
			return Check{}, err
		}
		return Check{}, io.EOF
	}
	var w checkWire
	if err := r.decode(&w); err != nil {
		return Check{}, r.fail(fmt.Errorf("reading report: checks[%d]: %w", r.n, err))
	}
	r.n++
	return w.check(), nil
}

// Each calls fn with each check left, in the order of the file, until the last (the
// run's fields after the checks are then read: see Run), fn's first error or the reader's.
func (r *JSONReader) Each(fn func(Check) error) error {
	for {
		c, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err == nil {
			err = fn(c)
		}
		if err != nil {
			return err
		}
	}
}

// ReadJSONFileKeeping reads the report.json at path a check at a time, as OpenJSONFile,
// and returns its run with only the checks keep selects: a command that needs the
// failures of a run of 700 000 checks holds those, not the run.
func ReadJSONFileKeeping(path string, keep func(Check) bool) (Run, error) {
	r, err := OpenJSONFile(path)
	if err != nil {
		return Run{}, err
	}
	defer r.Close()
	var kept []Check
	err = r.Each(func(c Check) error {
		if keep(c) {
			kept = append(kept, c)
		}
		return nil
	})
	if err != nil {
		return Run{}, err
	}
	run := r.Run()
	run.Checks = kept
	return run, nil
}
