//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import (
	"os"
	"sync/atomic"
)

// fileID identifies a held file. Without device and inode numbers a file
// cannot be recognised across names, so every hold is its own (a unique
// number): each Store keeps its own descriptor, and InUse sees only what
// flock would, which here is nothing.
type fileID struct{ n uint64 }

var fileIDs atomic.Uint64

func idOf(os.FileInfo) fileID { return fileID{fileIDs.Add(1)} }

// flockShared: no flock(2) here; the store opens unlocked.
func flockShared(*os.File) (bool, error) { return true, nil }

// flockTryExclusive: no flock(2) here; nothing can be seen in use.
func flockTryExclusive(*os.File) (bool, error) { return true, nil }

// linkCount is unknown here: only the path's identity is compared.
func linkCount(os.FileInfo) (uint64, bool) { return 0, false }
