package worklist

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

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

// The CSV columns Load knows.
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
	idx, err := csvColumns(header, b.file)
	if err != nil {
		return err
	}
	for _, h := range header {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" && !slices.Contains(knownKeys, h) {
			b.warnf(1, "%s", unknownKey("column", h))
		}
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
		if n == hintAfterRows {
			b.expect(n, cr.InputOffset())
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
		if b.stop != nil {
			return b.stop
		}
	}
}

// csvColumns finds the known columns in a CSV header: their index, or -1
// for a column the header lacks. A duplicate column, or a header without
// id, image, and draft or draft_file, is an error naming the file.
func csvColumns(header []string, file string) ([numCols]int, error) {
	var idx [numCols]int
	for i := range idx {
		idx[i] = -1
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		for c, name := range colNames {
			if h == name {
				if idx[c] >= 0 {
					return idx, fmt.Errorf("worklist %s:1: duplicate column %q", file, name)
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
		return idx, fmt.Errorf("worklist %s:1: header lacks column %s (header is %q)", file, strings.Join(missing, ", "), strings.Join(header, ","))
	}
	return idx, nil
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
	var read int64
	for line := 1; ; line++ {
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("worklist %s: %w", b.file, err)
			}
		}
		if line == hintAfterRows {
			b.expect(line, read)
		}
		data, err := br.ReadBytes('\n')
		read += int64(len(data))
		if len(bytes.TrimSpace(data)) > 0 {
			b.addJSON(line, data)
			if b.stop != nil {
				return b.stop
			}
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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jr); err != nil {
		key, unknown := unknownJSONKey(err)
		if !unknown {
			b.fail(line, "", fmt.Errorf("bad JSON line: %w", err))
			return
		}
		if !b.warned[key] {
			if b.warned == nil {
				b.warned = map[string]bool{}
			}
			b.warned[key] = true
			b.warnf(line, "%s (later lines with it are not reported)", unknownKey("key", key))
		}
		jr = jsonRow{}
		if err := json.Unmarshal(data, &jr); err != nil {
			b.fail(line, "", fmt.Errorf("bad JSON line: %w", err))
			return
		}
	} else if dec.More() {
		b.fail(line, "", errors.New("bad JSON line: more than one JSON object on the line"))
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

// scanDir reads a directory of images with sidecar drafts into b (whose
// dir it sets). The directory's names are read whole: one short string a
// file.
func scanDir(ctx context.Context, dir string, b *rowBuilder, cfg config) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("worklist %s: %w", dir, err)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return fmt.Errorf("worklist: %w", err)
	}
	b.dir = abs
	b.allowOutside = cfg.allowOutside
	for i, e := range entries {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("worklist %s: %w", dir, err)
			}
		}
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if e.IsDir() || !slices.Contains(imageExts, ext) {
			continue
		}
		stem := strings.TrimSuffix(name, filepath.Ext(name))
		sidecar := stem + ".txt"
		// The sidecar is the draft_file; a problem names the image file.
		b.file = filepath.Join(dir, name)
		b.add(rawRow{id: stem, image: name, draftFile: sidecar})
		if b.stop != nil {
			return b.stop
		}
	}
	return nil
}
