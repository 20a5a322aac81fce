package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes lists every route Rapport serves, grouped by who may use it.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(
		middleware.RequestID(),
		s.logRequests,
		middleware.Recover(),
		middleware.BodyLimit("1M"),
		middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 1024}),
		securityHeaders,
		s.loadUser,
	)
	hard, soft := s.csrf(false), s.csrf(true)

	// Anyone.
	e.GET("/healthz", s.handleHealth)
	e.GET("/static/*", echo.WrapHandler(s.assets))
	e.GET("/", s.handleHome, hard)
	e.GET("/signup", s.handleSignupForm, hard)
	e.POST("/signup", s.handleSignupSubmit, soft)
	e.GET("/login", s.handleLoginForm, hard)
	e.POST("/login", s.handleLoginSubmit, soft)
	e.POST("/logout", s.handleLogout, hard)
	e.GET("/courses/:course", s.handleCourseShow, hard)
	e.GET("/courses/:course/:lesson", s.handleLessonShow, hard)

	// Trainees: anyone signed in. (Route-level middleware: an Echo group with an empty
	// prefix would also catch every unknown URL and send strangers to sign in, not a 404.)
	user := s.requireUser
	e.POST("/courses/:course/:lesson/complete", s.handleLessonComplete, hard, user)
	e.GET("/courses/:course/:lesson/quiz/:quiz", s.handleQuizShow, hard, user)
	e.POST("/courses/:course/:lesson/quiz/:quiz", s.handleQuizSubmit, soft, user)
	e.GET("/courses/:course/:lesson/quiz/:quiz/attempts/:attempt", s.handleQuizResult, hard, user)
	e.GET("/courses/:course/:lesson/conversation/:scenario", s.handleScenarioShow, hard, user)
	e.POST("/courses/:course/:lesson/conversation/:scenario", s.handleScenarioReply, soft, user)
	e.POST("/courses/:course/:lesson/conversation/:scenario/restart", s.handleScenarioRestart, hard, user)
	e.GET("/progress", s.handleProgress, hard, user)

	// Directors.
	director := s.requireDirector
	e.GET("/director", s.handleDirectorHome, hard, director)
	return e
}

// requireUser sends strangers to sign in and back. A form posted after the session ended gets
// the sign-in page with an explanation instead of being silently dropped.
func (s *Server) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		nextURL := c.Request().URL.RequestURI()
		if c.Request().Method != http.MethodGet {
			return s.renderLogin(c, http.StatusUnauthorized, loginForm{Next: nextURL}, "Your session has ended, so nothing was saved. Sign in to carry on.")
		}
		return c.Redirect(http.StatusSeeOther, "/login?next="+urlQueryEscape(nextURL))
	}
}
