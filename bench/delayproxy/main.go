// Command delayproxy stands between a run and a server as a distant host would: it adds a
// fixed delay to every answer, and counts what bench/overlap.sh checks, the most requests
// in flight at once and the PlayOnPhone requests of each API:
//
//	delayproxy -listen 127.0.0.1:PORT -upstream http://127.0.0.1:PORT2 -delay 100ms
//
// On SIGINT or SIGTERM it prints one line, "requests N, max in flight M, PlayOnPhone UM
// U, EWS E", and exits.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// playOnPhone finds a PlayOnPhone element (either API's, any prefix); comment finds what
// a fixture says in XML comments, where a GetCallInfo may name PlayOnPhone.
var (
	playOnPhone = regexp.MustCompile(`<(?:[\w.-]+:)?PlayOnPhone[\s/>]`)
	comment     = regexp.MustCompile(`(?s)<!--.*?-->`)
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	upstream := flag.String("upstream", "", "server `URL` to forward to (scheme and host)")
	delay := flag.Duration("delay", 100*time.Millisecond, "added to every answer")
	flag.Parse()
	up, err := url.Parse(*upstream)
	if err != nil || up.Host == "" {
		log.Fatalf("delayproxy: -upstream %q: want http://HOST:PORT", *upstream)
	}
	var (
		mu                            sync.Mutex
		requests, inFlight, maxFlight int
		umPlays, ewsPlays             int
	)
	proxy := httputil.NewSingleHostReverseProxy(up)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The first 64 KiB tell a PlayOnPhone; the rest (a probe may send megabytes) streams.
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		plays := playOnPhone.Match(comment.ReplaceAll(body, nil))
		mu.Lock()
		requests++
		inFlight++
		maxFlight = max(maxFlight, inFlight)
		if plays && r.Method == http.MethodPost {
			if strings.Contains(r.URL.Path, "Exchange.asmx") {
				ewsPlays++
			} else {
				umPlays++
			}
		}
		mu.Unlock()
		defer func() {
			mu.Lock()
			inFlight--
			mu.Unlock()
		}()
		time.Sleep(*delay)
		proxy.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("delayproxy: %v", err)
	}
	fmt.Printf("delayproxy: listening on http://%s\n", ln.Addr())
	go func() { log.Fatal(http.Serve(ln, h)) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	mu.Lock()
	defer mu.Unlock()
	fmt.Printf("requests %d, max in flight %d, PlayOnPhone UM %d, EWS %d\n", requests, maxFlight, umPlays, ewsPlays)
}
