package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// requireDirector guards every director page and action: strangers are sent to sign in,
// signed-in users without the role get 403 and none of the data.
func (s *Server) requireDirector(next echo.HandlerFunc) echo.HandlerFunc {
	return s.requireUser(func(c echo.Context) error {
		if !currentUser(c).IsDirector() {
			return echo.NewHTTPError(http.StatusForbidden, "This page is for training directors.")
		}
		return next(c)
	})
}
