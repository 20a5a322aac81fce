// Package static holds the stylesheet, script and images, embedded in the binary, and serves
// them under content-hashed names so browsers may cache them for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed *.css *.js
var files embed.FS

// Assets serves the static files. Each file is reachable as name.HASH.ext, where HASH comes
// from its bytes, so a changed file gets a new URL and an old URL never serves new bytes.
type Assets struct {
	hashed map[string]string // "style.css" -> "style.1a2b3c4d5e6f.css"
	byName map[string][]byte // hashed name -> bytes
}

// New hashes the embedded files once, at start.
func New() (*Assets, error) {
	a := &Assets{hashed: map[string]string{}, byName: map[string][]byte{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		name := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		a.hashed[p], a.byName[name] = name, b
		return nil
	})
	return a, err
}

// Path returns the URL of a static file by its plain name.
func (a *Assets) Path(name string) string {
	if h, ok := a.hashed[name]; ok {
		return "/static/" + h
	}
	return "/static/" + name
}

// ServeHTTP serves a hashed name (the path after /static/) with a year-long immutable cache.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	b, ok := a.byName[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}
