package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"rapport/courses"
)

func itoa(i int) string { return strconv.Itoa(i) }

type homePage struct {
	Courses   []courseProgress
	SignedOut bool
}

// handleHome: GET /. The catalogue, and for a trainee where to carry on.
func (s *Server) handleHome(c echo.Context) error {
	all, err := s.allProgress(c)
	if err != nil {
		return err
	}
	// Sign-out clears the session, so its message travels in the URL rather than as a flash.
	return s.render(c, http.StatusOK, "home", "Rapport", homePage{Courses: all, SignedOut: c.QueryParam("signed-out") == "1"})
}

// findCourse resolves :course, or answers 404.
func (s *Server) findCourse(c echo.Context) (*courses.Course, error) {
	course, ok := s.Catalog().Course(c.Param("course"))
	if !ok {
		return nil, notFoundPage()
	}
	return course, nil
}

// findLesson resolves :course and :lesson. A lesson not yet published is a 404 for trainees
// and strangers, and visible to directors, who see it marked as scheduled.
func (s *Server) findLesson(c echo.Context) (*courses.Lesson, error) {
	course, err := s.findCourse(c)
	if err != nil {
		return nil, err
	}
	l, ok := course.Lesson(c.Param("lesson"))
	if !ok || (!l.IsPublished(s.now()) && !currentUser(c).IsDirector()) {
		return nil, notFoundPage()
	}
	return l, nil
}

type coursePage struct {
	Progress courseProgress
}

// handleCourseShow: GET /courses/:course.
func (s *Server) handleCourseShow(c echo.Context) error {
	course, err := s.findCourse(c)
	if err != nil {
		return err
	}
	cp, err := s.progressFor(c.Request().Context(), currentUser(c), course, s.now())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "course", course.Title, coursePage{Progress: cp})
}

type lessonPage struct {
	Lesson     *courses.Lesson
	Status     lessonStatus
	Progress   courseProgress
	Prev, Next *courses.Lesson
	Scheduled  bool
}

// handleLessonShow: GET /courses/:course/:lesson. Records the first opening for trainees.
func (s *Server) handleLessonShow(c echo.Context) error {
	l, err := s.findLesson(c)
	if err != nil {
		return err
	}
	ctx, u, now := c.Request().Context(), currentUser(c), s.now()
	cp, err := s.progressFor(ctx, u, l.Course, now)
	if err != nil {
		return err
	}
	// Only the first opening writes: a write takes SQLite's single write lock, and reading a
	// lesson should not queue behind quiz submissions.
	if u != nil && !cp.Status(l).Opened {
		if err := s.store.OpenLesson(ctx, u.ID, l.Course.Slug, l.Slug); err != nil {
			return err
		}
		for i := range cp.Lessons {
			if cp.Lessons[i].Lesson == l {
				cp.Lessons[i].Opened = true
			}
		}
	}
	prev, next := l.Course.Neighbours(l, now)
	data := lessonPage{Lesson: l, Status: cp.Status(l), Progress: cp, Prev: prev, Next: next, Scheduled: !l.IsPublished(now)}
	return s.render(c, http.StatusOK, "lesson", l.Title, data)
}

// handleLessonComplete: POST /courses/:course/:lesson/complete.
func (s *Server) handleLessonComplete(c echo.Context) error {
	l, err := s.findLesson(c)
	if err != nil {
		return err
	}
	if err := s.store.CompleteLesson(c.Request().Context(), currentUser(c).ID, l.Course.Slug, l.Slug); err != nil {
		return err
	}
	s.flash(c, "Part "+itoa(l.Part)+" is marked complete.")
	_, next := l.Course.Neighbours(l, s.now())
	if next != nil {
		return c.Redirect(http.StatusSeeOther, lessonURL(next))
	}
	return c.Redirect(http.StatusSeeOther, "/courses/"+l.Course.Slug)
}

// handleProgress: GET /progress. Everything the trainee has done, course by course.
func (s *Server) handleProgress(c echo.Context) error {
	all, err := s.allProgress(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "progress", "Your progress", homePage{Courses: all})
}

// allProgress returns the user's standing in every course (empty standing for strangers).
func (s *Server) allProgress(c echo.Context) ([]courseProgress, error) {
	var all []courseProgress
	for _, course := range s.Catalog().Courses {
		cp, err := s.progressFor(c.Request().Context(), currentUser(c), course, s.now())
		if err != nil {
			return nil, err
		}
		all = append(all, cp)
	}
	return all, nil
}
