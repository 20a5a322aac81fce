package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	texttemplate "text/template"
)

// Templates are the mails Rapport sends, each a pair mail/NAME.txt and mail/NAME.html. The
// text file defines the subject in a "subject" block; mail/base.txt and mail/base.html hold
// what every mail shares (the HTML frame and the footer with the unsubscribe link).
type Templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// Rendered is a mail's subject and bodies.
type Rendered struct{ Subject, Text, HTML string }

// ParseTemplates parses every mail in fsys at start, so a broken template stops the
// server rather than a send.
func ParseTemplates(fsys fs.FS) (*Templates, error) {
	names, err := fs.Glob(fsys, "mail/*.txt")
	if err != nil {
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	t := &Templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".txt")
		if name == "base" {
			continue
		}
		tt, err := texttemplate.New(name+".txt").ParseFS(fsys, "mail/base.txt", n)
		if err != nil {
			return nil, fmt.Errorf("mail templates: %w", err)
		}
		if tt.Lookup("subject") == nil {
			return nil, fmt.Errorf("mail templates: %s defines no subject", n)
		}
		ht, err := htmltemplate.New("base.html").ParseFS(fsys, "mail/base.html", "mail/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("mail templates: %w", err)
		}
		t.text[name], t.html[name] = tt, ht
	}
	return t, nil
}

// Render writes the mail name with data.
func (t *Templates) Render(name string, data any) (Rendered, error) {
	tt, ok := t.text[name]
	if !ok {
		return Rendered{}, fmt.Errorf("mail: no template %q", name)
	}
	var subj, text, html bytes.Buffer
	if err := tt.ExecuteTemplate(&subj, "subject", data); err != nil {
		return Rendered{}, fmt.Errorf("mail: render %s subject: %w", name, err)
	}
	if err := tt.ExecuteTemplate(&text, name+".txt", data); err != nil {
		return Rendered{}, fmt.Errorf("mail: render %s text: %w", name, err)
	}
	if err := t.html[name].ExecuteTemplate(&html, "base.html", data); err != nil {
		return Rendered{}, fmt.Errorf("mail: render %s html: %w", name, err)
	}
	// A subject is one header line whatever the data holds.
	s := strings.Join(strings.Fields(subj.String()), " ")
	return Rendered{Subject: s, Text: strings.TrimLeft(text.String(), "\n"), HTML: html.String()}, nil
}
