package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSessionKeysAreMadeOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "session.key")
	first, err := loadOrCreateKey(path)
	if err != nil || len(first) != 96 {
		t.Fatalf("first start: %d bytes, %v", len(first), err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
	again, err := loadOrCreateKey(path)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatal("a second start made a new key: every session would end at each restart")
	}
	if err := os.WriteFile(path, []byte("not hex"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreateKey(path); err == nil {
		t.Fatal("a corrupt key file was accepted")
	}
}

func TestHTTPSBaseURLMakesCookiesSecure(t *testing.T) {
	p := startProgram(t, t.TempDir(), "--base-url", "https://training.example.com")
	res, err := http.Get("http://" + p.addr + "/signup")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cookies := res.Header.Values("Set-Cookie")
	if len(cookies) == 0 {
		t.Fatal("no cookie set on the sign-up form")
	}
	for _, c := range cookies {
		if !strings.Contains(c, "Secure") {
			t.Errorf("cookie without Secure under an https base URL: %s", c)
		}
	}
}

func TestOversizedHeadersAreRefused(t *testing.T) {
	p := startProgram(t, t.TempDir())
	req, _ := http.NewRequest(http.MethodGet, "http://"+p.addr+"/", nil)
	req.Header.Set("X-Padding", strings.Repeat("a", 200<<10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("200 KB of headers answered %d, want 431", res.StatusCode)
	}
}
