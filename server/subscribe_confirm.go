package server

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"rapport/server/store"
)

// tokenPage is a page with a button that spends a link's token.
type tokenPage struct {
	Token   string
	Email   string
	Done    bool // nothing left to do (already unsubscribed)
	Message string
}

// tokenProblem renders the page for a link that does not work and reports whether it did.
// Malformed tokens are refused without a query (400); unknown ones are 404; expired or
// spent ones 410. Nothing changes in any case.
func (s *Server) tokenProblem(c echo.Context, tok string, err error) error {
	p := statusPage{Heading: "This link does not work", SignUp: true}
	status := http.StatusNotFound
	switch {
	case !store.ValidToken(tok):
		status, p.Message = http.StatusBadRequest, "This link is incomplete. Copy the whole link from the email into your browser, or sign up again for a new one."
	case errors.Is(err, store.ErrTokenExpired):
		status, p.Message = http.StatusGone, "This confirmation link has expired. Sign up again and we will send you a new one."
	case errors.Is(err, store.ErrTokenUsed):
		status, p.Message = http.StatusGone, "This link has already been used, or a newer email replaced it. If you meant to subscribe, sign up again."
	case errors.Is(err, store.ErrNotFound):
		p.Message = "We do not recognise this link. Copy the whole link from the email into your browser, or sign up again for a new one."
	default:
		return err
	}
	return s.render(c, status, "subscribe_status", p.Heading, p)
}

// handleConfirmShow: GET /subscribe/confirm?token=T. It only shows the Confirm button: mail
// scanners open links, and opening must never subscribe anyone.
func (s *Server) handleConfirmShow(c echo.Context) error {
	tok := c.QueryParam("token")
	if !store.ValidToken(tok) {
		return s.tokenProblem(c, tok, nil)
	}
	sub, err := s.store.CheckToken(c.Request().Context(), store.TokenConfirm, tok)
	if err != nil {
		return s.tokenProblem(c, tok, err)
	}
	return s.render(c, http.StatusOK, "subscribe_confirm", "Confirm your subscription", tokenPage{Token: tok, Email: sub.Email})
}

// handleConfirmSubmit: POST /subscribe/confirm. Spends the token and confirms.
func (s *Server) handleConfirmSubmit(c echo.Context) error {
	tok := c.FormValue("token")
	if !store.ValidToken(tok) {
		return s.tokenProblem(c, tok, nil)
	}
	if csrfFailed(c) {
		return s.render(c, http.StatusForbidden, "subscribe_confirm", "Confirm your subscription", tokenPage{Token: tok, Message: errFormExpired.Error()})
	}
	if _, err := s.store.Confirm(c.Request().Context(), tok); err != nil {
		return s.tokenProblem(c, tok, err)
	}
	return c.Redirect(http.StatusSeeOther, "/subscribe/confirmed")
}
