package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Worklist is a loaded worklist: the rows that passed every check, in file
// order, and one RowError per row that did not.
type Worklist struct {
	// Path is the worklist file or directory as given to LoadWorklist.
	Path string
	// Items are the good rows in file order (directory worklists: sorted by
	// file name). IDs are unique.
	Items []audit.Item
	// Problems are the bad rows, in file order. They do not stop the load.
	Problems []RowError
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

// ErrNoItems is wrapped by the error LoadWorklist returns when a worklist
// has no usable row at all.
var ErrNoItems = errors.New("no usable rows")

// imageExts are the image files a directory worklist picks up.
var imageExts = []string{".png", ".jpg", ".jpeg", ".dcm"}

// fileOps is the file system access a worklist loader may do: stat images,
// read draft files. Tests substitute it to prove images are never opened.
type fileOps struct {
	stat     func(string) (fs.FileInfo, error)
	readFile func(string) ([]byte, error)
}

var osFileOps = fileOps{stat: os.Stat, readFile: os.ReadFile}

// LoadWorklist loads the worklist at path:
//
//   - a CSV file with a header row naming the columns id, image, and draft
//     and/or draft_file, optionally truth (any order, any case, a UTF-8 BOM
//     is tolerated, unknown columns are ignored);
//   - a JSONL file (.jsonl or .ndjson, or any file whose first non-blank
//     byte is '{'), one object per line with the same keys (truth is a JSON
//     array rather than a string);
//   - a directory of images (.png .jpg .jpeg .dcm) with a sidecar draft
//     <stem>.txt beside each; the id is the file stem.
//
// Relative image and draft_file paths are resolved against the worklist
// file's directory. truth, when present, is a JSON array of findings
// ({"label": ..., "box_2d": [y0,x0,y1,x1]}) parsed strictly.
//
// A bad row (missing image file, missing draft file, duplicate id, empty
// draft, bad truth JSON, wrong column count, malformed JSON line) is
// recorded in Worklist.Problems with its file and line and the good rows
// still load. Images are only stat'ed, never opened or decoded, so loading
// is fast however large the images. The error is non-nil when the worklist
// cannot be read at all or has no good row (it then wraps ErrNoItems and the
// returned Worklist still carries the Problems).
func LoadWorklist(ctx context.Context, path string) (Worklist, error) {
	return loadWorklist(ctx, path, osFileOps)
}

func loadWorklist(ctx context.Context, path string, ops fileOps) (Worklist, error) {
	wl := Worklist{Path: path}
	st, err := ops.stat(path)
	if err != nil {
		return wl, fmt.Errorf("worklist: %w", err)
	}
	var items []audit.Item
	var problems []RowError
	if st.IsDir() {
		items, problems, err = loadDir(ctx, path, ops)
	} else {
		items, problems, err = loadFile(ctx, path, ops)
	}
	wl.Items, wl.Problems = items, problems
	if err != nil {
		return wl, err
	}
	if len(items) == 0 {
		if len(problems) > 0 {
			return wl, fmt.Errorf("worklist %s: %w (%d bad rows; first: %v)", path, ErrNoItems, len(problems), problems[0])
		}
		return wl, fmt.Errorf("worklist %s: %w (it is empty)", path, ErrNoItems)
	}
	return wl, nil
}

func loadFile(ctx context.Context, path string, ops fileOps) ([]audit.Item, []RowError, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("worklist: %w", err)
	}
	defer f.Close()
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, nil, fmt.Errorf("worklist %s: %w", path, err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	skipBOM(br)
	b := newRowBuilder(path, dir, ops)
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
	return b.items, b.problems, err
}

// skipBOM drops a leading UTF-8 byte order mark (Excel writes one).
func skipBOM(br *bufio.Reader) {
	if p, err := br.Peek(3); err == nil && bytes.Equal(p, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
}

// looksLikeJSONL reports whether the first non-blank byte is '{'.
func looksLikeJSONL(br *bufio.Reader) bool {
	p, _ := br.Peek(4096)
	t := bytes.TrimLeft(p, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// rawRow is one row before validation, whatever the format.
type rawRow struct {
	line      int
	id        string
	image     string
	draft     string
	draftFile string
	truth     string // JSON array text; "" when absent
}

// rowBuilder validates rows and collects items and problems; it remembers
// ids to reject duplicates.
type rowBuilder struct {
	file     string
	dir      string // absolute directory relative paths are resolved against
	ops      fileOps
	seen     map[string]int // id -> line of its first occurrence
	items    []audit.Item
	problems []RowError
}

func newRowBuilder(file, dir string, ops fileOps) *rowBuilder {
	return &rowBuilder{file: file, dir: dir, ops: ops, seen: map[string]int{}}
}

func (b *rowBuilder) fail(line int, id string, err error) {
	b.problems = append(b.problems, RowError{File: b.file, Line: line, ID: id, Err: err})
}

func (b *rowBuilder) resolve(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(b.dir, p)
}

// add validates r and appends an Item or a RowError.
func (b *rowBuilder) add(r rawRow) {
	id := strings.TrimSpace(r.id)
	if id == "" {
		b.fail(r.line, "", errors.New("empty id"))
		return
	}
	if first, dup := b.seen[id]; dup {
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
	imgPath := b.resolve(img)
	st, err := b.ops.stat(imgPath)
	if err != nil {
		b.fail(r.line, id, fmt.Errorf("image: %w", err))
		return
	}
	if st.IsDir() {
		b.fail(r.line, id, fmt.Errorf("image %s: is a directory", imgPath))
		return
	}
	draft := strings.TrimSpace(r.draft)
	if draft == "" && strings.TrimSpace(r.draftFile) != "" {
		data, err := b.ops.readFile(b.resolve(strings.TrimSpace(r.draftFile)))
		if err != nil {
			b.fail(r.line, id, fmt.Errorf("draft_file: %w", err))
			return
		}
		draft = strings.TrimSpace(string(data))
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
	b.seen[id] = r.line
	b.items = append(b.items, it)
}

// parseTruth decodes a ground-truth findings array strictly: valid JSON,
// canonical labels, well-formed boxes. An explicit empty array is an empty,
// non-nil truth ("nothing to find").
func parseTruth(data []byte) ([]schema.Finding, error) {
	var fs []schema.Finding
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fs); err != nil {
		return nil, fmt.Errorf("truth: %w", err)
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

// The CSV columns LoadWorklist knows.
const (
	colID = iota
	colImage
	colDraft
	colDraftFile
	colTruth
	numCols
)

var colNames = [numCols]string{"id", "image", "draft", "draft_file", "truth"}

// parseCSV reads a CSV worklist with a header row into b.
func parseCSV(ctx context.Context, r io.Reader, b *rowBuilder) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file: no rows, reported as ErrNoItems
		}
		return fmt.Errorf("worklist %s: header: %w", b.file, err)
	}
	var idx [numCols]int
	for i := range idx {
		idx[i] = -1
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		for c, name := range colNames {
			if h == name {
				if idx[c] >= 0 {
					return fmt.Errorf("worklist %s:1: duplicate column %q", b.file, name)
				}
				idx[c] = i
			}
		}
	}
	var missing []string
	for _, c := range []int{colID, colImage} {
		if idx[c] < 0 {
			missing = append(missing, colNames[c])
		}
	}
	if idx[colDraft] < 0 && idx[colDraftFile] < 0 {
		missing = append(missing, "draft (or draft_file)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("worklist %s:1: header lacks column %s (header is %q)", b.file, strings.Join(missing, ", "), strings.Join(header, ","))
	}
	cr.FieldsPerRecord = len(header)
	field := func(rec []string, c int) string {
		if idx[c] < 0 {
			return ""
		}
		return rec[idx[c]]
	}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("worklist %s: %w", b.file, err)
			}
		}
		before := cr.InputOffset()
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line := 0
		if err == nil || errors.Is(err, csv.ErrFieldCount) {
			line, _ = cr.FieldPos(0)
		}
		if err != nil {
			var pe *csv.ParseError
			switch {
			case errors.As(err, &pe):
				line = pe.StartLine
				if errors.Is(err, csv.ErrFieldCount) {
					err = fmt.Errorf("%d columns, the header has %d", len(rec), len(header))
				} else {
					err = pe.Err
				}
			}
			b.fail(line, "", err)
			if cr.InputOffset() == before {
				return fmt.Errorf("worklist %s:%d: cannot read on: %w", b.file, line, err)
			}
			continue
		}
		b.add(rawRow{
			line:      line,
			id:        field(rec, colID),
			image:     field(rec, colImage),
			draft:     field(rec, colDraft),
			draftFile: field(rec, colDraftFile),
			truth:     field(rec, colTruth),
		})
	}
}

// jsonRow is one JSONL worklist line.
type jsonRow struct {
	ID        *string         `json:"id"`
	Image     string          `json:"image"`
	Draft     string          `json:"draft"`
	DraftFile string          `json:"draft_file"`
	Truth     json.RawMessage `json:"truth"`
}

// parseJSONL reads a JSONL worklist into b; blank lines are skipped.
func parseJSONL(ctx context.Context, r io.Reader, b *rowBuilder) error {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	for line := 1; ; line++ {
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("worklist %s: %w", b.file, err)
			}
		}
		data, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(data)) > 0 {
			b.addJSON(line, data)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("worklist %s:%d: %w", b.file, line, err)
		}
	}
}

func (b *rowBuilder) addJSON(line int, data []byte) {
	var jr jsonRow
	if err := json.Unmarshal(data, &jr); err != nil {
		b.fail(line, "", fmt.Errorf("bad JSON line: %w", err))
		return
	}
	if jr.ID == nil {
		b.fail(line, "", errors.New(`missing "id"`))
		return
	}
	truth := ""
	if t := bytes.TrimSpace(jr.Truth); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		truth = string(t)
	}
	b.add(rawRow{line: line, id: *jr.ID, image: jr.Image, draft: jr.Draft, draftFile: jr.DraftFile, truth: truth})
}

// loadDir builds a worklist from a directory of images with sidecar drafts.
func loadDir(ctx context.Context, dir string, ops fileOps) ([]audit.Item, []RowError, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("worklist %s: %w", dir, err)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("worklist: %w", err)
	}
	b := newRowBuilder(dir, abs, ops)
	for i, e := range entries {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return b.items, b.problems, fmt.Errorf("worklist %s: %w", dir, err)
			}
		}
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if e.IsDir() || !slices.Contains(imageExts, ext) {
			continue
		}
		stem := strings.TrimSuffix(name, filepath.Ext(name))
		sidecar := filepath.Join(abs, stem+".txt")
		// The sidecar is the draft_file; a problem names the image file.
		b.file = filepath.Join(dir, name)
		b.add(rawRow{id: stem, image: name, draftFile: sidecar})
	}
	return b.items, b.problems, nil
}
