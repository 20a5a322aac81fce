// Package templates holds the HTML pages and mail templates, embedded in the binary.
package templates

import (
	"embed"
	"io/fs"
)

//go:embed layout.html pages partials mail
var files embed.FS

// FS returns the templates.
func FS() fs.FS { return files }
