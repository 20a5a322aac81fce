package server

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
)

func TestSessionValuesSurviveTheCodecAndOldGobCookiesStillDecode(t *testing.T) {
	key := make([]byte, 96)
	_, _ = rand.Read(key)
	cs := newSessionStore(key, false)
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	values := map[any]any{"uid": int64(42), "at": at.Unix(), "_flash": []any{"Welcome back."}}

	t.Run("a new cookie is JSON and decodes to the same values", func(t *testing.T) {
		enc, err := securecookie.EncodeMulti(sessionName, values, cs.Codecs...)
		if err != nil {
			t.Fatal(err)
		}
		got := decodeSession(t, cs.Codecs, enc)
		if got["uid"] != int64(42) || got["at"] != at.Unix() || got["_flash"].([]any)[0] != "Welcome back." {
			t.Fatalf("decoded %#v", got)
		}
	})
	t.Run("a cookie made with gob before the change still signs the user in", func(t *testing.T) {
		old := securecookie.New(key[:64], key[64:96]) // gob, the default
		enc, err := old.Encode(sessionName, values)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeSession(t, cs.Codecs, enc); got["uid"] != int64(42) {
			t.Fatalf("decoded %#v", got)
		}
	})
	t.Run("a value JSON cannot carry exactly falls back to gob", func(t *testing.T) {
		odd := map[any]any{"uid": int64(1), "n": 3} // int, not int64
		enc, err := securecookie.EncodeMulti(sessionName, odd, cs.Codecs...)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeSession(t, cs.Codecs, enc); got["n"] != 3 {
			t.Fatalf("decoded %#v", got)
		}
	})
	t.Run("SessionCookie makes a cookie the server accepts", func(t *testing.T) {
		c, err := SessionCookie(key, false, 7, at)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(c)
		sess, err := cs.Get(req, sessionName)
		if err != nil || sess.Values["uid"] != int64(7) || sess.Values["at"] != at.Unix() {
			t.Fatalf("session %#v, %v", sess.Values, err)
		}
	})
}

func decodeSession(t *testing.T, codecs []securecookie.Codec, enc string) map[any]any {
	t.Helper()
	got := map[any]any{}
	if err := securecookie.DecodeMulti(sessionName, enc, &got, codecs...); err != nil {
		t.Fatal(err)
	}
	return got
}
