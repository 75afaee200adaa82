// Command floor is the lower bound bench/run.sh measures `umconform run` against: it sends the
// same recorded requests to an in-process reference server, one at a time like the harness,
// validates every response with the same schema package, and does nothing else (no Ginkgo,
// no judging, no reports).
//
// A fixture with bind_call_id costs three requests here as in the harness: PlayOnPhone to
// create a call, the fixture with the live CallId put in place of the recorded one, and
// Disconnect. Like the harness, the floor validates the answers it reads: the fixture's, and
// PlayOnPhone's for its CallId; the teardown Disconnect's answer is read to its end and
// dropped (until 2026-11-27 the floor validated it too, while the harness had stopped).
// A PlayOnPhone fixture that places a call is followed by a Disconnect too, as in the
// harness; until 2026-12-05 the floor left those calls ringing (one in 56 fixtures).
//
//	go build -o /tmp/floor ./bench/floor && /tmp/floor -fixtures DIR -corpus fixtures/corpus
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/umconform/umconform/reference"
	"github.com/umconform/umconform/schema"
)

// recorded is one fixture reduced to what goes on the wire.
type recorded struct {
	id         string
	header     http.Header
	body       []byte
	chunked    bool
	bindCallID string // recorded CallId text to replace with a live one, or ""
}

type meta struct {
	ID             string `json:"id"`
	BindCallID     string `json:"bind_call_id"`
	BindEntryID    string `json:"bind_entry_id"`
	BindDialString string `json:"bind_dial_string"`
}

func main() {
	dir := flag.String("fixtures", "", "`folder` of generated fixtures (ID.json + ID.request.http)")
	corpus := flag.String("corpus", "fixtures/corpus", "`folder` holding pop-request and dc-request")
	flag.Parse()
	if err := run(*dir, *corpus); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(dir, corpus string) error {
	start := time.Now()
	v, err := schema.Load() // compile on this goroutine, before the server starts
	if err != nil {
		return err
	}
	todo, err := loadDir(dir)
	if err != nil {
		return err
	}
	pop, err := load(corpus, "pop-request")
	if err != nil {
		return err
	}
	dc, err := load(corpus, "dc-request")
	if err != nil {
		return err
	}
	srv, err := reference.Start(context.Background(), reference.Options{})
	if err != nil {
		return err
	}
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	tr.MaxIdleConnsPerHost = 16
	c := &client{http: &http.Client{Transport: tr}, url: srv.URL(), v: v}

	requests, invalid := 0, 0
	send := func(r recorded, body []byte, validate bool) (schema.Result, int, error) {
		requests++
		res, status, err := c.post(r, body, validate)
		if err == nil && validate && !res.Valid() {
			invalid++
		}
		return res, status, err
	}
	for _, r := range todo {
		body := r.body
		var callID string
		if r.bindCallID != "" {
			res, status, err := send(pop, pop.body, true)
			id, _ := res.Value("PlayOnPhoneResponse")
			if err != nil || status != 200 || id == "" {
				return fmt.Errorf("%s: PlayOnPhone: status %d, %v", r.id, status, err)
			}
			callID = id
			body = bytes.Replace(body, []byte(r.bindCallID), []byte(callID), 1)
		}
		res, status, err := send(r, body, true)
		if err != nil {
			return fmt.Errorf("%s: %w", r.id, err)
		}
		if id, ok := res.Value("PlayOnPhoneResponse"); callID == "" && status == 200 && ok && id != "" && res.Message == "PlayOnPhoneResponse" {
			callID = id // a PlayOnPhone fixture placed a call: the harness ends it (endPlacedCall)
		}
		if callID != "" {
			if _, _, err := send(dc, bytes.Replace(dc.body, []byte(dc.bindCallID), []byte(callID), 1), false); err != nil {
				return fmt.Errorf("%s: Disconnect: %w", r.id, err)
			}
		}
	}
	el := time.Since(start)
	fmt.Printf("floor: %d exchanges, %d requests, %d responses invalid as responses, %v (%.1f µs per exchange)\n",
		len(todo), requests, invalid, el.Round(time.Millisecond), float64(el.Microseconds())/float64(max(len(todo), 1)))
	return nil
}

type client struct {
	http *http.Client
	url  string
	v    *schema.Validator
}

// post sends body with r's headers and returns the answer's status and, when validate is
// set, the answer validated as a response.
func (c *client) post(r recorded, body []byte, validate bool) (schema.Result, int, error) {
	req, err := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return schema.Result{}, 0, err
	}
	req.Header = r.header.Clone()
	if r.chunked {
		req.TransferEncoding = []string{"chunked"}
		req.ContentLength = -1
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return schema.Result{}, 0, err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return schema.Result{}, resp.StatusCode, err
	}
	if !validate {
		return schema.Result{}, resp.StatusCode, nil
	}
	return c.v.ValidateAs(got, schema.KindResponse), resp.StatusCode, nil
}

func loadDir(dir string) ([]recorded, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no fixtures in %q (%v)", dir, err)
	}
	sort.Strings(names)
	out := make([]recorded, 0, len(names))
	for _, n := range names {
		r, err := load(dir, strings.TrimSuffix(filepath.Base(n), ".json"))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// load reads one fixture and applies the reference server's entry id and dial string, as
// the harness does without --target.
func load(dir, id string) (recorded, error) {
	raw, err := os.ReadFile(filepath.Join(dir, id+".json"))
	if err != nil {
		return recorded{}, err
	}
	var m meta
	if err := json.Unmarshal(raw, &m); err != nil {
		return recorded{}, fmt.Errorf("%s: %w", id, err)
	}
	wire, err := os.ReadFile(filepath.Join(dir, id+".request.http"))
	if err != nil {
		return recorded{}, err
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
	if err != nil {
		return recorded{}, fmt.Errorf("%s: %w", id, err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return recorded{}, fmt.Errorf("%s: %w", id, err)
	}
	if m.BindEntryID != "" {
		body = bytes.Replace(body, []byte(m.BindEntryID), []byte(reference.DefaultEntryID), 1)
	}
	if m.BindDialString != "" {
		body = bytes.Replace(body, []byte(m.BindDialString), []byte(reference.DefaultDialString), 1)
	}
	return recorded{id: id, header: req.Header, body: body,
		chunked: slices.Contains(req.TransferEncoding, "chunked"), bindCallID: m.BindCallID}, nil
}
