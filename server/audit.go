package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

const auditPageSize = 100

type auditPage struct {
	Table      *table
	Page       int
	More       bool
	Prev, Next string
}

// handleAuditLog: GET /director/audit. Who changed which document, role or team, and when,
// newest first, 100 a page (?page=N). Entries about another director's team are left out.
// ?csv=audit downloads the page.
func (s *Server) handleAuditLog(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 0)
	entries, more, err := s.store.AuditLog(c.Request().Context(), currentUser(c).ID, auditPageSize, page*auditPageSize)
	if err != nil {
		return err
	}
	t := &table{Name: "audit", Caption: "Changes, newest first", Head: []string{"When (UTC)", "Who", "Action", "What", "Detail"}, Empty: "Nothing has changed yet."}
	for _, e := range entries {
		t.Rows = append(t.Rows, []cell{txt(e.At.UTC().Format("2006-01-02 15:04:05")), txt(e.Actor), txt(e.Action), txt(e.Subject), txt(e.Detail)})
	}
	t.CSV = "/director/audit?page=" + itoa(page) + "&csv=audit"
	if name := c.QueryParam("csv"); name != "" {
		return writeCSV(c, "audit-page-"+itoa(page), []*table{t}, name)
	}
	data := auditPage{Table: t, Page: page, More: more}
	if page > 0 {
		data.Prev = "/director/audit?page=" + itoa(page-1)
	}
	if more {
		data.Next = "/director/audit?page=" + itoa(page+1)
	}
	return s.render(c, http.StatusOK, "director_audit", "Audit log", data)
}
