// Package static holds the stylesheet, script and images, embedded in the binary.
package static

import (
	"embed"
	"net/http"
)

//go:embed *.css *.js
var files embed.FS

// Handler serves the static files.
func Handler() http.Handler { return http.FileServer(http.FS(files)) }
