package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Document is one authored file of course content (course.md or a lesson), by its path in
// the content tree, e.g. "difficult-customers/01-why.md". Trainees see its published
// revision; later revisions are drafts until published.
type Document struct {
	ID                  int64
	Path                string
	PublishedRevisionID *int64
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// DocumentRevision is one saved text of a document. Revisions are never changed or deleted:
// restoring an old one saves its text again as a new revision.
type DocumentRevision struct {
	ID         int64
	DocumentID int64
	Body       string
	AuthorID   *int64
	Note       string
	CreatedAt  time.Time
}

// ContentVersion is a single row counting publications. Every instance polls it, which costs
// one primary-key read, and reloads the content when it moves.
type ContentVersion struct {
	ID          int64
	Version     int64
	PublishedAt time.Time
}

func docSubject(path string) string { return "document " + path }

// SeedDocuments stores files (path -> text) as published documents when there are none yet,
// so a first start copies the embedded course into the database. It reports whether it did.
// Two instances starting at once may both try; the loser's unique-path error means the other
// seeded, which is fine.
func (s *Store) SeedDocuments(ctx context.Context, files map[string]string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Document{}).Count(&n).Error; err != nil {
		return false, fmt.Errorf("store: seed documents: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, p := range sortedKeys(files) {
			if _, err := s.publishText(tx, nil, p, files[p], "seeded from the embedded course"); err != nil {
				return err
			}
		}
		return bumpContentVersion(tx, s.now().UTC())
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: seed documents: %w", err)
	}
	return true, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// publishText saves text as a new revision of the document at path (creating the document
// if needed) and makes it the published one. It reports whether anything changed: text equal
// to the published revision writes nothing.
func (s *Store) publishText(tx *gorm.DB, actor *User, path, text, note string) (bool, error) {
	now := s.now().UTC()
	var doc Document
	err := tx.Where("path = ?", path).Take(&doc).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		doc = Document{Path: path, CreatedAt: now, UpdatedAt: now}
		err = tx.Create(&doc).Error
	}
	if err != nil {
		return false, err
	}
	if doc.PublishedRevisionID != nil {
		var cur DocumentRevision
		if err := tx.Take(&cur, *doc.PublishedRevisionID).Error; err != nil {
			return false, err
		}
		if cur.Body == text {
			return false, nil
		}
	}
	rev := DocumentRevision{DocumentID: doc.ID, Body: text, Note: note, CreatedAt: now}
	if actor != nil {
		rev.AuthorID = &actor.ID
	}
	if err := tx.Create(&rev).Error; err != nil {
		return false, err
	}
	if err := tx.Model(&doc).Updates(map[string]any{"published_revision_id": rev.ID, "updated_at": now}).Error; err != nil {
		return false, err
	}
	return true, s.audit(tx, actor, "document.publish", nil, docSubject(path), "revision "+strconv.FormatInt(rev.ID, 10)+": "+note)
}

func bumpContentVersion(tx *gorm.DB, at time.Time) error {
	return tx.Model(&ContentVersion{}).Where("id = 1").
		Updates(map[string]any{"version": gorm.Expr("version + 1"), "published_at": at}).Error
}

// ContentVersion returns the publication counter: it changes whenever published content does.
func (s *Store) ContentVersion(ctx context.Context) (int64, error) {
	var v ContentVersion
	if err := s.db.WithContext(ctx).Take(&v, 1).Error; err != nil {
		return 0, notFound(err, "content version")
	}
	return v.Version, nil
}

// PublishedFiles returns the published text of every document (path -> text) and a content
// version no newer than that text. The version is read first: if a publication lands between
// the two reads, the caller holds newer text under an older version and simply reloads once
// more on its next check, which is harmless, while the other order could miss a publication.
func (s *Store) PublishedFiles(ctx context.Context) (map[string]string, int64, error) {
	version, err := s.ContentVersion(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: published files: %w", err)
	}
	var rows []struct{ Path, Body string }
	err = s.db.WithContext(ctx).Table("documents d").Select("d.path, r.body").
		Joins("JOIN document_revisions r ON r.id = d.published_revision_id").Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("store: published files: %w", err)
	}
	files := make(map[string]string, len(rows))
	for _, r := range rows {
		files[r.Path] = r.Body
	}
	return files, version, nil
}

// DocumentInfo is a document as the authoring list shows it.
type DocumentInfo struct {
	Document
	LatestRevisionID int64
	LatestAt         time.Time
}

// Draft reports whether the document has a saved revision newer than the published one.
func (d DocumentInfo) Draft() bool {
	return d.PublishedRevisionID == nil || d.LatestRevisionID != *d.PublishedRevisionID
}

// Documents lists every document by path with its newest revision.
func (s *Store) Documents(ctx context.Context) ([]DocumentInfo, error) {
	var out []DocumentInfo
	// The newest revision is joined as a row (not MAX(created_at)) so its time keeps its
	// column type on SQLite.
	err := s.db.WithContext(ctx).Table("documents").
		Select("documents.*, lr.id AS latest_revision_id, lr.created_at AS latest_at").
		Joins("JOIN document_revisions lr ON lr.id = (SELECT MAX(r.id) FROM document_revisions r WHERE r.document_id = documents.id)").
		Order("path").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: documents: %w", err)
	}
	return out, nil
}

// DocumentByID loads a document.
func (s *Store) DocumentByID(ctx context.Context, id int64) (*Document, error) {
	var d Document
	if err := s.db.WithContext(ctx).Take(&d, id).Error; err != nil {
		return nil, notFound(err, "document")
	}
	return &d, nil
}

// LatestRevision returns the newest saved revision of a document.
func (s *Store) LatestRevision(ctx context.Context, docID int64) (*DocumentRevision, error) {
	var r DocumentRevision
	if err := s.db.WithContext(ctx).Where("document_id = ?", docID).Order("id DESC").Take(&r).Error; err != nil {
		return nil, notFound(err, "latest revision")
	}
	return &r, nil
}

// Revision loads one revision of a document.
func (s *Store) Revision(ctx context.Context, docID, revID int64) (*DocumentRevision, error) {
	var r DocumentRevision
	if err := s.db.WithContext(ctx).Where("document_id = ?", docID).Take(&r, revID).Error; err != nil {
		return nil, notFound(err, "revision")
	}
	return &r, nil
}

// RevisionInfo is a revision as the history lists it, with its author's name.
type RevisionInfo struct {
	ID        int64
	Note      string
	Author    string
	CreatedAt time.Time
}

// Revisions lists a document's revisions, newest first.
func (s *Store) Revisions(ctx context.Context, docID int64) ([]RevisionInfo, error) {
	var out []RevisionInfo
	err := s.db.WithContext(ctx).Table("document_revisions r").
		Select("r.id, r.note, COALESCE(u.name, 'command line') AS author, r.created_at").
		Joins("LEFT JOIN users u ON u.id = r.author_id").Where("r.document_id = ?", docID).
		Order("r.id DESC").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: revisions: %w", err)
	}
	return out, nil
}

// SaveRevision stores text as a new draft revision of the document.
func (s *Store) SaveRevision(ctx context.Context, actor *User, doc *Document, text, note string) (*DocumentRevision, error) {
	rev := &DocumentRevision{DocumentID: doc.ID, Body: text, AuthorID: &actor.ID, Note: note, CreatedAt: s.now().UTC()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(rev).Error; err != nil {
			return err
		}
		if err := tx.Model(doc).Update("updated_at", rev.CreatedAt).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, "document.save", nil, docSubject(doc.Path), "revision "+strconv.FormatInt(rev.ID, 10)+": "+note)
	})
	if err != nil {
		return nil, fmt.Errorf("store: save revision: %w", err)
	}
	return rev, nil
}

// PublishRevision makes a saved revision the one trainees see, and moves the content version
// so every instance reloads.
func (s *Store) PublishRevision(ctx context.Context, actor *User, doc *Document, rev *DocumentRevision) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now().UTC()
		if err := tx.Model(doc).Updates(map[string]any{"published_revision_id": rev.ID, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := bumpContentVersion(tx, now); err != nil {
			return err
		}
		return s.audit(tx, actor, "document.publish", nil, docSubject(doc.Path), "revision "+strconv.FormatInt(rev.ID, 10)+" published")
	})
	if err != nil {
		return fmt.Errorf("store: publish revision: %w", err)
	}
	doc.PublishedRevisionID = &rev.ID
	return nil
}

// ImportDocuments makes files (path -> text) the published content, in one transaction:
// changed and new files get a published revision, files that are unchanged write nothing, and
// documents missing from files are withdrawn (their revisions stay). It returns the paths it
// changed.
func (s *Store) ImportDocuments(ctx context.Context, actor *User, files map[string]string, note string) ([]string, error) {
	var changed []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, p := range sortedKeys(files) {
			did, err := s.publishText(tx, actor, p, files[p], note)
			if err != nil {
				return err
			}
			if did {
				changed = append(changed, p)
			}
		}
		var gone []Document
		if err := tx.Where("published_revision_id IS NOT NULL").Find(&gone).Error; err != nil {
			return err
		}
		for _, d := range gone {
			if _, keep := files[d.Path]; keep {
				continue
			}
			if err := tx.Model(&d).Update("published_revision_id", nil).Error; err != nil {
				return err
			}
			if err := s.audit(tx, actor, "document.withdraw", nil, docSubject(d.Path), "not in the imported folder"); err != nil {
				return err
			}
			changed = append(changed, d.Path)
		}
		if len(changed) == 0 {
			return nil
		}
		return bumpContentVersion(tx, s.now().UTC())
	})
	if err != nil {
		return nil, fmt.Errorf("store: import documents: %w", err)
	}
	return changed, nil
}
