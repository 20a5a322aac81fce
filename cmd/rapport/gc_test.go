package main

import "testing"

func TestGCSettingsGiveWayToTheEnvironment(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	for _, c := range []struct {
		vars    map[string]string
		percent int
		limit   int64
		what    string
	}{
		{nil, defaultGCPercent, defaultMemoryLimit, "nothing set: both defaults"},
		{map[string]string{"GOGC": "100"}, -1, defaultMemoryLimit, "GOGC set: the runtime's reading stands"},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, defaultGCPercent, -1, "GOMEMLIMIT set"},
		{map[string]string{"GOGC": "off", "GOMEMLIMIT": "512MiB"}, -1, -1, "both set"},
	} {
		if p, l := gcSettings(env(c.vars)); p != c.percent || l != c.limit {
			t.Errorf("%s: %d, %d; want %d, %d", c.what, p, l, c.percent, c.limit)
		}
	}
}
