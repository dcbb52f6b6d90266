//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// fileID identifies a file across its names.
type fileID struct{ dev, ino uint64 }

func idOf(fi os.FileInfo) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileID{uint64(st.Dev), uint64(st.Ino)} //nolint:unconvert // types differ by platform
	}
	return fileID{}
}

// flockShared takes a shared lock without waiting: locked is false when an
// exclusive lock (Remove) is held. A file system without flock support
// counts as locked: the store still opens, only InUse cannot see it.
func flockShared(f *os.File) (locked bool, err error) {
	err = unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EWOULDBLOCK):
		return false, nil
	case errors.Is(err, unix.ENOLCK), errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOSYS):
		return true, nil
	}
	return false, err
}

// flockTryExclusive reports whether no one else holds a lock on f, taking
// an exclusive lock that f's Close drops.
func flockTryExclusive(f *os.File) (free bool, err error) {
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EWOULDBLOCK):
		return false, nil
	case errors.Is(err, unix.ENOLCK), errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOSYS):
		return true, nil
	}
	return false, err
}

// linkCount returns how many names the file has (0 once deleted while
// open).
func linkCount(fi os.FileInfo) (uint64, bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink), true //nolint:unconvert // types differ by platform
	}
	return 0, false
}
