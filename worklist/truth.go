package worklist

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// TruthRow is one item's ground truth.
type TruthRow struct {
	ID       string
	Findings []schema.Finding
	// Line is the row's 1-based line in its file (0 for folder worklists).
	Line int
}

// TruthCounts says what ReadTruth read: whether path was a worklist, how
// many rows carried truth, how many good worklist rows had none, and how
// many worklist rows could not be read.
type TruthCounts struct {
	Worklist                     bool
	Rows, WithoutTruth, Problems int
}

// ErrNoTruth is wrapped by the error for a truth source without a single
// row of truth.
var ErrNoTruth = errors.New("no ground truth")

// ReadTruth reads the ground truth at path, wherever the user keeps it: a
// truth file (JSONL whose first line has "findings" and no "image": see
// ReadTruthJSONL) or a worklist whose rows carry truth (a CSV truth column
// or a JSONL truth key, read by Scan's rules, so its images must be
// there). Worklist rows without truth are skipped and counted; bad rows
// are passed to warn (when not nil) and counted. fn gets each row of
// truth in file order; an error from it stops the read and is returned.
// No row of truth at all is an error wrapping ErrNoTruth.
func ReadTruth(ctx context.Context, path string, fn func(TruthRow) error, warn func(string), opts ...Option) (TruthCounts, error) {
	var c TruthCounts
	if warn == nil {
		warn = func(string) {}
	}
	truthFile, err := looksLikeTruthFile(path)
	if err != nil {
		return c, err
	}
	if truthFile {
		f, err := os.Open(path)
		if err != nil {
			return c, fmt.Errorf("truth: %w", err)
		}
		defer f.Close()
		err = ReadTruthJSONL(ctx, f, path, func(r TruthRow) error { c.Rows++; return fn(r) }, warn)
		if err == nil && c.Rows == 0 {
			err = fmt.Errorf("truth %s: %w (the file has no rows)", path, ErrNoTruth)
		}
		return c, err
	}
	c.Worklist = true
	_, err = Scan(ctx, path, func(it audit.Item) error {
		if !it.HasTruth {
			c.WithoutTruth++
			return nil
		}
		c.Rows++
		return fn(TruthRow{ID: it.ID, Findings: it.Truth, Line: it.Line})
	}, func(p RowError) {
		c.Problems++
		warn(p.Error())
	}, opts...)
	switch {
	case err != nil:
		return c, err
	case c.Rows == 0:
		return c, fmt.Errorf("worklist %s: %w: none of its %d rows has a truth column or key", path, ErrNoTruth, c.WithoutTruth)
	}
	return c, nil
}

// looksLikeTruthFile reports whether path is a truth file rather than a
// worklist: a regular file whose first non-blank line is a JSON object
// with "findings" and without "image".
func looksLikeTruthFile(path string) (bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return false, fmt.Errorf("truth: %w", err)
	}
	if !st.Mode().IsRegular() {
		return false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("truth: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	skipBOM(br)
	for {
		line, err := br.ReadBytes('\n')
		if t := bytes.TrimSpace(line); len(t) > 0 {
			var keys map[string]json.RawMessage
			if t[0] != '{' || json.Unmarshal(t, &keys) != nil {
				return false, nil
			}
			_, findings := keys["findings"]
			_, image := keys["image"]
			_, prov := keys["provenance"]
			return findings && !image || prov && !image, nil
		}
		if err != nil {
			return false, nil
		}
	}
}

// ReadTruthJSONL reads a truth file from r (name is for messages): JSONL,
// one {"id", "findings"} per line ([] for an item with nothing to find).
// Blank lines are skipped and a leading UTF-8 byte order mark is
// tolerated. Findings are read by the tolerant parser of model output
// (schema.ExtractFindings), so 0-1000 boxes and label spellings are
// accepted; any other repair or drop is passed to warn, as it changes the
// score. A line that is not JSON, lacks "id" or "findings", repeats an id,
// or holds no recoverable findings is an error naming name:line. A first
// line {"provenance": ...} without "id" (export --truth's) is skipped. fn gets
// each row in order; an error from it stops the read and is returned.
func ReadTruthJSONL(ctx context.Context, r io.Reader, name string, fn func(TruthRow) error, warn func(string)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	skipBOM(br)
	first := map[string]int{}
	for n := 1; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 && !(len(first) == 0 && isProvenance(line)) {
			row, notes, perr := parseTruthLine(line)
			if perr != nil {
				return fmt.Errorf("%s:%d: %w", name, n, perr)
			}
			if prev, dup := first[row.ID]; dup {
				return fmt.Errorf("%s:%d: duplicate id %q (first on line %d)", name, n, row.ID, prev)
			}
			first[row.ID] = n
			row.Line = n
			for _, note := range notes {
				if warn != nil {
					warn(fmt.Sprintf("%s:%d: item %q: %s: %s", name, n, row.ID, note.Kind, note.Message))
				}
			}
			if ferr := fn(row); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
}

// isProvenance reports whether a line is a provenance line: a JSON
// object with "provenance" and without "id", as export --truth writes
// first. It is skipped where it is the first row.
func isProvenance(line []byte) bool {
	var keys map[string]json.RawMessage
	if json.Unmarshal(line, &keys) != nil {
		return false
	}
	_, prov := keys["provenance"]
	_, id := keys["id"]
	return prov && !id
}

// parseTruthLine reads one {"id", "findings"} line and the parser notes
// worth a warning (0-1000 boxes and label spellings are conventions, not
// repairs).
func parseTruthLine(text []byte) (TruthRow, []schema.Diagnostic, error) {
	var row struct {
		ID       string          `json:"id"`
		Findings json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(text, &row); err != nil {
		return TruthRow{}, nil, err
	}
	if row.ID == "" {
		return TruthRow{}, nil, errors.New(`missing or empty "id"`)
	}
	if t := bytes.TrimSpace(row.Findings); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return TruthRow{}, nil, fmt.Errorf(`item %q: missing "findings" (use [] for none)`, row.ID)
	}
	fs, diag, err := schema.ExtractFindings(string(row.Findings))
	if err != nil {
		return TruthRow{}, nil, fmt.Errorf("item %q: findings: %w", row.ID, err)
	}
	var notes []schema.Diagnostic
	for _, note := range diag.Notes {
		if note.Kind != "rescaled_box" && note.Kind != "normalized_label" {
			notes = append(notes, note)
		}
	}
	return TruthRow{ID: row.ID, Findings: fs}, notes, nil
}
