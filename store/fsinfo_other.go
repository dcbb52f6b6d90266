//go:build !(linux || darwin || freebsd)

package store

// diskFree is unknown on this platform.
func diskFree(string) (uint64, bool) { return 0, false }

// writable cannot tell on this platform: it assumes yes and lets SQLite
// report the failure.
func writable(string) error { return nil }
