//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import "os"

// fileID identifies a file across its names; without device and inode
// numbers the path's file info stands in (os.SameFile is used to compare).
type fileID struct{ name string }

func idOf(fi os.FileInfo) fileID { return fileID{fi.Name()} }

// flockShared: no flock(2) here; the store opens unlocked.
func flockShared(*os.File) (bool, error) { return true, nil }

// flockTryExclusive: no flock(2) here; nothing can be seen in use.
func flockTryExclusive(*os.File) (bool, error) { return true, nil }
