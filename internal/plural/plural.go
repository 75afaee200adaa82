// Package plural writes counts with their nouns: "1 spec", "2 specs".
package plural

import "strconv"

// Count is n and noun, the noun in the plural (an s added) unless n is 1.
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
