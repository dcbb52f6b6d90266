package main

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
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// compareVerdictSource is a store that keeps reviewers' compare verdicts
// (CompareVerdicts returns the current one per reviewer and difference):
// when the store offers it, eval prints the preference tally.
type compareVerdictSource interface {
	CompareVerdicts(ctx context.Context) ([]audit.CompareVerdict, error)
}

// readTruthItems reads the truth (a truth file, stdin, or a worklist with
// truth) as items that predict nothing until a source fills them.
func readTruthItems(ctx context.Context, e env, path string) ([]compare.EvalItem, error) {
	var items []compare.EvalItem
	add := func(r worklist.TruthRow) error {
		items = append(items, compare.EvalItem{ID: r.ID, Truth: r.Findings, Missing: true})
		return nil
	}
	warn := func(msg string) { writeLine(e.stderr, "cxr-auditor eval: warning: %s", msg) }
	if isStdin(path) {
		if err := worklist.ReadTruthJSONL(ctx, e.stdin, "stdin", add, warn); err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("stdin: no truth items: nothing to evaluate")
		}
		return items, nil
	}
	if err := checkInput(path); err != nil {
		return nil, err
	}
	// eval never opens an image, so a worklist's images may lie anywhere
	// (the demo's do): the folder rule guards what is sent to a model host.
	c, err := worklist.ReadTruth(ctx, path, add, warn, worklist.AllowOutsidePaths())
	if err != nil {
		return nil, err
	}
	if c.Worklist && (c.WithoutTruth > 0 || c.Problems > 0) {
		writeLine(e.stderr, "cxr-auditor eval: warning: %s: %d rows with truth scored; %d without truth and %d unreadable rows left out",
			path, c.Rows, c.WithoutTruth, c.Problems)
	}
	return items, nil
}

// prediction is one item's prediction from a source.
type prediction struct {
	id       string
	failed   bool
	findings []schema.Finding
	where    string // file:line, for messages ("" from the store)
}

// predSource is one run's predictions: a file or the store.
type predSource struct {
	name string
	read func(ctx context.Context, fn func(prediction) error) error
}

// predSources lists the runs in the order given: --pred files, then
// --run names.
func predSources(e env, f evalFlags, st *store.Store) []predSource {
	var out []predSource
	for _, p := range f.preds {
		name := p
		if isStdin(p) {
			name = "stdin"
		}
		out = append(out, predSource{name: name, read: func(ctx context.Context, fn func(prediction) error) error {
			return readPredictionFile(ctx, e, p, fn)
		}})
	}
	for _, r := range f.runs {
		out = append(out, predSource{name: r, read: func(ctx context.Context, fn func(prediction) error) error {
			return st.GroundingOf(ctx, r, func(id string, fs []schema.Finding, errText string) error {
				return fn(prediction{id: id, failed: errText != "", findings: fs})
			})
		}})
	}
	return out
}

// scoreSource fills a copy of the truth items with src's predictions,
// writes their errors, and scores them. No prediction matching any truth
// id is an error.
func scoreSource(ctx context.Context, e env, src predSource, truth []compare.EvalItem, errs *errorsFile) (*compare.Scores, error) {
	items := append([]compare.EvalItem(nil), truth...)
	index := make(map[string]int, len(items))
	for i, it := range items {
		index[it.ID] = i
	}
	matched, unknown := 0, 0
	err := src.read(ctx, func(p prediction) error {
		i, ok := index[p.id]
		if !ok {
			if unknown++; unknown <= 3 {
				where := p.where
				if where == "" {
					where = src.name
				}
				writeLine(e.stderr, "cxr-auditor eval: warning: %s: id %q is not in the truth; ignored", where, p.id)
			}
			return nil
		}
		it := &items[i]
		if !it.Missing {
			return fmt.Errorf("%s: duplicate prediction for id %q", src.name, p.id)
		}
		matched++
		it.Missing, it.ParseFailed, it.Pred = false, p.failed, p.findings
		return nil
	})
	if err != nil {
		return nil, err
	}
	if unknown > 3 {
		writeLine(e.stderr, "cxr-auditor eval: warning: %s: %d ids in all are not in the truth; ignored", src.name, unknown)
	}
	if matched == 0 {
		return nil, fmt.Errorf("%s: no prediction id matches the truth (%d truth items, first %q; %d predictions with other ids): check that both describe the same worklist",
			src.name, len(items), items[0].ID, unknown)
	}
	if missing := len(items) - matched; missing > 0 {
		writeLine(e.stderr, "cxr-auditor eval: warning: %s: %d of %d truth items have no prediction (scored as predicting nothing)", src.name, missing, len(items))
	}
	if err := errs.write(src.name, items); err != nil {
		return nil, err
	}
	return compare.ScoreItems(items)
}

// readPredictionFile calls fn with each prediction line of path (or
// stdin for "-"). A malformed line, or an id given twice, is an error
// naming file:line.
func readPredictionFile(ctx context.Context, e env, path string, fn func(prediction) error) error {
	var r io.Reader
	name := path
	if isStdin(path) {
		r, name = e.stdin, "stdin"
	} else {
		if err := checkInput(path); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		defer f.Close()
		r = f
	}
	br := bufio.NewReaderSize(r, 64<<10)
	first := map[string]int{}
	for n := 1; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		line, err := br.ReadBytes('\n')
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(line)) > 0 {
			p, perr := parsePredLine(line)
			if perr != nil {
				return fmt.Errorf("%s:%d: %w", name, n, perr)
			}
			if prev, dup := first[p.id]; dup {
				return fmt.Errorf("%s:%d: duplicate id %q (first on line %d)", name, n, p.id, prev)
			}
			first[p.id] = n
			p.where = fmt.Sprintf("%s:%d", name, n)
			if ferr := fn(p); ferr != nil {
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

// parsePredLine reads one prediction line: {"id", "findings"},
// {"id", "error"}, or a line of `run` output (only id, findings, error and
// grounding.error are read).
//
// The grounding failed when the grounding record says so, or when the line
// carries an error and no usable findings. An error with usable findings is
// a draft-stage failure: the grounding's findings are valid and are scored.
// A line without an error must have recoverable findings.
func parsePredLine(text []byte) (prediction, error) {
	var row struct {
		ID       string          `json:"id"`
		Findings json.RawMessage `json:"findings"`
		Error    string          `json:"error"`
		// Grounding is read loosely: run output may change around it, and
		// only a grounding error matters here.
		Grounding json.RawMessage `json:"grounding"`
	}
	if err := json.Unmarshal(text, &row); err != nil {
		return prediction{}, err
	}
	if row.ID == "" {
		return prediction{}, errors.New(`missing or empty "id"`)
	}
	failed := prediction{id: row.ID, failed: true}
	var grounding struct {
		Error any `json:"error"`
	}
	if json.Unmarshal(row.Grounding, &grounding) == nil {
		if s, ok := grounding.Error.(string); ok && s != "" {
			return failed, nil
		}
	}
	if isNull(row.Findings) {
		if row.Error != "" {
			return failed, nil
		}
		return prediction{}, fmt.Errorf(`item %q: neither "findings" nor "error"`, row.ID)
	}
	fs, _, err := schema.ExtractFindings(string(row.Findings))
	switch {
	case err != nil && row.Error != "":
		return failed, nil // junk findings, and the error says why
	case err != nil:
		return prediction{}, fmt.Errorf("item %q: findings: %w", row.ID, err)
	}
	return prediction{id: row.ID, findings: fs}, nil
}

// isNull reports whether a JSON member was absent or null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// errorsFile is --errors: each item's errors against the truth, one JSON
// line per run and item, written to a temporary file renamed into place
// when eval succeeds. A nil *errorsFile writes nothing.
type errorsFile struct {
	f      *safefile.File
	w      *bufio.Writer
	iou    float64
	urgent []schema.Label
}

// openErrorsFile starts --errors; it may not name an input.
func openErrorsFile(fl evalFlags, urgent []schema.Label) (*errorsFile, error) {
	if fl.errorsPath == "" {
		return nil, nil
	}
	protected := []protectedFile{{"the truth", fl.truthPath}}
	for _, p := range fl.preds {
		protected = append(protected, protectedFile{"a predictions file", p})
	}
	if fl.db != "" {
		protected = append(protected, storeFiles(fl.db)...)
	}
	if err := checkOutput("--errors", fl.errorsPath, protected...); err != nil {
		return nil, err
	}
	f, err := safefile.Create(fl.errorsPath)
	if err != nil {
		return nil, fmt.Errorf("--errors %s: %w", fl.errorsPath, err)
	}
	return &errorsFile{f: f, w: bufio.NewWriterSize(f, 64<<10), iou: fl.iou, urgent: urgent}, nil
}

type errorsLine struct {
	Run    string             `json:"run"`
	ID     string             `json:"id"`
	Failed bool               `json:"parse_failed,omitempty"`
	Errors []audit.TruthError `json:"errors"`
}

func (ef *errorsFile) write(run string, items []compare.EvalItem) error {
	if ef == nil {
		return nil
	}
	enc := json.NewEncoder(ef.w)
	for _, it := range items {
		pred := it.Pred
		if it.ParseFailed || it.Missing {
			pred = nil
		}
		rows := compare.TruthErrors(it.Truth, pred, ef.urgent, ef.iou)
		if len(rows) == 0 && !it.ParseFailed {
			continue
		}
		if rows == nil {
			rows = []audit.TruthError{}
		}
		if err := enc.Encode(errorsLine{Run: run, ID: it.ID, Failed: it.ParseFailed, Errors: rows}); err != nil {
			return fmt.Errorf("--errors: %w", err)
		}
	}
	return nil
}

func (ef *errorsFile) commit() error {
	if ef == nil {
		return nil
	}
	if err := ef.w.Flush(); err != nil {
		return fmt.Errorf("--errors: %w", err)
	}
	if err := ef.f.Commit(); err != nil {
		return fmt.Errorf("--errors: %w", err)
	}
	return nil
}

func (ef *errorsFile) abort() {
	if ef != nil {
		ef.f.Abort()
	}
}
