package server

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"rapport/server/store"
)

// handleSignupForm: GET /signup.
func (s *Server) handleSignupForm(c echo.Context) error {
	return s.renderSignup(c, http.StatusOK, signupForm{Next: safeNext(c.QueryParam("next"))}, "")
}

func (s *Server) renderSignup(c echo.Context, status int, f signupForm, msg string) error {
	return s.render(c, status, "signup", "Create your account", formPage{Form: f, Message: msg})
}

// formPage is a form with its values, field errors and a message for the whole form.
type formPage struct {
	Form    any
	Message string
}

// handleSignupSubmit: POST /signup. Creates a trainee account and signs it in.
func (s *Server) handleSignupSubmit(c echo.Context) error {
	f := signupForm{Name: c.FormValue("name"), Email: c.FormValue("email"), Next: safeNext(c.FormValue("next"))}
	password := c.FormValue("password")
	if csrfFailed(c) {
		return s.renderSignup(c, http.StatusForbidden, f, errFormExpired.Error())
	}
	if !allow(s.limits.signUpIP, c.RealIP()) {
		return s.renderSignup(c, http.StatusTooManyRequests, f, "Too many sign-ups from your network. Please wait a minute and try again.")
	}
	if !f.validate(password) {
		return s.renderSignup(c, http.StatusUnprocessableEntity, f, "Please correct the fields marked below.")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost())
	if err != nil {
		return err
	}
	u := &store.User{Name: f.Name, Email: f.Email, PasswordHash: string(hash), Role: store.RoleTrainee}
	if err := s.store.CreateUser(c.Request().Context(), u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			// Say no more than sign-in would: the address may or may not have an account.
			return s.renderSignup(c, http.StatusConflict, f, "We could not create an account with these details. If you already have one, sign in instead.")
		}
		return err
	}
	if err := s.signIn(c, u); err != nil {
		return err
	}
	s.flash(c, "Welcome, "+u.Name+". Your account is ready.")
	next, err := s.joinThroughInvite(c, u, f.Next) // invite links join the team here
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) bcryptCost() int {
	if s.cfg.BcryptCost != 0 {
		return s.cfg.BcryptCost
	}
	return bcrypt.DefaultCost
}

// handleLoginForm: GET /login.
func (s *Server) handleLoginForm(c echo.Context) error {
	return s.renderLogin(c, http.StatusOK, loginForm{Next: safeNext(c.QueryParam("next"))}, "")
}

func (s *Server) renderLogin(c echo.Context, status int, f loginForm, msg string) error {
	return s.render(c, status, "login", "Sign in", formPage{Form: f, Message: msg})
}

// handleLoginSubmit: POST /login. One message for every failure, so it never tells whether
// an address has an account; rate limited per address and per account.
func (s *Server) handleLoginSubmit(c echo.Context) error {
	f := loginForm{Email: c.FormValue("email"), Next: safeNext(c.FormValue("next"))}
	password := c.FormValue("password")
	if csrfFailed(c) {
		return s.renderLogin(c, http.StatusForbidden, f, errFormExpired.Error())
	}
	email, msg := validEmail(f.Email)
	if msg != "" || password == "" || len(password) > maxPassword {
		return s.renderLogin(c, http.StatusUnprocessableEntity, f, "Enter the email address and password of your account.")
	}
	if !allow(s.limits.signInIP, c.RealIP()) || !allow(s.limits.signInAccount, email) {
		return s.renderLogin(c, http.StatusTooManyRequests, f, "Too many sign-in attempts. Please wait a minute and try again.")
	}
	u, err := s.store.UserByEmail(c.Request().Context(), email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash := s.dummyHash()
	if u != nil {
		hash = []byte(u.PasswordHash)
	}
	// Compare even when there is no account, so the answer takes as long either way.
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u == nil {
		return s.renderLogin(c, http.StatusUnauthorized, f, "That email and password do not match an account.")
	}
	if err := s.signIn(c, u); err != nil {
		return err
	}
	s.flash(c, "Welcome back, "+u.Name+".")
	next, err := s.joinThroughInvite(c, u, f.Next) // invite links join the team here
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// dummyHash is the hash compared against when no account matches: made once, at the same
// cost as real hashes, so a missing account takes as long to refuse as a wrong password.
func (s *Server) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte("no account has this password"), s.bcryptCost())
	})
	return s.dummy
}

// handleLogout: POST /logout.
func (s *Server) handleLogout(c echo.Context) error {
	if err := s.signOut(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/?signed-out=1")
}
