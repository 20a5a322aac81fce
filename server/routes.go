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
	e.IPExtractor = echo.ExtractIPDirect()
	if s.cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader(echo.TrustLoopback(true), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	}
	e.Pre(newAdmission().middleware) // first: see admission.go
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(
		middleware.RequestID(),
		s.logRequests,
		middleware.Recover(),
		middleware.BodyLimit("1M"),
		compressAnswers(),
		securityHeaders,
		s.loadUser,
	)
	hard, soft := s.csrf(false), s.csrf(true)

	// Anyone.
	e.GET("/healthz", s.handleHealth)
	e.GET("/metrics", s.handleMetrics)
	e.GET("/static/*", echo.WrapHandler(s.assets))
	s.benchStaticRoute(e)
	e.GET("/", s.handleHome, hard)
	e.GET("/signup", s.handleSignupForm, hard)
	e.POST("/signup", s.handleSignupSubmit, soft)
	e.GET("/login", s.handleLoginForm, hard)
	e.POST("/login", s.handleLoginSubmit, soft)
	e.POST("/logout", s.handleLogout, hard)
	e.GET("/courses/:course", s.handleCourseShow, hard)
	e.GET("/courses/:course/:lesson", s.handleLessonShow, hard)
	// Subscribing to new parts (subscribe*.go). Links in mails only show a page; the
	// button on it does the change.
	e.GET("/subscribe", s.handleSubscribeForm, hard)
	e.POST("/subscribe", s.handleSubscribeSubmit, soft)
	e.GET("/subscribe/confirm", s.handleConfirmShow, hard)
	e.POST("/subscribe/confirm", s.handleConfirmSubmit, soft)
	e.GET("/subscribe/:outcome", s.handleSubscribeOutcome, hard)
	e.GET("/unsubscribe", s.handleLeaveShow, hard)
	e.POST("/unsubscribe", s.handleLeaveSubmit, soft)
	e.GET("/unsubscribe/one-click", s.handleLeaveShow, hard)
	// RFC 8058 one-click: posted by mail providers without cookies, so deliberately the
	// one POST without CSRF middleware; the token in the URL is the authority.
	e.POST("/unsubscribe/one-click", s.handleLeaveOneClick)

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
	// Subscribers and the outbox (director_subscribers.go).
	e.GET("/director/subscribers", s.handleDirectorSubscribers, hard, director)
	e.GET("/director/subscribers.csv", s.handleDirectorSubscribersCSV, hard, director)
	// Teams and their reports: every handler also checks the team is the director's own
	// (findTeam), and answers 404 for any other.
	e.GET("/director/teams", s.handleTeamList, hard, director)
	e.POST("/director/teams", s.handleTeamCreate, soft, director)
	e.GET("/director/teams/:team", s.handleTeamDashboard, hard, director)
	e.POST("/director/teams/:team", s.handleTeamUpdate, soft, director)
	e.POST("/director/teams/:team/invite", s.handleTeamInviteRotate, hard, director)
	e.POST("/director/teams/:team/members/:user/remove", s.handleTeamMemberRemove, hard, director)
	e.GET("/director/teams/:team/trainees/:user", s.handleTraineeShow, hard, director)
	e.GET("/director/teams/:team/trainees/:user/runs/:run", s.handleTranscript, hard, director)
	e.GET("/director/teams/:team/quizzes/:course/:quiz", s.handleQuizReport, hard, director)
	e.GET("/director/teams/:team/conversations/:course/:scenario", s.handleScenarioReport, hard, director)
	e.GET("/director/audit", s.handleAuditLog, hard, director)
	// Authoring: shared by every director, like the course itself.
	e.GET("/director/content", s.handleDocumentList, hard, director)
	e.GET("/director/content/:doc", s.handleDocumentEdit, hard, director)
	e.POST("/director/content/:doc", s.handleDocumentSave, soft, director)
	e.POST("/director/content/:doc/preview", s.handleDocumentPreview, hard, director)
	e.POST("/director/content/:doc/publish", s.handleDocumentPublish, hard, director)
	e.GET("/director/content/:doc/revisions/:rev", s.handleRevisionShow, hard, director)
	e.POST("/director/content/:doc/revisions/:rev/restore", s.handleRevisionRestore, hard, director)
	// Invite links: anyone may look; joining needs an account.
	e.GET("/join/:token", s.handleJoinShow, hard)
	e.POST("/join/:token", s.handleJoinSubmit, hard, user)
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
