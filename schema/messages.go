package schema

import (
	"strconv"
	"strings"
)

// trimMessage drops the newline libxml2 ends its messages with.
func trimMessage(s string) string { return strings.TrimSpace(s) }

func droppedMessage(n int) string {
	return "and " + strconv.Itoa(n) + " more violations not listed (limit 1000 per document)"
}
