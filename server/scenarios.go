package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"rapport/courses"
	"rapport/server/store"
)

// findScenario resolves a conversation route: it must sit in the lesson named in the URL.
func (s *Server) findScenario(c echo.Context) (*courses.Scenario, error) {
	l, err := s.findLesson(c)
	if err != nil {
		return nil, err
	}
	sc, ok := l.Course.Scenario(c.Param("scenario"))
	if !ok || sc.Lesson != l {
		return nil, notFoundPage()
	}
	return sc, nil
}

type scenarioPage struct {
	Scenario  *courses.Scenario
	Run       *store.ScenarioRun // nil before the first reply
	Exchanges []courses.Exchange
	State     courses.State
	Node      *courses.Node
	Message   string
	Notice    string
}

// loadRun returns the latest run and its replayed state. A run of an older version of the
// conversation that no longer replays is set aside: the trainee starts afresh with a notice,
// and the old run stays on record.
func (s *Server) loadRun(c echo.Context, sc *courses.Scenario) (scenarioPage, error) {
	p := scenarioPage{Scenario: sc, State: sc.Begin()}
	run, err := s.store.LatestRun(c.Request().Context(), currentUser(c).ID, sc.Lesson.Course.Slug, sc.ID)
	if errors.Is(err, store.ErrNotFound) {
		p.Node = sc.Current(p.State)
		return p, nil
	} else if err != nil {
		return p, err
	}
	path, err := store.RunPath(run)
	if err != nil {
		return p, err
	}
	ex, st, err := sc.Transcript(path)
	if err != nil || (run.Status == store.RunFinished) != sc.Current(st).End {
		p.Node = sc.Current(p.State)
		p.Notice = "This conversation has been revised since you last played it, so it starts again from the beginning."
		return p, nil
	}
	p.Run, p.Exchanges, p.State, p.Node = run, ex, st, sc.Current(st)
	return p, nil
}

// handleScenarioShow: GET /courses/:course/:lesson/conversation/:scenario. Resumes the latest
// run where it stands.
func (s *Server) handleScenarioShow(c echo.Context) error {
	sc, err := s.findScenario(c)
	if err != nil {
		return err
	}
	p, err := s.loadRun(c, sc)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "scenario", sc.Title, p)
}

// handleScenarioReply: POST /courses/:course/:lesson/conversation/:scenario. Applies one
// reply. The form says how many replies the trainee had seen, so a stale tab or a double
// click is refused instead of answering a line the trainee never read.
func (s *Server) handleScenarioReply(c echo.Context) error {
	sc, err := s.findScenario(c)
	if err != nil {
		return err
	}
	p, err := s.loadRun(c, sc)
	if err != nil {
		return err
	}
	seen, err1 := strconv.Atoi(c.FormValue("step"))
	choice, err2 := strconv.Atoi(c.FormValue("choice"))
	fail := func(status int, msg string) error {
		p.Message = msg
		return s.render(c, status, "scenario", sc.Title, p)
	}
	switch {
	case csrfFailed(c):
		return fail(http.StatusForbidden, errFormExpired.Error())
	case err1 != nil || err2 != nil:
		return fail(http.StatusUnprocessableEntity, "Choose one of the replies below.")
	case p.Node.End:
		return fail(http.StatusConflict, "This conversation has ended. Play it again to try another way.")
	case seen != p.State.Steps:
		return fail(http.StatusConflict, "This conversation moved on in another window. Here is where it stands now.")
	}
	next, err := sc.Step(p.State, choice)
	if errors.Is(err, courses.ErrNotOffered) {
		return fail(http.StatusUnprocessableEntity, "That reply is not offered at this point of the conversation. Choose one of the replies below.")
	} else if err != nil {
		return err
	}
	ctx, u := c.Request().Context(), currentUser(c)
	run := p.Run
	if run == nil {
		if run, err = s.store.StartRun(ctx, u.ID, sc.Lesson.Course.Slug, sc.ID, sc.Hash, runState(sc, p.State)); err != nil {
			return err
		}
	}
	if err := s.store.AppendStep(ctx, run, choice, runState(sc, next)); err != nil {
		if errors.Is(err, store.ErrStale) {
			return fail(http.StatusConflict, "This conversation moved on in another window. Here is where it stands now.")
		}
		return err
	}
	s.metrics.written.WithLabelValues("reply").Inc()
	return c.Redirect(http.StatusSeeOther, scenarioURL(sc)+"#turn-"+strconv.Itoa(next.Steps))
}

func runState(sc *courses.Scenario, st courses.State) store.RunState {
	rs := store.RunState{Node: st.Node, Mood: st.Mood, Path: st.Path, Skills: st.Skills}
	if n := sc.Current(st); n.End {
		rs.Finished, rs.Score = true, n.Score
	}
	return rs
}

// handleScenarioRestart: POST /courses/:course/:lesson/conversation/:scenario/restart.
// Starts a new run; earlier runs are kept.
func (s *Server) handleScenarioRestart(c echo.Context) error {
	sc, err := s.findScenario(c)
	if err != nil {
		return err
	}
	if _, err := s.store.StartRun(c.Request().Context(), currentUser(c).ID, sc.Lesson.Course.Slug, sc.ID, sc.Hash, runState(sc, sc.Begin())); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, scenarioURL(sc))
}
