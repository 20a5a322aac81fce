package server

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"rapport/server/store"
)

const (
	maxDocument = 512 << 10 // far above the longest lesson, well below the body limit
	maxNote     = 200
)

var errFolderContent = echo.NewHTTPError(http.StatusConflict, "This deployment serves its course from a folder (--content): edit the files there, and they reload on save.")

type documentsPage struct {
	Enabled   bool
	Documents []store.DocumentInfo
}

// handleDocumentList: GET /director/content. Every document of the course, with drafts
// marked.
func (s *Server) handleDocumentList(c echo.Context) error {
	data := documentsPage{Enabled: s.authoring.enabled}
	if data.Enabled {
		var err error
		if data.Documents, err = s.store.Documents(c.Request().Context()); err != nil {
			return err
		}
	}
	return s.render(c, http.StatusOK, "director_content", "Course content", data)
}

// findDocument resolves :doc; with folder content there are no documents to edit.
func (s *Server) findDocument(c echo.Context) (*store.Document, error) {
	if !s.authoring.enabled {
		return nil, errFolderContent
	}
	id, err := strconv.ParseInt(c.Param("doc"), 10, 64)
	if err != nil {
		return nil, notFoundPage()
	}
	return s.store.DocumentByID(c.Request().Context(), id)
}

func documentURL(d *store.Document) string {
	return "/director/content/" + strconv.FormatInt(d.ID, 10)
}

// documentForm is the editor's form.
type documentForm struct {
	Body, Note string
}

func readDocumentForm(c echo.Context) (documentForm, string) {
	f := documentForm{Body: strings.ReplaceAll(c.FormValue("body"), "\r\n", "\n"), Note: strings.TrimSpace(c.FormValue("note"))}
	switch {
	case !utf8.ValidString(f.Body) || !utf8.ValidString(f.Note):
		return f, "The text has characters we cannot store."
	case strings.TrimSpace(f.Body) == "":
		return f, "The document is empty: a course file needs at least its front matter."
	case len(f.Body) > maxDocument:
		return f, "The document is too long: keep it under 512 KB."
	case utf8.RuneCountInString(f.Note) > maxNote:
		return f, "Keep the note under 200 characters."
	}
	return f, ""
}

type editorPage struct {
	Doc       *store.Document
	Latest    *store.DocumentRevision
	Form      documentForm
	Check     draftCheck
	Message   string
	Revisions []store.RevisionInfo
	Published bool // the latest revision is the published one
}

// IsLive reports whether revision id is the published one.
func (p editorPage) IsLive(id int64) bool {
	return p.Doc.PublishedRevisionID != nil && *p.Doc.PublishedRevisionID == id
}

// handleDocumentEdit: GET /director/content/:doc. The editor on the latest revision, with
// its preview and lint.
func (s *Server) handleDocumentEdit(c echo.Context) error {
	doc, err := s.findDocument(c)
	if err != nil {
		return err
	}
	latest, err := s.store.LatestRevision(c.Request().Context(), doc.ID)
	if err != nil {
		return err
	}
	return s.renderEditor(c, http.StatusOK, doc, latest, documentForm{Body: latest.Body}, "")
}

func (s *Server) renderEditor(c echo.Context, status int, doc *store.Document, latest *store.DocumentRevision, f documentForm, msg string) error {
	ctx := c.Request().Context()
	check, err := s.checkDraft(ctx, doc, f.Body)
	if err != nil {
		return err
	}
	revs, err := s.store.Revisions(ctx, doc.ID)
	if err != nil {
		return err
	}
	data := editorPage{Doc: doc, Latest: latest, Form: f, Check: check, Message: msg, Revisions: revs,
		Published: doc.PublishedRevisionID != nil && *doc.PublishedRevisionID == latest.ID}
	return s.render(c, status, "director_document", "Edit "+doc.Path, data)
}

// handleDocumentSave: POST /director/content/:doc. "Save" stores the text as a new revision
// (a draft until published); "Check" only shows the preview and lint, for browsers without
// the live preview.
func (s *Server) handleDocumentSave(c echo.Context) error {
	doc, err := s.findDocument(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	latest, err := s.store.LatestRevision(ctx, doc.ID)
	if err != nil {
		return err
	}
	f, problem := readDocumentForm(c)
	switch {
	case csrfFailed(c):
		return s.renderEditor(c, http.StatusForbidden, doc, latest, f, errFormExpired.Error())
	case problem != "":
		return s.renderEditor(c, http.StatusUnprocessableEntity, doc, latest, f, problem)
	case c.FormValue("action") == "check":
		return s.renderEditor(c, http.StatusOK, doc, latest, f, "")
	case f.Body == latest.Body:
		s.flash(c, "Nothing changed since the last revision, so nothing was saved.")
		return c.Redirect(http.StatusSeeOther, documentURL(doc))
	}
	if f.Note == "" {
		f.Note = "edited in the browser"
	}
	rev, err := s.store.SaveRevision(ctx, currentUser(c), doc, f.Body, f.Note)
	if err != nil {
		return err
	}
	s.flash(c, "Saved as revision "+strconv.FormatInt(rev.ID, 10)+". Trainees see it once you publish it.")
	return c.Redirect(http.StatusSeeOther, documentURL(doc))
}

// handleDocumentPreview: POST /director/content/:doc/preview. The live preview: the editor's
// script posts the text as it is typed and puts the answer, the "check" part of the editor
// page, beside it. Nothing is stored.
func (s *Server) handleDocumentPreview(c echo.Context) error {
	doc, err := s.findDocument(c)
	if err != nil {
		return err
	}
	f, problem := readDocumentForm(c)
	if problem != "" {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, problem)
	}
	check, err := s.checkDraft(c.Request().Context(), doc, f.Body)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.pages.byName["director_document"].ExecuteTemplate(&buf, "check", check); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// handleDocumentPublish: POST /director/content/:doc/publish. Makes the latest revision live,
// if the course passes lint with it; this instance reloads at once, the others within their
// poll interval.
func (s *Server) handleDocumentPublish(c echo.Context) error {
	doc, err := s.findDocument(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	latest, err := s.store.LatestRevision(ctx, doc.ID)
	if err != nil {
		return err
	}
	check, err := s.checkDraft(ctx, doc, latest.Body)
	if err != nil {
		return err
	}
	if !check.OK() {
		return s.renderEditor(c, http.StatusUnprocessableEntity, doc, latest, documentForm{Body: latest.Body},
			"Not published: the course does not pass lint with this revision. Fix the problems listed beside the text, save, and publish again.")
	}
	if err := s.store.PublishRevision(ctx, currentUser(c), doc, latest); err != nil {
		return err
	}
	if err := s.reloadDocuments(ctx); err != nil {
		return err
	}
	s.flash(c, "Revision "+strconv.FormatInt(latest.ID, 10)+" is live for trainees.")
	return c.Redirect(http.StatusSeeOther, documentURL(doc))
}

type revisionPage struct {
	Doc       *store.Document
	Rev       *store.DocumentRevision
	Published bool
}

// handleRevisionShow: GET /director/content/:doc/revisions/:rev. An earlier text, read-only,
// with a button to restore it.
func (s *Server) handleRevisionShow(c echo.Context) error {
	doc, rev, err := s.findRevision(c)
	if err != nil {
		return err
	}
	data := revisionPage{Doc: doc, Rev: rev, Published: doc.PublishedRevisionID != nil && *doc.PublishedRevisionID == rev.ID}
	return s.render(c, http.StatusOK, "director_revision", "Revision "+strconv.FormatInt(rev.ID, 10)+" of "+doc.Path, data)
}

// handleRevisionRestore: POST /director/content/:doc/revisions/:rev/restore. Saves the old
// text again as the newest revision; history is never rewritten.
func (s *Server) handleRevisionRestore(c echo.Context) error {
	doc, rev, err := s.findRevision(c)
	if err != nil {
		return err
	}
	saved, err := s.store.SaveRevision(c.Request().Context(), currentUser(c), doc, rev.Body, "restored revision "+strconv.FormatInt(rev.ID, 10))
	if err != nil {
		return err
	}
	s.flash(c, "Revision "+strconv.FormatInt(rev.ID, 10)+" is restored as revision "+strconv.FormatInt(saved.ID, 10)+". Publish it to make it live.")
	return c.Redirect(http.StatusSeeOther, documentURL(doc))
}

func (s *Server) findRevision(c echo.Context) (*store.Document, *store.DocumentRevision, error) {
	doc, err := s.findDocument(c)
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.ParseInt(c.Param("rev"), 10, 64)
	if err != nil {
		return nil, nil, notFoundPage()
	}
	rev, err := s.store.Revision(c.Request().Context(), doc.ID, id)
	return doc, rev, err
}
