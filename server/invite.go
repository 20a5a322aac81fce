package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rapport/server/store"
)

// Invite links are /join/{team id}.{signature}. The signature is an HMAC over the team id and
// the team's invite nonce, keyed from the session key, so a link cannot be forged or moved to
// another team, needs no stored secret, and is revoked by giving the team a new nonce.

func (s *Server) inviteKey() []byte {
	m := hmac.New(sha256.New, s.cfg.SessionKey[:64])
	m.Write([]byte("rapport invite links v1"))
	return m.Sum(nil)
}

func (s *Server) inviteSignature(t *store.Team) string {
	m := hmac.New(sha256.New, s.inviteKey())
	m.Write([]byte(strconv.FormatInt(t.ID, 10) + ":" + t.InviteNonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// invitePath is the team's current invite link, as a path on this site.
func (s *Server) invitePath(t *store.Team) string {
	return "/join/" + strconv.FormatInt(t.ID, 10) + "." + s.inviteSignature(t)
}

// inviteURL is the link a director hands out.
func (s *Server) inviteURL(t *store.Team) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + s.invitePath(t)
}

var errBadInvite = errors.New("invite link not valid")

// teamFromInvite checks an invite token and returns its team.
func (s *Server) teamFromInvite(ctx context.Context, token string) (*store.Team, error) {
	idPart, sig, ok := strings.Cut(token, ".")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if !ok || err != nil || len(sig) > 64 {
		return nil, errBadInvite
	}
	t, err := s.store.TeamByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errBadInvite
	} else if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(sig), []byte(s.inviteSignature(t))) {
		return nil, errBadInvite
	}
	return t, nil
}

type joinPage struct {
	Team     *store.Team
	Director string
	Path     string
	Member   bool
}

// handleJoinShow: GET /join/:token. Names the team and asks the visitor to sign up or sign
// in; a signed-in trainee gets a button to join.
func (s *Server) handleJoinShow(c echo.Context) error {
	ctx := c.Request().Context()
	t, err := s.teamFromInvite(ctx, c.Param("token"))
	if errors.Is(err, errBadInvite) {
		return echo.NewHTTPError(http.StatusNotFound, "This invite link does not work: it may have been replaced. Ask your training director for the current one.")
	} else if err != nil {
		return err
	}
	owner, err := s.store.UserByID(ctx, t.OwnerID)
	if err != nil {
		return err
	}
	data := joinPage{Team: t, Director: owner.Name, Path: s.invitePath(t)}
	if u := currentUser(c); u != nil {
		if _, err := s.store.TeamMemberUser(ctx, t.ID, u.ID); err == nil {
			data.Member = true
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return s.render(c, http.StatusOK, "join", "Join "+t.Name, data)
}

// handleJoinSubmit: POST /join/:token. A signed-in trainee joins the team.
func (s *Server) handleJoinSubmit(c echo.Context) error {
	if _, err := s.teamFromInvite(c.Request().Context(), c.Param("token")); errors.Is(err, errBadInvite) {
		return echo.NewHTTPError(http.StatusNotFound, "This invite link does not work: it may have been replaced. Ask your training director for the current one.")
	} else if err != nil {
		return err
	}
	next, err := s.joinThroughInvite(c, currentUser(c), "/join/"+c.Param("token"))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// joinThroughInvite is called after sign-up and sign-in with the page the visitor was going
// to: when that is an invite link, a trainee joins its team there and then, and is sent home
// with a message instead of back to the invite. Other destinations pass through unchanged.
func (s *Server) joinThroughInvite(c echo.Context, u *store.User, next string) (string, error) {
	token, ok := strings.CutPrefix(next, "/join/")
	if !ok {
		return next, nil
	}
	t, err := s.teamFromInvite(c.Request().Context(), token)
	if errors.Is(err, errBadInvite) {
		// The account is made or signed in either way; only the joining is refused.
		s.flash(c, "That invite link does not work any more, so you have not joined a team. Ask your training director for the current one.")
		return "/", nil
	} else if err != nil {
		return "/", err
	}
	if u.IsDirector() {
		s.flash(c, "Invite links are for trainees: directors see teams from the Director pages.")
		return "/", nil
	}
	joined, err := s.store.JoinTeam(c.Request().Context(), t, u)
	if err != nil {
		return "/", err
	}
	if joined {
		s.flash(c, "You joined the team "+t.Name+".")
	} else {
		s.flash(c, "You are already in the team "+t.Name+".")
	}
	return "/", nil
}
