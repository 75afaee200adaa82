// Package plural writes counts with their nouns: "1 spec", "2 specs".
package plural

import "strconv"

// Count is n and noun, the noun in the plural (an s added) unless n is 1.
func Count(n int, noun string) string { return Irregular(n, noun, noun+"s") }

// Irregular is n and one of two forms: one when n is 1, many otherwise ("1 fix", "2 fixes").
func Irregular(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
