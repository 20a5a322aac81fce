package mail

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		name, url string
		want      Settings
		err       string
	}{
		{"no URL means no server", "", Settings{}, ""},
		{"smtp defaults to STARTTLS on 587", "smtp://ana:s%40cret@mail.example.com", Settings{Host: "mail.example.com", Port: 587, Username: "ana", Password: "s@cret", TLS: TLSStartTLS}, ""},
		{"smtps is TLS on 465", "smtps://ana:pw@mail.example.com", Settings{Host: "mail.example.com", Port: 465, Username: "ana", Password: "pw", TLS: TLSImplicit}, ""},
		{"a local relay without TLS uses 25", "smtp://127.0.0.1?tls=none", Settings{Host: "127.0.0.1", Port: 25, TLS: TLSNone}, ""},
		{"an explicit port wins", "smtp://relay:2525?tls=opportunistic", Settings{Host: "relay", Port: 2525, TLS: TLSOpportunistic}, ""},
		{"other schemes are refused", "http://mail.example.com", Settings{}, "smtp:// or smtps://"},
		{"a missing host is refused", "smtp://", Settings{}, "no host"},
		{"an unknown TLS mode is refused", "smtp://h?tls=maybe", Settings{}, "tls must be"},
		{"unknown settings are refused", "smtp://h?timeout=3", Settings{}, "unknown setting"},
		{"a bad port is refused", "smtp://h:99999", Settings{}, "bad port"},
		{"smtps cannot downgrade", "smtps://h?tls=none", Settings{}, "always uses TLS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseURL(tc.url)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestSettingsStringHidesThePassword(t *testing.T) {
	s, _ := ParseURL("smtp://ana:topsecret@mail.example.com")
	if str := s.String(); strings.Contains(str, "topsecret") || !strings.Contains(str, "mail.example.com:587") {
		t.Fatalf("String() = %q", str)
	}
	if _, err := ParseURL("smtp://ana:top secret%zz@h"); err == nil || strings.Contains(err.Error(), "top secret") {
		t.Fatalf("a URL that does not parse must not echo the password: %v", err)
	}
}

func TestCheckFrom(t *testing.T) {
	for _, ok := range []string{"news@example.com", "Rapport <news@example.com>"} {
		if err := CheckFrom(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "news", "news@example.com\r\nBcc: x@example.com"} {
		if err := CheckFrom(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
