package worklist

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// List is a loaded worklist: the rows that passed every check, in file
// order, and one RowError per row that did not.
type List struct {
	// Path is the worklist file or directory as given to Load.
	Path string
	// Items are the good rows in file order (directory worklists: sorted by
	// file name). IDs are unique.
	Items []audit.Item
	// Problems are the bad rows, in file order. They do not stop the load.
	Problems []RowError
	// Warnings are unknown columns or keys, ignored (unless OnWarning
	// took them).
	Warnings []Warning
	// Index finds each item's position in Items by its id (Load builds
	// it anyway to refuse duplicates): valid while Items is not
	// reordered. Nil when the list was not read whole.
	Index *IDIndex
}

// RowError is one bad worklist row: where it is, its id when it had one,
// and what is wrong with it.
type RowError struct {
	File string // the worklist file, or the image file for directory worklists
	Line int    // 1-based line; 0 when not line-based (directory worklists)
	ID   string // empty when the row had no usable id
	Err  error
}

// Error formats the problem as "file:line: id: msg", leaving out the line
// when it is 0 and the id when it is empty.
func (e RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.ID != "" {
		fmt.Fprintf(&b, ": %s", e.ID)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

// Unwrap returns the underlying error.
func (e RowError) Unwrap() error { return e.Err }

// ErrNoItems is wrapped by the error Load returns when a worklist
// has no usable row at all.
var ErrNoItems = errors.New("no usable rows")

// imageExts are the image files a directory worklist picks up.
var imageExts = []string{".png", ".jpg", ".jpeg", ".dcm"}

// ErrOutsideFolder is wrapped by a row problem whose image or draft_file
// names a file outside the worklist's folder (an absolute path, a path
// through "..", or a symlink leading out) when AllowOutsidePaths was not
// given: a worklist received from elsewhere must not be able to send this
// machine's files to a model host.
var ErrOutsideFolder = errors.New("outside the worklist's folder")

// Option changes how Load reads a worklist.
type Option func(*config)

type config struct {
	allowOutside bool
	warn         func(Warning)
	limit        int
	only         map[string]bool
}

// Limit keeps only the first n good rows (n > 0) and stops reading there:
// a smoke test of a large worklist (run --limit).
func Limit(n int) Option {
	return func(c *config) { c.limit = n }
}

// OnlyIDs keeps only the rows whose id is in ids (run --ids); an id that
// no row has is a Warning. With Limit, the first n of them.
func OnlyIDs(ids []string) Option {
	return func(c *config) {
		c.only = make(map[string]bool, len(ids))
		for _, id := range ids {
			c.only[id] = true
		}
	}
}

// errLimitReached stops a read at Limit; it is not an error.
var errLimitReached = errors.New("limit reached")

// AllowOutsidePaths lets image and draft_file paths name files anywhere
// (absolute paths, "..", symlinks leading out of the worklist's folder).
// Give it only for worklists you trust.
func AllowOutsidePaths() Option {
	return func(c *config) { c.allowOutside = true }
}

// fileOps is the file system access a worklist loader may do: stat images,
// read draft files, resolve symlinks. Tests substitute it to prove images
// are never opened. A nil lstat means stat (a file system without
// symlinks).
type fileOps struct {
	stat         func(string) (fs.FileInfo, error)
	lstat        func(string) (fs.FileInfo, error)
	readFile     func(string) ([]byte, error)
	evalSymlinks func(string) (string, error)
}

var osFileOps = fileOps{stat: os.Stat, lstat: os.Lstat, readFile: os.ReadFile, evalSymlinks: filepath.EvalSymlinks}

// Load loads the worklist at path: a CSV file with a header row (id,
// image, draft and/or draft_file, optionally truth; any order and case, a
// UTF-8 BOM tolerated, unknown columns ignored), a JSONL file (.jsonl or
// .ndjson, or any file whose first non-blank byte is '{') with the same
// keys, or a directory of images with a sidecar <stem>.txt draft each (the
// README's Worklists section shows them). truth is a JSON array of
// findings, parsed strictly; a draft file holds at most
// prompts.MaxDraftBytes.
//
// Paths are relative to the worklist's folder and must stay inside it
// (ErrOutsideFolder) unless AllowOutsidePaths is given. A bad row (a
// missing or non-regular file, a duplicate id, an empty draft, both draft
// and draft_file, bad truth JSON, a wrong column count, a malformed line)
// is recorded in List.Problems with its file and line, and the good rows
// still load. Images are only stat'ed, never opened, so loading is fast
// however large they are. The error is non-nil when the worklist cannot be
// read at all or has no good row (it then wraps ErrNoItems and the
// returned List still carries the Problems).
func Load(ctx context.Context, path string, opts ...Option) (List, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return load(ctx, path, osFileOps, cfg)
}

func load(ctx context.Context, path string, ops fileOps, cfg config) (List, error) {
	b := newRowBuilder(path, "", ops)
	err := scan(ctx, path, b, cfg)
	var index *IDIndex
	if ids, ok := b.seen.(itemIDs); ok {
		index = ids.index.over(b.items)
	}
	return List{Path: path, Items: b.items, Problems: b.problems, Warnings: b.warnings, Index: index}, err
}

// scan reads the worklist at path into b, whatever its kind, and
// returns the error Load promises (ErrNoItems included).
func scan(ctx context.Context, path string, b *rowBuilder, cfg config) error {
	b.warn, b.limit, b.only = cfg.warn, cfg.limit, cfg.only
	err := scanPath(ctx, path, b, cfg)
	if errors.Is(err, errLimitReached) {
		err = nil
	}
	if err == nil && b.only != nil {
		b.warnMissing()
	}
	if err != nil {
		return err
	}
	return b.noItems(path)
}

// scanPath reads the worklist file or directory at path into b.
func scanPath(ctx context.Context, path string, b *rowBuilder, cfg config) error {
	st, err := b.ops.stat(path)
	if err != nil {
		return fmt.Errorf("worklist: %w", err)
	}
	switch {
	case st.IsDir():
		err = scanDir(ctx, path, b, cfg)
	case !st.Mode().IsRegular():
		return fmt.Errorf("worklist %s is %s; give a CSV or JSONL file or a folder of images", path, safefile.Kind(st.Mode()))
	default:
		err = scanFile(ctx, path, b, cfg)
	}
	return err
}

// noItems is the error of a read that kept no row (ErrNoItems), or nil.
func (b *rowBuilder) noItems(path string) error {
	switch {
	case b.nItems > 0:
		return nil
	case b.only != nil:
		return fmt.Errorf("worklist %s: %w (no row has one of the %d --ids)", path, ErrNoItems, len(b.only))
	case b.nProblems > 0:
		return fmt.Errorf("worklist %s: %w (%d bad rows; first: %v)", path, ErrNoItems, b.nProblems, b.firstProblem)
	}
	return fmt.Errorf("worklist %s: %w (it is empty)", path, ErrNoItems)
}

// scanFile reads a CSV or JSONL worklist file into b (whose dir it sets).
func scanFile(ctx context.Context, path string, b *rowBuilder, cfg config) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("worklist: %w", err)
	}
	defer f.Close()
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("worklist %s: %w", path, err)
	}
	if st, err := f.Stat(); err == nil {
		b.size = st.Size()
	}
	br := bufio.NewReaderSize(f, 64<<10)
	skipBOM(br)
	b.dir = dir
	b.allowOutside = cfg.allowOutside
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case ext == ".jsonl" || ext == ".ndjson":
		err = parseJSONL(ctx, br, b)
	case ext == ".csv":
		err = parseCSV(ctx, br, b)
	default:
		if looksLikeJSONL(br) {
			err = parseJSONL(ctx, br, b)
		} else {
			err = parseCSV(ctx, br, b)
		}
	}
	return err
}

// parseTruth decodes a ground-truth findings array strictly: valid JSON,
// canonical labels, well-formed boxes. An explicit empty array is an empty,
// non-nil truth ("nothing to find").
func parseTruth(data []byte) ([]schema.Finding, error) {
	var fs []schema.Finding
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fs); err != nil {
		return nil, truthError(err)
	}
	if dec.More() {
		return nil, errors.New("truth: trailing data after the array")
	}
	if fs == nil {
		return nil, errors.New("truth: want a JSON array of findings, got null")
	}
	for i, f := range fs {
		if !f.Label.Valid() {
			return nil, fmt.Errorf("truth[%d]: unknown label %q", i, f.Label)
		}
	}
	return fs, nil
}
