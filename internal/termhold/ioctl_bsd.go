//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package termhold

import "golang.org/x/sys/unix"

const (
	getTermios = unix.TIOCGETA
	setTermios = unix.TIOCSETA
	inQueue    = 0x4004667f // FIONREAD, _IOR('f', 127, int): bytes waiting to be read
)

// tcflushInput discards the input queue (TIOCFLUSH with FREAD, 1).
func tcflushInput(fd int) error { return unix.IoctlSetPointerInt(fd, unix.TIOCFLUSH, 1) }
