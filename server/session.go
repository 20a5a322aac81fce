package server

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"rapport/server/store"
)

const (
	sessionName   = "rapport"
	sessionMaxAge = 14 * 24 * time.Hour
	ctxUser       = "user"
)

// newSessionStore keeps sessions in signed, encrypted cookies, so any instance holding the
// keys can serve any request and nothing about a session lives on one server.
func newSessionStore(key []byte, secure bool) *sessions.CookieStore {
	cs := sessions.NewCookieStore(key[:64], key[64:96])
	for _, c := range cs.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(sessionSerializer{})
		}
	}
	cs.Options = &sessions.Options{
		Path: "/", MaxAge: int(sessionMaxAge.Seconds()), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	}
	return cs
}

// session returns the request's session; a cookie that does not decode (forged, or signed
// with old keys) yields a fresh, empty session rather than an error.
func (s *Server) session(c echo.Context) *sessions.Session {
	// On a decode error gorilla still returns (and caches for this request) a new session.
	sess, _ := s.sessions.Get(c.Request(), sessionName)
	return sess
}

// loadUser puts the signed-in user, if any, in the context. Only the user id and the sign-in
// time are in the cookie; the user is read fresh so a changed role takes effect at once.
func (s *Server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess := s.session(c)
		id, _ := sess.Values["uid"].(int64)
		at, _ := sess.Values["at"].(int64)
		if id != 0 && s.now().Sub(time.Unix(at, 0)) < sessionMaxAge {
			u, err := s.store.UserByID(c.Request().Context(), id)
			switch {
			case err == nil:
				c.Set(ctxUser, u)
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		return next(c)
	}
}

func currentUser(c echo.Context) *store.User {
	u, _ := c.Get(ctxUser).(*store.User)
	return u
}

// signIn starts a new session for u. The old session's values are dropped and the CSRF token
// is replaced, so nothing set before sign-in (by an attacker, say) carries over.
func (s *Server) signIn(c echo.Context, u *store.User) error {
	// The request's own session object is reused (gorilla keeps one per request, and later
	// saves such as a flash write that one); replacing all its values and re-encrypting it
	// is the rotation, since a cookie session has no server-side id to renew.
	sess := s.session(c)
	sess.Values = sessionValues(u.ID, s.now())
	sess.Options.MaxAge = int(sessionMaxAge.Seconds())
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	s.resetCSRF(c)
	return nil
}

// sessionValues is everything a signed-in session holds: the user id and the sign-in time.
func sessionValues(userID int64, at time.Time) map[any]any {
	return map[any]any{"uid": userID, "at": at.Unix()}
}

// SessionCookie returns the cookie that signing in as userID at the given time would set,
// encoded with the server's own codec and the session key (64-byte signing key followed by a
// 32-byte encryption key). The load tool uses it to sign in thousands of trainees without the
// rate-limited, bcrypt-bound form; the cookie is the one a browser would hold.
func SessionCookie(key []byte, secure bool, userID int64, at time.Time) (*http.Cookie, error) {
	if len(key) != 96 {
		return nil, fmt.Errorf("session cookie: key must be 96 bytes, got %d", len(key))
	}
	cs := newSessionStore(key, secure)
	v, err := securecookie.EncodeMulti(sessionName, sessionValues(userID, at), cs.Codecs...)
	if err != nil {
		return nil, fmt.Errorf("session cookie: %w", err)
	}
	return sessions.NewCookie(sessionName, v, cs.Options), nil
}

func (s *Server) signOut(c echo.Context) error {
	sess := s.session(c)
	sess.Values = map[any]any{}
	sess.Options.MaxAge = -1
	s.resetCSRF(c)
	return sess.Save(c.Request(), c.Response())
}

// flash queues a one-time message for the next page.
func (s *Server) flash(c echo.Context, msg string) {
	sess := s.session(c)
	sess.AddFlash(msg)
	_ = sess.Save(c.Request(), c.Response()) // a lost flash is cosmetic
}

func (s *Server) takeFlashes(c echo.Context) []string {
	sess := s.session(c)
	fl := sess.Flashes()
	if len(fl) == 0 {
		return nil
	}
	_ = sess.Save(c.Request(), c.Response())
	out := make([]string, 0, len(fl))
	for _, f := range fl {
		if m, ok := f.(string); ok {
			out = append(out, m)
		}
	}
	return out
}
