package main

import "runtime/debug"

// Garbage collection defaults for the server process, used unless GOGC or GOMEMLIMIT is set.
//
// A lesson page allocates some 25 KB, so at a few thousand pages a second Go's default (collect
// when the heap has doubled) runs the collector several times a second over a small live heap.
// Letting the heap grow to three times the live data instead cut a lesson page's server CPU by
// about a tenth under the load tool, for some 10-20 MiB more resident memory (docs/performance.md).
// The soft limit keeps a large live heap (a director's report over 10,000 trainees, say) from
// tripling unchecked: near it the collector runs as often as it must.
const (
	defaultGCPercent   = 200
	defaultMemoryLimit = 256 << 20
)

// gcSettings returns the collector settings to apply: each is -1 (leave it) where the
// environment already sets it, since the runtime has read GOGC and GOMEMLIMIT itself.
func gcSettings(getenv func(string) string) (percent int, limit int64) {
	percent, limit = defaultGCPercent, defaultMemoryLimit
	if getenv("GOGC") != "" {
		percent = -1
	}
	if getenv("GOMEMLIMIT") != "" {
		limit = -1
	}
	return percent, limit
}

func applyGCSettings(getenv func(string) string) {
	percent, limit := gcSettings(getenv)
	if percent >= 0 {
		debug.SetGCPercent(percent)
	}
	if limit >= 0 {
		debug.SetMemoryLimit(limit)
	}
}
