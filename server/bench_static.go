package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// benchStaticPath is where the load tool's baseline page is served.
const benchStaticPath = "/static/bench/lesson.html"

// benchStaticRoute serves Config.BenchStaticPage, when set: the bytes of a lesson page the load
// tool fetched earlier, held in memory and written the way static.Assets writes the embedded
// files, through the same middleware. The load tool compares live lesson pages with it: the
// cheapest answer this server can give with the same bytes. Nothing is registered normally.
func (s *Server) benchStaticRoute(e *echo.Echo) {
	page := s.cfg.BenchStaticPage
	if page == nil {
		return
	}
	e.GET(benchStaticPath, func(c echo.Context) error {
		return c.Blob(http.StatusOK, "text/html; charset=utf-8", page)
	})
}
