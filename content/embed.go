// Package content holds the courses shipped inside the binary.
package content

import (
	"embed"
	"io/fs"
)

//go:embed difficult-customers
var files embed.FS

// FS returns the shipped courses: one folder per course at the top.
func FS() fs.FS { return files }
