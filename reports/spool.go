package reports

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Spool keeps a run's checks on disk as they are judged, so that a run's memory does not
// grow with its recording (a week of traffic is hundreds of thousands of checks): Add
// writes each check to a temporary file, and WriteSpooled reads them back once, in name
// order, to write the reports.
//
// Checks are filed by the prefix of their name up to the first ']' (the requirement:
// "[C1] fixture: title"), one file per prefix. Ordering by prefix, then by name within a
// prefix, is ordering by name (see suites' sortByName), and the checks of one prefix
// arrive in name order already (fixture by fixture, the fixtures in ID order): so each
// file is read back as it was written, and only a prefix whose checks came out of order
// is read into memory and sorted (stably: equal names keep the run's order).
type Spool struct {
	mu     sync.Mutex
	dir    string
	groups map[string]*spoolGroup
	n      int
	err    error // the first write that failed; WriteSpooled returns it
	buf    []byte
}

type spoolGroup struct {
	f      *os.File
	w      *bufio.Writer
	mem    []Check // the group's checks when it has no file (past maxSpoolFiles)
	last   string  // name of the last check added
	sorted bool    // every check came in name order
	n      int
}

// maxSpoolFiles bounds the open files: checks of further prefixes (names without a
// requirement, which a catalogue of a few dozen requirements never has) stay in memory.
const maxSpoolFiles = 256

// NewSpool makes a spool in a new temporary folder; Close removes it.
func NewSpool() (*Spool, error) {
	dir, err := os.MkdirTemp("", "umconform-checks-")
	if err != nil {
		return nil, fmt.Errorf("folder for the checks: %w", err)
	}
	return &Spool{dir: dir, groups: map[string]*spoolGroup{}}, nil
}

// Len is the number of checks added.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Add files one check. It is safe for concurrent use. A write that fails is remembered
// and returned by WriteSpooled: a check is never silently lost.
func (s *Spool) Add(c Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	key := spoolKey(c.Name)
	g := s.groups[key]
	if g == nil {
		g = &spoolGroup{sorted: true}
		if s.err == nil && len(s.groups) < maxSpoolFiles {
			f, err := os.Create(filepath.Join(s.dir, fmt.Sprintf("%04d", len(s.groups))))
			if err != nil {
				s.err = fmt.Errorf("keeping the checks on disk: %w", err)
			} else {
				g.f, g.w = f, bufio.NewWriterSize(f, 16<<10)
			}
		}
		s.groups[key] = g
	} else if c.Name < g.last {
		g.sorted = false
	}
	g.last = c.Name
	g.n++
	if g.w == nil {
		g.mem = append(g.mem, c)
		return
	}
	s.buf = appendSpooled(s.buf[:0], &c)
	var size [binary.MaxVarintLen64]byte
	if _, err := g.w.Write(size[:binary.PutUvarint(size[:], uint64(len(s.buf)))]); err != nil && s.err == nil {
		s.err = fmt.Errorf("keeping the checks on disk: %w", err)
	}
	if _, err := g.w.Write(s.buf); err != nil && s.err == nil {
		s.err = fmt.Errorf("keeping the checks on disk: %w", err)
	}
}

// Close removes the spool's files.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		if g.f != nil {
			g.f.Close()
		}
	}
	s.groups = nil
	return os.RemoveAll(s.dir)
}

func spoolKey(name string) string {
	if end := strings.IndexByte(name, ']'); end >= 0 {
		return name[:end+1]
	}
	return name
}

// each calls fn with every check, in name order.
func (s *Spool) each(fn func(Check) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	keys := make([]string, 0, len(s.groups))
	for k := range s.groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var buf []byte
	for _, k := range keys {
		g := s.groups[k]
		checks := g.mem
		if g.w != nil {
			if err := g.w.Flush(); err != nil {
				return fmt.Errorf("keeping the checks on disk: %w", err)
			}
			if _, err := g.f.Seek(0, io.SeekStart); err != nil {
				return fmt.Errorf("reading the checks back: %w", err)
			}
			r := bufio.NewReaderSize(g.f, 16<<10)
			if g.sorted {
				for range g.n {
					c, err := readSpooled(r, &buf)
					if err != nil {
						return err
					}
					if err := fn(c); err != nil {
						return err
					}
				}
				continue
			}
			checks = make([]Check, 0, g.n)
			for range g.n {
				c, err := readSpooled(r, &buf)
				if err != nil {
					return err
				}
				checks = append(checks, c)
			}
		}
		if !g.sorted {
			slices.SortStableFunc(checks, func(a, b Check) int { return strings.Compare(a.Name, b.Name) })
		}
		for _, c := range checks {
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendSpooled encodes a check: every field, so that a check read back is the check
// written (TestSpoolKeepsEveryField).
func appendSpooled(b []byte, c *Check) []byte {
	b = spoolString(b, c.Name)
	b = spoolStrings(b, c.Requirements)
	for _, s := range [...]string{c.RequirementText, c.Level, c.Area, c.Fixture, c.FixtureFile, c.Scenario, string(c.Verdict), c.Message} {
		b = spoolString(b, s)
	}
	if x := c.Expectation; x == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		for _, s := range [...]string{x.Requirement, x.Fixture, x.Scenario, x.Reason, x.Link, x.Expires, x.Source} {
			b = spoolString(b, s)
		}
		if x.Expired {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	b = binary.AppendVarint(b, int64(c.Duration))
	e := &c.Evidence
	b = spoolString(b, e.Request)
	b = binary.AppendVarint(b, int64(e.Status))
	b = spoolString(b, e.Response)
	b = binary.AppendVarint(b, e.ResponseBytes)
	b = spoolString(b, e.ResponseSHA256)
	b = spoolStrings(b, e.Violations)
	b = spoolStrings(b, e.States)
	b = spoolString(b, e.ResponseEncoding)
	b = binary.AppendVarint(b, e.ResponseWireBytes)
	b = spoolString(b, e.CallState)
	b = spoolStrings(b, e.Retries)
	return binary.AppendVarint(b, int64(e.Elapsed))
}

func spoolString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// spoolStrings keeps nil and empty apart: the JSON report writes nil requirements as [].
func spoolStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(ss))+1)
	for _, s := range ss {
		b = spoolString(b, s)
	}
	return b
}

var errSpoolCorrupt = errors.New("reading the checks back: a record is damaged")

// spoolReader decodes one record. The record is one string and every string of the check
// is a part of it: one allocation per check read back, not one per field.
type spoolReader struct {
	s   string
	err bool
}

func (r *spoolReader) uvarint() uint64 {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if len(r.s) == 0 {
			break
		}
		c := r.s[0]
		r.s = r.s[1:]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.err, r.s = true, ""
	return 0
}

func (r *spoolReader) varint() int64 {
	u := r.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (r *spoolReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		r.err, r.s = true, ""
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

func (r *spoolReader) strings() []string {
	n := r.uvarint()
	if n == 0 || r.err {
		return nil
	}
	n--
	if n > uint64(len(r.s)) {
		r.err, r.s = true, ""
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = r.string()
	}
	return ss
}

func (r *spoolReader) byte() byte {
	if len(r.s) == 0 {
		r.err = true
		return 0
	}
	c := r.s[0]
	r.s = r.s[1:]
	return c
}

func decodeSpooled(rec string) (Check, error) {
	r := &spoolReader{s: rec}
	var c Check
	c.Name = r.string()
	c.Requirements = r.strings()
	c.RequirementText = r.string()
	c.Level = r.string()
	c.Area = r.string()
	c.Fixture = r.string()
	c.FixtureFile = r.string()
	c.Scenario = r.string()
	c.Verdict = Verdict(r.string())
	c.Message = r.string()
	if r.byte() == 1 {
		x := &Expectation{}
		x.Requirement, x.Fixture, x.Scenario, x.Reason = r.string(), r.string(), r.string(), r.string()
		x.Link, x.Expires, x.Source = r.string(), r.string(), r.string()
		x.Expired = r.byte() == 1
		c.Expectation = x
	}
	c.Duration = time.Duration(r.varint())
	e := &c.Evidence
	e.Request = r.string()
	e.Status = int(r.varint())
	e.Response = r.string()
	e.ResponseBytes = r.varint()
	e.ResponseSHA256 = r.string()
	e.Violations = r.strings()
	e.States = r.strings()
	e.ResponseEncoding = r.string()
	e.ResponseWireBytes = r.varint()
	e.CallState = r.string()
	e.Retries = r.strings()
	e.Elapsed = time.Duration(r.varint())
	if r.err || len(r.s) != 0 {
		return Check{}, errSpoolCorrupt
	}
	return c, nil
}

func readSpooled(r *bufio.Reader, buf *[]byte) (Check, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return Check{}, fmt.Errorf("reading the checks back: %w", err)
	}
	if uint64(cap(*buf)) < n {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if _, err := io.ReadFull(r, b); err != nil {
		return Check{}, fmt.Errorf("reading the checks back: %w", err)
	}
	return decodeSpooled(string(b))
}
