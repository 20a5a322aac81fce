package server

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Field limits, shared by validation and the forms' maxlength attributes.
const (
	maxName     = 100
	maxEmail    = 254
	minPassword = 8
	maxPassword = 72 // bcrypt uses at most 72 bytes
)

// fieldErrors maps a form field to what is wrong with it.
type fieldErrors map[string]string

// cleanText trims a field and reports whether it is valid UTF-8 without control characters.
func cleanText(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return s, false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return s, false
		}
	}
	return s, true
}

// validEmail accepts a bare address (no display name), at most 254 characters, with no line
// breaks: mail headers are built from it later.
func validEmail(s string) (string, string) {
	s, ok := cleanText(s)
	switch {
	case s == "":
		return s, "Enter your email address."
	case !ok || utf8.RuneCountInString(s) > maxEmail:
		return s, "Enter a valid email address, like name@example.com."
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		return s, "Enter a valid email address, like name@example.com."
	}
	return strings.ToLower(s), ""
}

// validName trims a person's or a team's name and says what is wrong with it, if anything;
// missing is the message for an empty name.
func validName(s, missing string) (string, string) {
	s, ok := cleanText(s)
	switch {
	case s == "":
		return s, missing
	case !ok:
		return s, "The name has characters we cannot store."
	case utf8.RuneCountInString(s) > maxName:
		return s, "Use at most 100 characters for the name."
	}
	return s, ""
}

type signupForm struct {
	Name, Email, Next string
	Errors            fieldErrors
}

func (f *signupForm) validate(password string) bool {
	f.Errors = fieldErrors{}
	var msg string
	if f.Name, msg = validName(f.Name, "Enter your name."); msg != "" {
		f.Errors["name"] = msg
	}
	if f.Email, msg = validEmail(f.Email); msg != "" {
		f.Errors["email"] = msg
	}
	switch {
	case utf8.RuneCountInString(password) < minPassword:
		f.Errors["password"] = "Use at least 8 characters for your password."
	case len(password) > maxPassword:
		f.Errors["password"] = "Use at most 72 bytes for your password (fewer characters if they are accented or emoji)."
	}
	return len(f.Errors) == 0
}

type loginForm struct {
	Email, Next string
	Errors      fieldErrors
}
