package server

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
	"github.com/labstack/echo/v4"
)

// ctxGzip is set on the context when the client takes gzip (compressAnswers decides).
const ctxGzip = "gzip"

// compressAnswers gzips answers of 1 KB and more for clients that accept it, with klauspost's
// gzhttp: its deflate compresses a lesson page in about two thirds of the standard library's
// time, at the same size, and it leaves alone an answer that already carries a
// Content-Encoding (see spliced.go). Level 1: a lesson page shrinks to 44% of its size, against
// 41% at level 6 for 1.5 times the CPU.
func compressAnswers() echo.MiddlewareFunc {
	wrap, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(1), gzhttp.MinSize(1024), gzhttp.EnableZstd(false))
	if err != nil {
		panic(err) // the options above are constants; an error is a programming mistake
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			plain := res.Writer
			defer func() { res.Writer = plain }()
			wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				res.Writer = w
				c.SetRequest(r)
				// gzhttp wraps the writer only for a client that takes gzip: handlers that
				// compress for themselves (spliced.go) follow its decision, not a second one.
				switch w.(type) {
				case *gzhttp.GzipResponseWriter, gzhttp.GzipResponseWriterWithCloseNotify:
					c.Set(ctxGzip, true)
				}
				// Render an error here, while the compressing writer is still open: gzhttp
				// finishes the answer and returns its writer to a pool when this returns.
				if err := next(c); err != nil {
					c.Error(err)
				}
			})).ServeHTTP(plain, c.Request())
			return nil
		}
	}
}
