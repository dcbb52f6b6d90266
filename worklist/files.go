package worklist

import (
	"io/fs"
	"path/filepath"
	"slices"
)

// fileCache remembers, for one read of a worklist, what the file system
// said about the paths its rows name: each folder's real path (its
// symlinks resolved) and the lstat of the most recent files. A big
// worklist names the same few folders on every row and often the same
// files; resolving every component of every path again was most of the
// cost of reading one (docs/performance.md).
type fileCache struct {
	realDirs map[string]realDir
	infos    map[string]lstatResult
	// lastPath and last are the most recent lstat (info nil: none yet).
	lastPath string
	last     lstatResult
}

type realDir struct {
	path string
	err  error
	// inside: path lies inside the worklist's own real folder.
	inside bool
}

type lstatResult struct {
	info fs.FileInfo
	err  error
}

// maxCachedInfos bounds the files whose lstat is kept: a worklist naming a
// million distinct images must not keep a million results.
const maxCachedInfos = 4096

// lstat is ops.lstat of path, from the cache when it was asked before.
func (b *rowBuilder) lstat(path string) (fs.FileInfo, error) {
	if b.files.last.info != nil && path == b.files.lastPath {
		// A row's path is resolved, then stat'ed: one look-up, not two.
		return b.files.last.info, b.files.last.err
	}
	if r, ok := b.files.infos[path]; ok {
		b.files.lastPath, b.files.last = path, r
		return r.info, r.err
	}
	lstat := b.ops.lstat
	if lstat == nil {
		lstat = b.ops.stat
	}
	info, err := lstat(path)
	if b.files.infos == nil {
		b.files.infos = map[string]lstatResult{}
	}
	if len(b.files.infos) >= maxCachedInfos {
		clear(b.files.infos)
	}
	b.files.infos[path] = lstatResult{info, err}
	b.files.lastPath, b.files.last = path, lstatResult{info, err}
	return info, err
}

// stat is ops.stat of path: the file's own lstat when it is not a
// symlink (one system call, often none), else the file it leads to.
func (b *rowBuilder) stat(path string) (fs.FileInfo, error) {
	info, err := b.lstat(path)
	if err == nil && info.Mode()&fs.ModeSymlink == 0 {
		return info, nil
	}
	return b.ops.stat(path)
}

// realPath is filepath.EvalSymlinks(full) with each folder resolved once:
// a file that is not a symlink lies in its folder's real path. When that
// folder lies inside the worklist's real folder (b.realDir, set first),
// it returns b.realDir instead: all resolve asks is whether the file is
// inside, and building a second path per row is not needed to say so.
// An error means the file or a folder on its way is missing.
func (b *rowBuilder) realPath(full string) (string, error) {
	info, err := b.lstat(full)
	if err != nil {
		return "", err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		return b.ops.evalSymlinks(full)
	}
	dir, base := filepath.Split(full)
	rd, ok := b.files.realDirs[dir]
	if !ok {
		rd.path, rd.err = b.ops.evalSymlinks(dir)
		rd.inside = rd.err == nil && inside(b.realDir, filepath.Clean(rd.path))
		if b.files.realDirs == nil {
			b.files.realDirs = map[string]realDir{}
		}
		b.files.realDirs[dir] = rd
	}
	if rd.err != nil {
		return "", rd.err
	}
	if rd.inside && base != "" && base != "." && base != ".." {
		// A file named in a folder that lies inside the worklist's real
		// folder lies inside it too: the joined path is not built.
		return b.realDir, nil
	}
	return filepath.Join(rd.path, base), nil
}

// joinUnder is filepath.Join(dir, rel) for a clean dir, without the
// second pass over the result when rel is already clean and relative
// (no empty, "." or ".." element, no leading or trailing separator), as
// most worklists' paths are.
func joinUnder(dir, rel string) string {
	if dir == "" || !cleanRelative(rel) {
		return filepath.Join(dir, rel)
	}
	if dir[len(dir)-1] == filepath.Separator {
		return dir + rel
	}
	return dir + string(filepath.Separator) + rel
}

// cleanRelative reports whether filepath.Clean(p) == p for a relative p
// whose elements are all names (none "." or "..").
func cleanRelative(p string) bool {
	if p == "" || p[0] == filepath.Separator || p[len(p)-1] == filepath.Separator || filepath.VolumeName(p) != "" {
		return false
	}
	start := 0
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] != filepath.Separator && p[i] != '/' {
			continue
		}
		if i < len(p) && p[i] != filepath.Separator {
			return false // a '/' that is not the separator (Windows)
		}
		switch p[start:i] {
		case "", ".", "..":
			return false
		}
		start = i + 1
	}
	return true
}

// hintAfterRows is how many rows are read before the worklist's size
// says how many it holds.
const hintAfterRows = 1024

// expect sizes Load's items and id set for the rows the worklist holds,
// estimated from the size of the file and the offset after the first
// rows: growing a slice of a million items by doubling copied every item
// about twice and left the old arrays to the collector.
func (b *rowBuilder) expect(rows int, offset int64) {
	if b.onItem != nil || b.size <= 0 || offset <= 0 || rows <= 0 {
		return
	}
	if b.deferHint {
		b.hintRows, b.hintOffset = rows, offset
		return
	}
	est := int(float64(b.size) / float64(offset) * float64(rows) * 1.02)
	if est <= cap(b.items) {
		return
	}
	b.items = slices.Grow(b.items, est-len(b.items))
	if ids, ok := b.seen.(itemIDs); ok {
		sized := ids
		sized.index = ids.index.sized(est)
		if b.mu != nil {
			b.mu.Lock()
			defer b.mu.Unlock()
		}
		b.seen = sized
	}
}
