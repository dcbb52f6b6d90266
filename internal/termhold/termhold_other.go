//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package termhold

// Hold is a terminal held quiet; on this platform it holds nothing.
type Hold struct{}

// Start does nothing on this platform.
func Start(int) (*Hold, error) { return &Hold{}, nil }

// Release does nothing on this platform.
func (*Hold) Release() (int, error) { return 0, nil }
