package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"rapport/courses"
	"rapport/server/store"
)

type runLine struct {
	Run      store.ScenarioRun
	Scenario *courses.Scenario // nil when the conversation is no longer in the course
	Ending   *courses.Node
	URL      string
}

type traineePage struct {
	Team     *store.Team
	Trainee  *store.User
	Progress []courseProgress
	Runs     []runLine
}

// handleTraineeShow: GET /director/teams/:team/trainees/:user. One trainee's standing, part
// by part, and every conversation they played, each linking to its transcript.
func (s *Server) handleTraineeShow(c echo.Context) error {
	t, err := s.findTeam(c)
	if err != nil {
		return err
	}
	u, err := s.findMember(c, t)
	if err != nil {
		return err
	}
	ctx, now := c.Request().Context(), s.now()
	data := traineePage{Team: t, Trainee: u}
	for _, course := range s.Catalog().Courses {
		cp, err := s.progressFor(ctx, u, course, now)
		if err != nil {
			return err
		}
		data.Progress = append(data.Progress, cp)
		runs, err := s.store.UserRuns(ctx, u.ID, course.Slug)
		if err != nil {
			return err
		}
		for _, r := range runs {
			if r.Steps == 0 {
				continue // a run started and never answered has nothing to read
			}
			line := runLine{Run: r, URL: traineeURL(t, u.ID) + "/runs/" + strconv.FormatInt(r.ID, 10)}
			if sc, ok := course.Scenario(r.Scenario); ok {
				line.Scenario = sc
				if r.Status == store.RunFinished {
					line.Ending = sc.Nodes[r.Node]
				}
			}
			data.Runs = append(data.Runs, line)
		}
	}
	return s.render(c, http.StatusOK, "director_trainee", u.Name, data)
}

type transcriptPage struct {
	Team      *store.Team
	Trainee   *store.User
	Run       *store.ScenarioRun
	Scenario  *courses.Scenario
	Exchanges []courses.Exchange
	State     courses.State
	Node      *courses.Node
	Edited    bool // the conversation changed since the run
	Broken    bool // and the run no longer replays on it
}

// handleTranscript: GET /director/teams/:team/trainees/:user/runs/:run. Replays a run turn by
// turn with the feedback the trainee was shown after each reply.
func (s *Server) handleTranscript(c echo.Context) error {
	t, err := s.findTeam(c)
	if err != nil {
		return err
	}
	u, err := s.findMember(c, t)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("run"), 10, 64)
	if err != nil {
		return notFoundPage()
	}
	run, err := s.store.UserRun(c.Request().Context(), u.ID, id)
	if err != nil {
		return err
	}
	course, ok := s.Catalog().Course(run.Course)
	if !ok {
		return notFoundPage()
	}
	sc, ok := course.Scenario(run.Scenario)
	if !ok {
		return notFoundPage()
	}
	path, err := store.RunPath(run)
	if err != nil {
		return err
	}
	data := transcriptPage{Team: t, Trainee: u, Run: run, Scenario: sc, Edited: run.ContentHash != sc.Hash}
	data.Exchanges, data.State, err = sc.Transcript(path)
	data.Broken = err != nil
	data.Node = sc.Current(data.State)
	return s.render(c, http.StatusOK, "director_transcript", "Transcript: "+sc.Title, data)
}
