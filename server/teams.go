package server

import (
	"net/http"
	"rapport/courses"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rapport/server/store"
)

// findTeam resolves :team for the signed-in director. Another director's team answers 404,
// exactly like a team that does not exist, so ids reveal nothing.
func (s *Server) findTeam(c echo.Context) (*store.Team, error) {
	id, err := strconv.ParseInt(c.Param("team"), 10, 64)
	if err != nil {
		return nil, notFoundPage()
	}
	t, err := s.store.TeamByID(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if t.OwnerID != currentUser(c).ID {
		return nil, notFoundPage()
	}
	return t, nil
}

// findTeamCourse resolves :team (the director's own) and :course, for the activity reports.
func (s *Server) findTeamCourse(c echo.Context) (*store.Team, *courses.Course, error) {
	t, err := s.findTeam(c)
	if err != nil {
		return nil, nil, err
	}
	course, err := s.findCourse(c)
	if err != nil {
		return nil, nil, err
	}
	return t, course, nil
}

func teamURL(t *store.Team) string { return "/director/teams/" + strconv.FormatInt(t.ID, 10) }

// teamForm is the create and edit form of a team.
type teamForm struct {
	Name   string
	Due    string // yyyy-mm-dd or empty
	Errors fieldErrors
	due    *time.Time
}

func readTeamForm(c echo.Context) teamForm {
	return teamForm{Name: c.FormValue("name"), Due: c.FormValue("due")}
}

func (f *teamForm) validate() bool {
	f.Errors = fieldErrors{}
	var msg string
	if f.Name, msg = validName(f.Name, "Give the team a name."); msg != "" {
		f.Errors["name"] = msg
	}
	f.Due, _ = cleanText(f.Due)
	if f.Due != "" {
		// A due date means the end of that day, UTC: trainees have all of it.
		d, err := time.Parse("2006-01-02", f.Due)
		if err != nil {
			f.Errors["due"] = "Enter the date as year-month-day, like 2027-01-31."
		} else {
			end := d.Add(24*time.Hour - time.Second)
			f.due = &end
		}
	}
	return len(f.Errors) == 0
}

type teamsPage struct {
	Teams   []store.TeamWithCount
	Form    teamForm
	Message string
}

// handleTeamList: GET /director/teams. The director's teams and the form to add one.
func (s *Server) handleTeamList(c echo.Context) error {
	return s.renderTeams(c, http.StatusOK, teamForm{}, "")
}

func (s *Server) renderTeams(c echo.Context, status int, f teamForm, msg string) error {
	teams, err := s.store.TeamsOwnedBy(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return s.render(c, status, "director_teams", "Teams", teamsPage{Teams: teams, Form: f, Message: msg})
}

// handleTeamCreate: POST /director/teams.
func (s *Server) handleTeamCreate(c echo.Context) error {
	f := readTeamForm(c)
	if csrfFailed(c) {
		return s.renderTeams(c, http.StatusForbidden, f, errFormExpired.Error())
	}
	if !f.validate() {
		return s.renderTeams(c, http.StatusUnprocessableEntity, f, "Please correct the fields marked below.")
	}
	t := &store.Team{Name: f.Name, DueAt: f.due}
	if err := s.store.CreateTeam(c.Request().Context(), currentUser(c), t); err != nil {
		return err
	}
	s.flash(c, "Team "+t.Name+" is ready. Send its invite link to your trainees.")
	return c.Redirect(http.StatusSeeOther, teamURL(t))
}

// handleTeamUpdate: POST /director/teams/:team. Renames the team or changes its due date.
func (s *Server) handleTeamUpdate(c echo.Context) error {
	t, err := s.findTeam(c)
	if err != nil {
		return err
	}
	f := readTeamForm(c)
	if csrfFailed(c) {
		return s.renderDashboard(c, http.StatusForbidden, t, f, errFormExpired.Error())
	}
	if !f.validate() {
		return s.renderDashboard(c, http.StatusUnprocessableEntity, t, f, "Please correct the fields marked below.")
	}
	t.Name, t.DueAt = f.Name, f.due
	if err := s.store.UpdateTeam(c.Request().Context(), currentUser(c), t); err != nil {
		return err
	}
	s.flash(c, "Team "+t.Name+" is saved.")
	return c.Redirect(http.StatusSeeOther, teamURL(t))
}

// handleTeamInviteRotate: POST /director/teams/:team/invite. Revokes the current invite link
// and makes a new one.
func (s *Server) handleTeamInviteRotate(c echo.Context) error {
	t, err := s.findTeam(c)
	if err != nil {
		return err
	}
	if err := s.store.RotateInvite(c.Request().Context(), currentUser(c), t); err != nil {
		return err
	}
	s.flash(c, "The old invite link no longer works. Here is the new one.")
	return c.Redirect(http.StatusSeeOther, teamURL(t)+"#invite")
}

// handleTeamMemberRemove: POST /director/teams/:team/members/:user/remove. Takes a trainee out
// of the team; their own records stay.
func (s *Server) handleTeamMemberRemove(c echo.Context) error {
	t, err := s.findTeam(c)
	if err != nil {
		return err
	}
	m, err := s.findMember(c, t)
	if err != nil {
		return err
	}
	if err := s.store.RemoveMember(c.Request().Context(), currentUser(c), t, m); err != nil {
		return err
	}
	s.flash(c, m.Name+" is no longer in "+t.Name+".")
	return c.Redirect(http.StatusSeeOther, teamURL(t))
}

// findMember resolves :user, which must be in the team.
func (s *Server) findMember(c echo.Context, t *store.Team) (*store.User, error) {
	id, err := strconv.ParseInt(c.Param("user"), 10, 64)
	if err != nil {
		return nil, notFoundPage()
	}
	return s.store.TeamMemberUser(c.Request().Context(), t.ID, id)
}
