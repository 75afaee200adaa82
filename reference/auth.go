package reference

import (
	"bufio"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// Authentication mode. With Options.Users set, the server serves only requests that carry
// Basic credentials of one of its users, as Exchange serves the UM web service and EWS only
// to authenticated users (Microsoft Learn, Set-WebServicesVirtualDirectory: no anonymous
// setting). A request without them, or with a wrong password, is refused with 401 and a
// Basic challenge (RFC 9110 §11.6.1). Each call belongs to the user who placed it: another
// user asking about it, or ending it, is answered as for a call id that names no call, so
// that even its existence stays hidden (OWASP API Security Top 10 2023, API1).

// Realm is the realm of the server's Basic challenge.
const Realm = "umconform reference server"

// authBehaviour holds the auth profiles' knobs (A1-A5); they matter only in the
// authentication mode.
type authBehaviour struct {
	anonymous      bool // A1: a request without credentials is served, with access to every call
	anyPassword    bool // A2: a user's name with any password is accepted
	noChallenge    bool // A3: refusals are 401 without WWW-Authenticate
	othersReadable bool // A4: any user may ask about any call
	othersEndable  bool // A5: any user may end any call
}

// userKey keys the authenticated user in a request's context.
type userKey struct{}

// anyone is the user of a request the A1 profile serves without credentials: it may use
// every call, and calls it places are everyone's.
const anyone = ""

// authenticate reports whether r may be served and as whom; when it may not, it has
// written the refusal. Without users every request is served, as user anyone.
func (h *handler) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	if len(h.users) == 0 {
		return anyone, true
	}
	user, password, ok := r.BasicAuth()
	switch {
	case !ok && r.Header.Get("Authorization") == "" && h.b.auth.anonymous:
		return anyone, true
	case ok:
		want, known := h.users[user]
		// Compared in constant time: how long a refusal takes tells nothing of the password.
		if known && (subtle.ConstantTimeCompare([]byte(password), []byte(want)) == 1 || h.b.auth.anyPassword) {
			return user, true
		}
	}
	if !h.b.auth.noChallenge {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+Realm+`", charset="UTF-8"`)
	}
	http.Error(w, "401 Unauthorized: this service needs the credentials of one of its users", http.StatusUnauthorized)
	return "", false
}

// userOf is the user a request was authenticated as.
func userOf(ctx context.Context) string {
	u, _ := ctx.Value(userKey{}).(string)
	return u
}

// mayUse tells whether the request's user may read (or, with end, end) the call id names:
// its own calls, those placed without credentials (A1 profile), and, under the A4 and A5
// profiles, anyone's. A call id that names no call is the engine's to refuse.
func (h *handler) mayUse(ctx context.Context, id string, end bool) bool {
	if len(h.users) == 0 {
		return true
	}
	user := userOf(ctx)
	owner, known := h.eng.owner(id, h.now())
	switch {
	case !known, user == anyone, owner == anyone, owner == user:
		return true
	case end:
		return h.b.auth.othersEndable
	}
	return h.b.auth.othersReadable
}

// LoadUsers reads a users file: one USER:PASSWORD a line; blank lines and lines starting
// with # are skipped. The password is everything after the first colon.
func LoadUsers(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	defer f.Close()
	users := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, password, ok := strings.Cut(line, ":")
		// The line itself is never quoted: it holds a password.
		switch {
		case !ok || user == "" || password == "":
			return nil, fmt.Errorf("users file %s, line %d: want USER:PASSWORD", path, n)
		case users[user] != "":
			return nil, fmt.Errorf("users file %s, line %d: user %q appears twice", path, n, user)
		}
		users[user] = password
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	if len(users) == 0 {
		return nil, errors.New("users file " + path + ": no USER:PASSWORD line")
	}
	return users, nil
}
