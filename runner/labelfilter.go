package runner

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// ginkgoStyle matches the colour codes Ginkgo writes into its messages ({{red}}, {{/}}),
// which its own reporter turns into terminal escapes and anything else prints as they are.
var ginkgoStyle = regexp.MustCompile(`\{\{[a-z-/]*\}\}`)

// checkLabelFilter parses a --label-filter as Ginkgo will, so that a typo is a usage
// error said in plain text before anything is started or sent.
func checkLabelFilter(filter, prog string) error {
	if filter == "" {
		return nil
	}
	_, err := types.ParseLabelFilter(filter)
	if err == nil {
		return nil
	}
	msg := err.Error()
	var ge types.GinkgoError
	if errors.As(err, &ge) {
		// The message shows the filter with the place of the error highlighted, then says
		// what is wrong: the filter is in our own line already, the rest is what helps.
		lines := strings.Split(strings.TrimSpace(ginkgoStyle.ReplaceAllString(ge.Message, "")), "\n")
		msg = strings.TrimSpace(lines[len(lines)-1])
	}
	return fmt.Errorf("--label-filter %q: %s (labels are requirement IDs such as C1, levels such as MUST, areas and fixture IDs; see %s run --list)", filter, strings.TrimSuffix(msg, "."), prog)
}
