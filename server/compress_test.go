package server

import (
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// An error a handler returns is rendered inside compressAnswers, while its writer is open:
// the whole page arrives compressed with the error's status, and the response the request
// log reads holds that status and the page's size.
func TestCompressAnswersRendersErrorsWhileOpen(t *testing.T) {
	page := strings.Repeat("<p>An error page long enough to be compressed.</p>\n", 100)
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			_ = c.HTML(he.Code, page)
		}
	}
	var logged *echo.Response
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			logged = c.Response()
			return err
		}
	}, compressAnswers())
	e.GET("/gone", func(echo.Context) error { return echo.NewHTTPError(http.StatusGone) })
	e.GET("/small", func(c echo.Context) error { return c.String(http.StatusOK, "short") })

	req := httptest.NewRequest(http.MethodGet, "/gone", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusGone || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("%d, Content-Encoding %q; want 410, gzip", rec.Code, rec.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if body, err := io.ReadAll(zr); err != nil || string(body) != page {
		t.Fatalf("body %d bytes, err %v; want the %d-byte page", len(body), err, len(page))
	}
	if logged.Status != http.StatusGone || logged.Size != int64(len(page)) {
		t.Fatalf("the response Echo sees: status %d, %d bytes; want 410, %d bytes", logged.Status, logged.Size, len(page))
	}

	// Under 1 KB an answer goes out as it is.
	req = httptest.NewRequest(http.MethodGet, "/small", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != "short" {
		t.Fatalf("a short answer: Content-Encoding %q, body %q", rec.Header().Get("Content-Encoding"), rec.Body)
	}
}
