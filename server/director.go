package server

import (
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"rapport/courses"
)

// contentStatus remembers the last refused content reload, so directors see why their edit is
// not live, not only the log.
type contentStatus struct {
	mu       sync.Mutex
	problems []courses.Problem
	at       time.Time
}

func (cs *contentStatus) set(problems []courses.Problem, at time.Time) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.problems, cs.at = problems, at
}

func (cs *contentStatus) get() ([]courses.Problem, time.Time) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.problems, cs.at
}

type directorPage struct {
	Courses  []courseProgress
	Problems []courses.Problem
	Refused  time.Time
	Now      time.Time
}

// handleDirectorHome: GET /director. The director's overview: each course's parts with their
// publication state, and any content reload that lint refused.
func (s *Server) handleDirectorHome(c echo.Context) error {
	data := directorPage{Now: s.now()}
	data.Problems, data.Refused = s.contentStatus.get()
	for _, course := range s.Catalog().Courses {
		cp, err := s.progressFor(c.Request().Context(), nil, course, s.now())
		if err != nil {
			return err
		}
		data.Courses = append(data.Courses, cp)
	}
	return s.render(c, http.StatusOK, "director", "Director", data)
}
