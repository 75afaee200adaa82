//go:build unix

package readfile

import (
	"fmt"
	"os"
	"syscall"
)

// Read reads a whole file, but no more than limit+1 bytes, so that a caller can refuse a
// file over limit without loading it. It calls the system directly because os.Open
// registers every file with the network poller (an fcntl and an epoll_ctl that fails for
// regular files) and io.ReadAll reads twice: over 1 000 small files that was a quarter of
// `umconform validate`'s time (bench/validate.sh).
func Read(name string, limit int64) ([]byte, error) {
	fd, err := openRetry(name)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		// A pipe or a device: read it as a stream from this descriptor (a pipe opened a
		// second time would wait for a writer that has gone).
		f := os.NewFile(uintptr(fd), name)
		defer f.Close()
		return ReadAll(name, f, limit)
	}
	defer syscall.Close(fd)
	// One byte more than the file (or the limit) so a file that grew is still read to its
	// end or to limit+1, which the caller reports as too large.
	buf := make([]byte, min(st.Size, limit)+1)
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		if m == 0 {
			break
		}
		n += m
	}
	return buf[:n], nil
}

func openRetry(name string) (int, error) {
	for {
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}
