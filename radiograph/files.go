package radiograph

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by the error OpenFile, ReadFile and Load return
// for a path that is not a regular file (a directory, FIFO, device such as
// /dev/zero, or socket). Such files are refused before any byte is read: a
// FIFO would block and a device can be endless.
var ErrNotRegular = errors.New("not a regular file")

// maxFileBytes bounds how many bytes of an image file are read: 2 bytes per
// allowed pixel (a 16-bit grey image stored uncompressed, the largest
// radiograph encoding) plus 16 MiB of headers, so 144 MiB at the default
// pixel limit. An image file larger than that cannot be a radiograph under
// the limit, and reading it would only cost memory.
func (o LoadOptions) maxFileBytes() int64 {
	if o.MaxFileBytes > 0 {
		return o.MaxFileBytes
	}
	mp := int64(o.maxPixels())
	if mp > (1<<62)/2 {
		return 1 << 62
	}
	return mp*2 + 16<<20
}

// File is an image file opened by OpenFile: a regular file whose size was
// within the limit when it was opened. Reads past that limit fail, so a file
// that grows after the check still cannot be read without bound.
type File struct {
	f    *os.File
	r    io.Reader
	size int64
	max  int64
}

// OpenFile opens the image file at path for reading after checking, with
// os.Stat before any byte is read, that it is a regular file (ErrNotRegular
// otherwise) of at most the byte limit opt allows (ErrTooLarge otherwise).
// run, review and render all read images through OpenFile, so the limits are
// the same everywhere. Errors name the file. The caller closes the File.
func OpenFile(path string, opt LoadOptions) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	if err := checkFileInfo(path, st, opt); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	// The path may have been swapped between Stat and Open: check the file
	// actually opened too.
	st, err = f.Stat()
	if err == nil {
		err = checkFileInfo(path, st, opt)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	max := opt.maxFileBytes()
	return &File{f: f, r: io.LimitReader(f, max+1), size: st.Size(), max: max}, nil
}

func checkFileInfo(path string, st fs.FileInfo, opt LoadOptions) error {
	if !st.Mode().IsRegular() {
		return fmt.Errorf("image %s: %s: %w", path, describeMode(st.Mode()), ErrNotRegular)
	}
	if max := opt.maxFileBytes(); st.Size() > max {
		return fmt.Errorf("image %s: file is %d bytes, more than the %d bytes an image of at most %d pixels can need: %w",
			path, st.Size(), max, opt.maxPixels(), ErrTooLarge)
	}
	return nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "is a directory"
	case m&fs.ModeNamedPipe != 0:
		return "is a named pipe (FIFO)"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "is a device"
	case m&fs.ModeSocket != 0:
		return "is a socket"
	}
	return "is not a regular file (" + m.Type().String() + ")"
}

// Read reads from the file; it fails with ErrTooLarge once more than the
// byte limit has been read.
func (f *File) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if n > 0 {
		if f.max -= int64(n); f.max < 0 {
			return n, fmt.Errorf("grew past the byte limit while being read: %w", ErrTooLarge)
		}
	}
	return n, err
}

// Size is the file's size when it was opened.
func (f *File) Size() int64 { return f.size }

// Name is the path the file was opened with.
func (f *File) Name() string { return f.f.Name() }

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// ReadFile returns the contents of the image file at path, with the checks
// and limits of OpenFile. It is what a caller that hashes an image before
// decoding it (the pipeline's cache key) uses instead of os.ReadFile.
func ReadFile(path string, opt LoadOptions) ([]byte, error) {
	f, err := OpenFile(path, opt)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readAll(bufio.NewReaderSize(f, 64<<10), f)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	return data, nil
}
