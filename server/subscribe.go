package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

type subscribeForm struct {
	Email  string
	Errors fieldErrors
}

// validate checks the address. Line breaks are refused before anything else: the address
// becomes a mail header, and "a@b.c\r\nBcc: ..." must never reach one.
func (f *subscribeForm) validate() bool {
	f.Errors = fieldErrors{}
	if strings.ContainsAny(f.Email, "\r\n") {
		f.Errors["email"] = "Enter one email address, on one line, like name@example.com."
		return false
	}
	email, msg := validEmail(f.Email)
	if msg != "" {
		f.Errors["email"] = msg
		return false
	}
	f.Email = email
	return true
}

// newSubscribeLimiter allows a burst of sign-ups from one address, then one a minute: plenty
// for a household behind one IP, too slow to mail-bomb a list of strangers.
func newSubscribeLimiter() *middleware.RateLimiterMemoryStore {
	return middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Every(time.Minute), Burst: 5, ExpiresIn: 30 * time.Minute,
	})
}

// handleSubscribeForm: GET /subscribe.
func (s *Server) handleSubscribeForm(c echo.Context) error {
	f := subscribeForm{}
	if u := currentUser(c); u != nil {
		f.Email = u.Email
	}
	return s.renderSubscribe(c, http.StatusOK, f, "")
}

func (s *Server) renderSubscribe(c echo.Context, status int, f subscribeForm, msg string) error {
	return s.render(c, status, "subscribe", "Hear about new parts", formPage{Form: f, Message: msg})
}

// handleSubscribeSubmit: POST /subscribe. Every valid address gets the same answer, a
// redirect to "check your inbox", whether it is new, pending, confirmed or unsubscribed, so
// the form cannot be used to learn who subscribes. Only new and returning addresses are sent
// a confirmation, at most a few a day (store.Subscribe).
func (s *Server) handleSubscribeSubmit(c echo.Context) error {
	f := subscribeForm{Email: c.FormValue("email")}
	if csrfFailed(c) {
		return s.renderSubscribe(c, http.StatusForbidden, f, errFormExpired.Error())
	}
	if !f.validate() {
		return s.renderSubscribe(c, http.StatusUnprocessableEntity, f, "Please correct the address below.")
	}
	// Limited after validation: the limit is there to stop mail to strangers, and a typo
	// sends nothing.
	if !allow(s.subs.signUpIP, c.RealIP()) {
		return s.renderSubscribe(c, http.StatusTooManyRequests, f, "Too many sign-ups from your network. Please wait a minute and try again.")
	}
	queued, err := s.store.Subscribe(c.Request().Context(), f.Email, s.composeConfirm)
	if err != nil {
		return err
	}
	if queued {
		s.subs.mailer.Kick()
	}
	return c.Redirect(http.StatusSeeOther, "/subscribe/sent")
}

// subscribeOutcomes are the pages a subscription form leads to. They hold no personal data,
// so anyone may open them.
var subscribeOutcomes = map[string]statusPage{
	"sent": {
		Heading: "Check your inbox",
		Message: "If the address can receive mail, a confirmation link is on its way. Open it and press Confirm to start getting new parts. If you are already subscribed, nothing changes.",
	},
	"confirmed": {
		Heading: "You are subscribed",
		Message: "We will email you when a new part is published. Every email has a link to leave at any time.",
	},
	"left": {
		Heading: "You are unsubscribed",
		Message: "We will not email you about new parts any more. If you change your mind, sign up again and confirm.",
	},
}

// statusPage is a heading and a message, for outcomes and for links that do not work.
type statusPage struct {
	Heading, Message string
	SignUp           bool // offer the sign-up form again
}

// handleSubscribeOutcome: GET /subscribe/:outcome.
func (s *Server) handleSubscribeOutcome(c echo.Context) error {
	p, ok := subscribeOutcomes[c.Param("outcome")]
	if !ok {
		return notFoundPage()
	}
	return s.render(c, http.StatusOK, "subscribe_status", p.Heading, p)
}
