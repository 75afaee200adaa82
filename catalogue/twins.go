package catalogue

import (
	"regexp"
	"sync"
)

// sameRule finds, in a requirement's source, the UM requirement an EWS one repeats:
// "…; the same rule as L3". The catalogue says it once, in its source column, so the
// twins cannot drift from what the catalogue states.
var sameRule = regexp.MustCompile(`the same rule as ([A-Z][0-9]+)`)

var twins = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, r := range requirementsOnly() {
		if s := sameRule.FindStringSubmatch(r.Source); s != nil {
			m[r.ID] = s[1]
		}
	}
	return m
})

// Rule is the requirement id states as a rule of both APIs: the UM requirement an EWS one
// repeats (E10 is L3 asked of GetPhoneCallInformation), or id itself. Reports group
// checks by it, so one rule broken the same way on both APIs is one group.
func Rule(id string) string {
	if twin, ok := twins()[id]; ok {
		return twin
	}
	return id
}
