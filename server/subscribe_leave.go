package server

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"rapport/server/store"
)

// handleLeaveShow: GET /unsubscribe?token=T, and GET /unsubscribe/one-click?token=T for mail
// programs that open the header's link. It shows a button; opening changes nothing.
func (s *Server) handleLeaveShow(c echo.Context) error {
	tok := c.QueryParam("token")
	if !store.ValidToken(tok) {
		return s.tokenProblem(c, tok, nil)
	}
	sub, err := s.store.CheckToken(c.Request().Context(), store.TokenUnsubscribe, tok)
	if err != nil {
		return s.tokenProblem(c, tok, err)
	}
	p := tokenPage{Token: tok, Email: sub.Email, Done: sub.Status == store.SubscriberUnsubscribed}
	return s.render(c, http.StatusOK, "subscribe_leave", "Unsubscribe", p)
}

// handleLeaveSubmit: POST /unsubscribe, the button on the page. No account, no password:
// the token from the mail is the authority.
func (s *Server) handleLeaveSubmit(c echo.Context) error {
	tok := c.FormValue("token")
	if !store.ValidToken(tok) {
		return s.tokenProblem(c, tok, nil)
	}
	if csrfFailed(c) {
		return s.render(c, http.StatusForbidden, "subscribe_leave", "Unsubscribe", tokenPage{Token: tok, Message: errFormExpired.Error()})
	}
	if _, _, err := s.store.Unsubscribe(c.Request().Context(), tok); err != nil {
		return s.tokenProblem(c, tok, err)
	}
	return c.Redirect(http.StatusSeeOther, "/subscribe/left")
}

// handleLeaveOneClick: POST /unsubscribe/one-click?token=T, RFC 8058. Mail providers post
// here with List-Unsubscribe=One-Click and no cookies, so this is the one POST route outside
// the CSRF middleware: the unguessable single-purpose token in the URL is the authority, and
// all it can do is unsubscribe its own address. It answers at once in plain text, and again
// with 200 for a repeat, as providers may retry.
func (s *Server) handleLeaveOneClick(c echo.Context) error {
	tok := c.QueryParam("token")
	if !store.ValidToken(tok) {
		return c.String(http.StatusBadRequest, "This unsubscribe link is incomplete.\n")
	}
	_, _, err := s.store.Unsubscribe(c.Request().Context(), tok)
	switch {
	case err == nil:
		return c.String(http.StatusOK, "You are unsubscribed.\n")
	case errors.Is(err, store.ErrNotFound):
		return c.String(http.StatusNotFound, "This unsubscribe link is not recognised.\n")
	case errors.Is(err, store.ErrTokenUsed):
		return c.String(http.StatusGone, "This unsubscribe link was replaced by a newer one.\n")
	}
	return err
}
