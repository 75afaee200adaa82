package suites

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/umconform/umconform/fixtures"
	"github.com/umconform/umconform/reference"
)

// keepServer answers requests on a connection one after another, as a kept-alive HTTP/1.1
// server does, with the bytes answer returns (the status line and fields; a Content-Length
// is added), and closes the connection after each answer when closeAfter is set, or once it
// has been idle for idle.
type keepServer struct {
	addr  string
	conns atomic.Int32
}

func newKeepServer(t *testing.T, head string, body string, closeAfter bool, idle time.Duration) *keepServer {
	t.Helper()
	answer := []byte(head + fmt.Sprintf("\r\nContent-Length: %d\r\n\r\n", len(body)) + body)
	if strings.Contains(head, "no length") {
		answer = []byte(strings.Replace(head, "no length", "X-Framing: close", 1) + "\r\n\r\n" + body)
	}
	s := &keepServer{}
	s.addr = listenTCP(t, func(c net.Conn) {
		s.conns.Add(1)
		br := bufio.NewReader(c)
		for {
			_ = c.SetReadDeadline(time.Now().Add(idle))
			if _, err := readRequest(br); err != nil {
				return
			}
			if _, err := c.Write(answer); err != nil || closeAfter {
				return
			}
		}
	})
	return s
}

// TestSilentCloses: a server that closes the connection right after every answer, without
// Connection: close, fails T7 once it has done so twice in a row (a connection's request
// limit may close one); one that says close, answers in HTTP/1.0, ends its bodies by the
// close, keeps its connections, or drops them only when idle (a balancer) passes. No
// request is sent for it: the run's own are watched.
func TestSilentCloses(t *testing.T) {
	info := envelopeOf(callInfo)
	for _, c := range []struct {
		name       string
		head       string
		closeAfter bool
		idle       time.Duration
		pause      time.Duration // between requests; negative: none at all
		fail       bool
	}{
		{"closes every connection silently", okStatus + "\r\n" + ctUTF8, true, 10 * time.Second, 0, true},
		{"closes every connection silently, the next request at once", okStatus + "\r\n" + ctUTF8, true, 10 * time.Second, -1, true},
		{"closes every connection silently, requests spaced", okStatus + "\r\n" + ctUTF8, true, 10 * time.Second, 30 * time.Millisecond, true},
		{"says close on every answer", okStatus + "\r\n" + ctUTF8 + "\r\nConnection: close", true, 10 * time.Second, 0, false},
		{"says Close in capitals, among other options", okStatus + "\r\n" + ctUTF8 + "\r\nConnection: x-trace, Close", true, 10 * time.Second, 0, false},
		{"answers in HTTP/1.0 and closes", "HTTP/1.0 200 OK\r\n" + ctUTF8, true, 10 * time.Second, 0, false},
		{"ends its bodies by the close", okStatus + "\r\n" + ctUTF8 + "\r\nno length", true, 10 * time.Second, 0, false},
		{"keeps its connections", okStatus + "\r\n" + ctUTF8, false, 10 * time.Second, 0, false},
		{"a balancer drops idle connections", okStatus + "\r\n" + ctUTF8, false, 300 * time.Millisecond, 600 * time.Millisecond, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newKeepServer(t, c.head, info, c.closeAfter, c.idle)
			corpus, err := corpusOnce()
			if err != nil {
				t.Fatal(err)
			}
			f, _ := fixtures.Loaded(corpus, nil).Lookup(pollFixture)
			tr := &http.Transport{DisableCompression: true, MaxResponseHeaderBytes: MaxResponseHeaderBytes}
			RecordHeads(tr)
			t.Cleanup(tr.CloseIdleConnections)
			u, _ := url.Parse("http://" + srv.addr + "/EWS/UM2007Legacy.asmx")
			s := &Sender{Target: u, Client: &http.Client{Transport: tr}, Timeout: 5 * time.Second, Validator: validator(t), retry: &retrier{}, conns: &connWatch{}}
			var verdicts []string
			for range 5 {
				ex := s.Send(t.Context(), f, fixtures.Values{Call: "NjJmZDY2ZDQ=", EntryID: reference.DefaultEntryID, DialString: reference.DefaultDialString})
				o := judgeT7(ex)
				switch {
				case o.CannotJudge:
					verdicts = append(verdicts, "error: "+o.Actual)
				case o.Pass:
					verdicts = append(verdicts, "pass")
				default:
					verdicts = append(verdicts, "fail: "+o.Actual)
				}
				if c.pause >= 0 {
					time.Sleep(c.pause + 20*time.Millisecond) // the close reaches the client
				}
			}
			last := verdicts[len(verdicts)-1]
			if c.fail != strings.HasPrefix(last, "fail") || strings.HasPrefix(verdicts[0], "fail") {
				t.Fatalf("T7 verdicts %q (%d connections)", verdicts, srv.conns.Load())
			}
			for _, v := range verdicts {
				if strings.HasPrefix(v, "error") {
					t.Errorf("T7 could not judge an answer: %s", v)
				}
			}
			if c.fail && !strings.Contains(last, "Connection: close") {
				t.Errorf("T7's words: %s", last)
			}
		})
	}
}
