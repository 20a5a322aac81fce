package server

import (
	"encoding/csv"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// Every report table is built once as a table, then shown in HTML by the "table" partial or
// downloaded as CSV, so the two can never disagree.

// cell is one table cell; Href makes it a link in HTML (CSV keeps the text).
type cell struct {
	Text string
	Href string
	Num  bool // right-aligned figure
}

type table struct {
	Name    string // used in ?csv=NAME and in the file name
	Caption string
	Head    []string
	Rows    [][]cell
	Empty   string // shown instead of an empty table
	CSV     string // the download link, set by the page
}

func txt(s string) cell { return cell{Text: s} }
func num(i int) cell    { return cell{Text: itoa(i), Num: true} }
func link(s, href string) cell {
	return cell{Text: s, Href: href}
}

// pct formats n of total as a whole per cent, or a dash when there is nothing to divide.
func pctText(n, total int) string {
	if total == 0 {
		return "–"
	}
	return itoa(n*100/total) + "%"
}

// withCSVLinks sets each table's download link to the page's path.
func withCSVLinks(path string, tables ...*table) []*table {
	for _, t := range tables {
		t.CSV = path + "?csv=" + t.Name
	}
	return tables
}

// writeCSV answers with the named table as a CSV download, or 404 when the page has no
// such table.
func writeCSV(c echo.Context, prefix string, tables []*table, name string) error {
	for _, t := range tables {
		if t.Name != name {
			continue
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+prefix+"-"+t.Name+`.csv"`)
		c.Response().WriteHeader(http.StatusOK)
		w := csv.NewWriter(c.Response())
		if err := w.Write(t.Head); err != nil {
			return err
		}
		for _, r := range t.Rows {
			rec := make([]string, len(r))
			for i, cl := range r {
				rec[i] = csvSafe(cl.Text)
			}
			if err := w.Write(rec); err != nil {
				return err
			}
		}
		w.Flush()
		return w.Error()
	}
	return notFoundPage()
}

// csvSafe keeps a cell a spreadsheet would read as a formula (a trainee named "=HYPERLINK(..)"
// say) as text, by the usual leading apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if s[0] == '-' && len(s) > 1 && (s[1] >= '0' && s[1] <= '9') {
			return s // a negative number
		}
		return "'" + s
	}
	return s
}
