// Package safefile holds the file rules every command keeps, so that no
// command can destroy data it was not asked to write or hang on a file
// that is not a file:
//
//   - Regular refuses what is not a regular file (a named pipe would block
//     the open forever, a device would be read without end) before anything
//     opens it;
//   - Same compares two paths by file identity (symlinks, "./", hard links),
//     so an output can be refused when it names an input or the store;
//   - Create writes an output through a temporary file in the same folder,
//     renamed over the destination only by Commit, so a previous file is
//     never truncated before the new one is complete, and a crash leaves the
//     lines written so far in the temporary file. Files are created 0600:
//     outputs hold report text and verdicts.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotRegular is wrapped by Regular's error for a path that exists but is
// not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Regular stats path (following symlinks) and returns its FileInfo when it
// is a regular file. A missing path returns the stat error (wrapping
// fs.ErrNotExist); anything else that exists (a directory, a named pipe, a
// socket, a device) returns an error wrapping ErrNotRegular that says what
// it is. Stat never blocks on a named pipe, unlike open.
func Regular(path string) (fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return st, fmt.Errorf("%s is %s, %w", path, Kind(st.Mode()), ErrNotRegular)
	}
	return st, nil
}

// Kind names what a file mode is, in words ("a directory", "a named pipe
// (FIFO)", ...), for error messages.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return "not a regular file"
	}
}

// Same reports whether a and b name the same file. When both exist it
// compares their identity (device and inode), so symlinks, "./" and hard
// links are seen through. When either does not exist yet it compares their
// absolute paths with the folder's symlinks resolved, so an output that is
// about to be created is still recognised as, say, the store's WAL file.
func Same(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	ca, okA := canonical(a)
	cb, okB := canonical(b)
	return okA && okB && ca == cb
}

// canonical returns path made absolute with its folder's symlinks
// resolved; the last element is kept as written (it may not exist).
func canonical(path string) (string, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	dir, base := filepath.Split(abs)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real, true
	}
	return filepath.Join(dir, base), true
}

// File is an output being written: a temporary file beside its
// destination. Write to it (it is an *os.File), then Commit to put it in
// place, or Abort to drop it. Not safe for concurrent use.
type File struct {
	*os.File
	dst  string
	done bool
}

// Create starts writing dst: it refuses a dst that exists and is not a
// regular file (renaming over a device or a pipe would replace it), then
// creates a temporary file in dst's folder, mode 0600, named
// "<dst>.<random>.partial" so that after a crash it sits beside dst and
// says what it is.
func Create(dst string) (*File, error) {
	if st, err := os.Stat(dst); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, not a file to write results to: %w", dst, Kind(st.Mode()), ErrNotRegular)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".*.partial")
	if err != nil {
		return nil, err
	}
	return &File{File: f, dst: dst}, nil
}

// Dest returns the destination path.
func (f *File) Dest() string { return f.dst }

// Commit syncs the temporary file to disk, closes it and renames it over
// the destination. On error the temporary file is left in place (it holds
// what was written) and the destination is untouched. Commit after Commit
// or Abort is an error.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("%s: already committed or aborted", f.dst)
	}
	f.done = true
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), f.dst)
}

// Abort closes and removes the temporary file; the destination is
// untouched. It does nothing after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}
