//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package termhold

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Hold is a terminal held quiet. The zero value holds nothing.
type Hold struct {
	fd    int
	saved *unix.Termios
}

// Start holds the terminal at fd: no echo, no line editing, signals kept.
// A file that is not a terminal is left alone (Release then does nothing).
func Start(fd int) (*Hold, error) {
	t, err := unix.IoctlGetTermios(fd, getTermios)
	if err != nil {
		return &Hold{}, nil // not a terminal
	}
	saved := *t
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, setTermios, t); err != nil {
		return &Hold{}, fmt.Errorf("hold terminal: %w", err)
	}
	return &Hold{fd: fd, saved: &saved}, nil
}

// Release discards the input typed while held, restores the terminal and
// returns how many bytes were discarded. It is safe to call more than
// once.
func (h *Hold) Release() (discarded int, err error) {
	if h == nil || h.saved == nil {
		return 0, nil
	}
	if n, err := unix.IoctlGetInt(h.fd, inQueue); err == nil {
		discarded = n
	}
	flushErr := tcflushInput(h.fd)
	err = unix.IoctlSetTermios(h.fd, setTermios, h.saved)
	h.saved = nil
	if err != nil {
		return discarded, fmt.Errorf("restore terminal: %w", err)
	}
	if flushErr != nil {
		return discarded, fmt.Errorf("discard typed input: %w", flushErr)
	}
	return discarded, nil
}
