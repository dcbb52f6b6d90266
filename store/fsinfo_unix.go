//go:build linux || darwin || freebsd

package store

import "golang.org/x/sys/unix"

// diskFree returns the bytes available to this user on the file system
// holding dir.
func diskFree(dir string) (uint64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true
}

// writable reports, as access(2) does for this process, whether path may be
// written: nil, or the reason (EACCES, EROFS, ...).
func writable(path string) error {
	return unix.Access(path, unix.W_OK)
}
