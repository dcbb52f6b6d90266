package worklist

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// rawRow is one row before validation, whatever the format.
type rawRow struct {
	line      int
	id        string
	image     string
	draft     string
	draftFile string
	truth     string // JSON array text; "" when absent
}

// rowBuilder validates rows and collects items and problems (or passes
// them on, for Scan); it remembers ids to reject duplicates.
type rowBuilder struct {
	file string
	dir  string // absolute directory relative paths are resolved against
	ops  fileOps
	// allowOutside lets paths leave dir (AllowOutsidePaths).
	allowOutside bool
	// realDir is dir with its symlinks resolved, found on first use.
	realDir string
	// files caches what the file system said about the paths rows name.
	files fileCache
	// size is the worklist file's size (0: unknown), for expect.
	size int64
	seen idSet
	// onItem and onProblem, when set, take each good and bad row instead
	// of items and problems (Scan). An error from onItem stops the
	// read: it is kept in stop.
	onItem    func(audit.Item) error
	onProblem func(RowError)
	stop      error
	// afterKeep, when set, runs after each kept row (LoadInBackground
	// publishes from it); mu, when set, is held to change seen, which
	// other goroutines read.
	afterKeep func()
	mu        *sync.RWMutex
	// deferHint keeps expect's sizing for later (LoadInBackground):
	// hintRows and hintOffset are what it was given.
	deferHint  bool
	hintRows   int
	hintOffset int64
	// nItems and nProblems count the rows either way.
	nItems, nProblems int
	firstProblem      error
	items             []audit.Item
	problems          []RowError
	// warn takes each Warning (OnWarning); without it Load keeps them in
	// warnings. warned holds the unknown JSONL keys already warned about.
	warn     func(Warning)
	warnings []Warning
	warned   map[string]bool
	// limit and only are Limit and OnlyIDs; found holds the ids of only
	// that a row had.
	limit int
	only  map[string]bool
	found map[string]bool
}

// warnMissing warns once about the OnlyIDs no row had (a few named).
func (b *rowBuilder) warnMissing() {
	var missing []string
	for id := range b.only {
		if !b.found[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return
	}
	slices.Sort(missing)
	n, more := len(missing), ""
	if n > 5 {
		more = fmt.Sprintf(" and %d more", len(missing)-5)
		missing = missing[:5]
	}
	b.warnf(0, "%d of the --ids are in no good row: %q%s", n, missing, more)
}

// streaming reports whether rows are passed on rather than kept (Scan).
func (b *rowBuilder) streaming() bool { return b.onItem != nil }

func newRowBuilder(file, dir string, ops fileOps) *rowBuilder {
	b := &rowBuilder{file: file, dir: dir, ops: ops}
	b.seen = newItemIDs(&b.items, 0)
	return b
}

func (b *rowBuilder) fail(line int, id string, err error) {
	b.nProblems++
	p := RowError{File: b.file, Line: line, ID: id, Err: err}
	if b.firstProblem == nil {
		b.firstProblem = p
	}
	if b.onProblem != nil {
		b.onProblem(p)
		return
	}
	b.problems = append(b.problems, p)
}

// wanted reports whether a good row with id is kept: OnlyIDs names it,
// and Limit is not reached (which stops the read).
func (b *rowBuilder) wanted(id string) bool {
	if b.only != nil {
		if !b.only[id] {
			return false
		}
		if b.found == nil {
			b.found = map[string]bool{}
		}
		b.found[id] = true
	}
	if b.limit > 0 && b.nItems >= b.limit {
		b.stop = errLimitReached
		return false
	}
	return true
}

// keep takes a good row.
func (b *rowBuilder) keep(it audit.Item) {
	b.nItems++
	if b.onItem != nil {
		b.stop = b.onItem(it)
		return
	}
	b.items = append(b.items, it)
	if b.afterKeep != nil {
		b.afterKeep()
	}
}

// resolve returns the path p (the row's field named field) names, relative
// to the worklist's folder. Unless outside paths are allowed, a path that
// is absolute, climbs out through "..", or is a symlink leading out of the
// folder is an error wrapping ErrOutsideFolder.
func (b *rowBuilder) resolve(field, p string) (string, error) {
	if b.allowOutside {
		if filepath.IsAbs(p) {
			return filepath.Clean(p), nil
		}
		return filepath.Join(b.dir, p), nil
	}
	if filepath.IsAbs(p) {
		return "", fmt.Errorf("%s %q is an absolute path, %w %s", field, p, ErrOutsideFolder, b.dir)
	}
	full := joinUnder(b.dir, p)
	if !inside(b.dir, full) {
		return "", fmt.Errorf("%s %q leads %w %s", field, p, ErrOutsideFolder, b.dir)
	}
	if b.realDir == "" {
		var err error
		if b.realDir, err = b.ops.evalSymlinks(b.dir); err != nil {
			b.realDir = b.dir
		}
	}
	real, err := b.realPath(full)
	if err != nil {
		return full, nil // missing: the stat that follows says so
	}
	if !inside(b.realDir, real) {
		return "", fmt.Errorf("%s %q is a symlink to %s, %w %s", field, p, real, ErrOutsideFolder, b.dir)
	}
	return full, nil
}

// inside reports whether path is dir or lies under it (both clean and
// absolute, so a prefix that ends at a separator says it).
func inside(dir, path string) bool {
	if !strings.HasPrefix(path, dir) {
		return false
	}
	rest := path[len(dir):]
	return rest == "" || rest[0] == filepath.Separator || strings.HasSuffix(dir, string(filepath.Separator))
}

// add validates r and appends an Item or a RowError.
func (b *rowBuilder) add(r rawRow) {
	id := strings.TrimSpace(r.id)
	if id == "" {
		b.fail(r.line, "", errors.New("empty id"))
		return
	}
	if first, dup := b.seen.first(id); dup {
		if first > 0 {
			b.fail(r.line, id, fmt.Errorf("duplicate id (first on line %d)", first))
		} else {
			b.fail(r.line, id, errors.New("duplicate id (another image has the same file stem)"))
		}
		return
	}
	img := strings.TrimSpace(r.image)
	if img == "" {
		b.fail(r.line, id, errors.New("empty image path"))
		return
	}
	imgPath, err := b.resolve("image", img)
	if err != nil {
		b.fail(r.line, id, err)
		return
	}
	st, err := b.stat(imgPath)
	if err != nil {
		b.fail(r.line, id, fmt.Errorf("image: %w", err))
		return
	}
	if !st.Mode().IsRegular() {
		b.fail(r.line, id, fmt.Errorf("image %s: is %s, not an image file", imgPath, safefile.Kind(st.Mode())))
		return
	}
	draft := strings.TrimSpace(r.draft)
	draftFile := strings.TrimSpace(r.draftFile)
	switch {
	case draft != "" && draftFile != "":
		b.fail(r.line, id, errors.New("both draft and draft_file are given; a row takes one of them"))
		return
	case draftFile != "":
		if draft, err = b.readDraft(draftFile); err != nil {
			b.fail(r.line, id, err)
			return
		}
	}
	if draft == "" {
		b.fail(r.line, id, errors.New("empty draft"))
		return
	}
	it := audit.Item{ID: id, ImagePath: imgPath, Draft: draft, Line: r.line}
	if t := strings.TrimSpace(r.truth); t != "" {
		truth, err := parseTruth([]byte(t))
		if err != nil {
			b.fail(r.line, id, err)
			return
		}
		it.Truth, it.HasTruth = truth, true
	}
	if !b.wanted(id) {
		return
	}
	b.seen.add(id, r.line)
	b.keep(it)
}

// readDraft reads a draft_file: inside the folder, a regular file (stat
// first: reading a named pipe would block), at most prompts.MaxDraftBytes.
func (b *rowBuilder) readDraft(name string) (string, error) {
	path, err := b.resolve("draft_file", name)
	if err != nil {
		return "", err
	}
	st, err := b.stat(path)
	if err != nil {
		return "", fmt.Errorf("draft_file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("draft_file %s: is %s, not a text file", path, safefile.Kind(st.Mode()))
	}
	if st.Size() > prompts.MaxDraftBytes {
		return "", fmt.Errorf("draft_file %s: %d bytes; a draft may hold at most %d", path, st.Size(), prompts.MaxDraftBytes)
	}
	data, err := b.ops.readFile(path)
	if err != nil {
		return "", fmt.Errorf("draft_file: %w", err)
	}
	return strings.TrimSpace(string(data)), nil
}
