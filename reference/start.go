package reference

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a running reference server.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	url  string
	done chan struct{}
	err  error
	once sync.Once
	cerr error
	// stop cancels every request context, ending the slow profiles' stalls at Close.
	stop context.CancelFunc

	mu    sync.Mutex
	fresh map[net.Conn]bool // connections that have not sent a request yet
}

// Start runs a reference server on a free loopback port until ctx ends or Close is called.
func Start(ctx context.Context, opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("reference server: listen: %w", err)
	}
	return Serve(ctx, ln, opts)
}

// Serve runs a reference server on ln, which it takes over, until ctx ends or Close is called.
func Serve(ctx context.Context, ln net.Listener, opts Options) (*Server, error) {
	h, err := newHandler(opts)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("reference server: %w", err)
	}
	ln = h.listener(ln)
	base, stop := context.WithCancel(context.Background())
	s := &Server{
		stop: stop,
		srv: &http.Server{
			Handler:           h,
			BaseContext:       func(net.Listener) context.Context { return base },
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			IdleTimeout:       60 * time.Second,
			MaxHeaderBytes:    64 << 10,
		},
		ln:    ln,
		url:   "http://" + displayAddr(ln.Addr()) + LegacyPath,
		done:  make(chan struct{}),
		fresh: map[net.Conn]bool{},
	}
	s.srv.ConnState = s.track
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

func (s *Server) closeFresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.fresh {
		c.Close()
		delete(s.fresh, c)
	}
}

// displayAddr turns a wildcard listen address into one a client can dial.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}

// URL is the full endpoint URL (…/EWS/UM2007Legacy.asmx).
func (s *Server) URL() string { return s.url }

// track keeps the connections that have not sent a request yet.
func (s *Server) track(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st == http.StateNew {
		s.fresh[c] = true
	} else {
		delete(s.fresh, c)
	}
}

// Close stops the server: requests in flight get five seconds to finish; the slow profiles'
// stalls end at once, and so do connections that never sent a request. Shutdown alone
// would wait the five seconds for those (a client's transport dials ahead), so they are
// closed while it runs.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut := make(chan error, 1)
		go func() { shut <- s.srv.Shutdown(ctx) }()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for waiting := true; waiting; {
			s.closeFresh()
			select {
			case err := <-shut:
				if err != nil {
					s.srv.Close()
				}
				waiting = false
			case <-tick.C:
			}
		}
		<-s.done
		s.cerr = s.err
		if s.cerr != nil {
			s.cerr = fmt.Errorf("reference server: %w", s.cerr)
		}
	})
	return s.cerr
}
