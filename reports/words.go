package reports

import "strconv"

// counted is n checks of verdict v in words: "1 warning", "56 errors", "3 passed".
func counted(n int, v Verdict) string {
	s := strconv.Itoa(n) + " "
	switch v {
	case Warning, Error:
		if n == 1 {
			return s + string(v)
		}
		return s + string(v) + "s"
	case ExpectedFailure:
		if n == 1 {
			return s + "expected failure"
		}
		return s + "expected failures"
	}
	return s + string(v)
}
