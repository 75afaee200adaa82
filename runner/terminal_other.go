//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package runner

import "os"

// terminalWidth reports no terminal: the console prints its marks and a line every
// ciEvery, as in a CI log.
func terminalWidth(*os.File) (int, bool) { return 0, false }
