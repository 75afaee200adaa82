//go:build linux || darwin || freebsd || netbsd || openbsd

package runner

import (
	"os"
	"syscall"
	"unsafe"
)

// terminalWidth returns f's columns, and whether f is a terminal: one that answers the
// window-size request (a pipe, a file or /dev/null does not).
func terminalWidth(f *os.File) (int, bool) {
	var ws struct{ rows, cols, x, y uint16 }
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(syscall.TIOCGWINSZ), uintptr(unsafe.Pointer(&ws))); errno != 0 {
		return 0, false
	}
	if ws.cols == 0 {
		return 80, true
	}
	return int(ws.cols), true
}
