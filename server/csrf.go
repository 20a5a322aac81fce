package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

const (
	csrfCookie = "rapport_csrf"
	csrfField  = "csrf"
	ctxCSRF    = "csrf"
	ctxCSRFBad = "csrf-failed"
)

// errFormExpired is what a form handler sees when the CSRF check failed: it re-renders the
// form with the user's input and this message, and changes nothing.
var errFormExpired = errors.New("this form had expired, so nothing was saved: please check it and submit again")

// csrf protects every state-changing request with Echo's middleware: browsers that send
// Sec-Fetch-Site are checked by it, others by a double-submit token. A failure does not reach
// the handler as a normal request: either the handler is told (soft, for forms that can be
// shown again with the user's input) or the request ends with 403.
func (s *Server) csrf(soft bool) echo.MiddlewareFunc {
	inner := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:" + csrfField + ",header:X-CSRF-Token",
		CookieName:     csrfCookie,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   s.secure,
		CookieSameSite: http.SameSiteLaxMode,
		ContextKey:     ctxCSRF,
		ErrorHandler: func(err error, c echo.Context) error {
			return errCSRF
		},
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := inner(next)
		return func(c echo.Context) error {
			err := h(c)
			if !errors.Is(err, errCSRF) {
				return err
			}
			if !soft {
				return echo.NewHTTPError(http.StatusForbidden, "This form had expired, so nothing was changed. Go back, reload the page and try again.")
			}
			c.Set(ctxCSRFBad, true)
			c.Set(ctxCSRF, s.freshCSRF(c))
			return next(c)
		}
	}
}

var errCSRF = errors.New("csrf check failed")

// csrfFailed reports whether the request's form failed the CSRF check.
func csrfFailed(c echo.Context) bool { bad, _ := c.Get(ctxCSRFBad).(bool); return bad }

// freshCSRF issues a new token cookie and returns the token for the re-rendered form.
func (s *Server) freshCSRF(c echo.Context) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	tok := base64.RawURLEncoding.EncodeToString(b)
	c.SetCookie(&http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: 86400})
	return tok
}

// resetCSRF gives the browser a new token at sign-in and sign-out.
func (s *Server) resetCSRF(c echo.Context) { c.Set(ctxCSRF, s.freshCSRF(c)) }
