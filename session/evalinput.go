package session

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

// truthSet is the truth, read once for every run: its items in order
// (each predicting nothing until a run fills it) and their index by id.
type truthSet struct {
	items []truthItem
	index map[string]int32
}

// truthItem is one item of the truth.
type truthItem struct {
	id       string
	findings []schema.Finding
}

// truthSource yields the truth row by row. eval reads it from --truth
// (truthFile); corrected truth from the store (eval --corrected) is
// another truthSource over the store's corrections.
type truthSource func(ctx context.Context, add func(worklist.TruthRow) error) error

// truthFile is the truth at path: a truth file, stdin ("-"), or a
// worklist with truth.
func truthFile(env Env, path string) truthSource {
	warn := func(msg string) { WriteLine(env.Stderr, "cxr-auditor eval: warning: %s", msg) }
	return func(ctx context.Context, add func(worklist.TruthRow) error) error {
		if isStdin(path) {
			return worklist.ReadTruthJSONL(ctx, env.Stdin, "stdin", add, warn)
		}
		if err := CheckInput(path); err != nil {
			return err
		}
		// eval never opens an image, so a worklist's images may lie
		// anywhere (the demo's do): the folder rule guards what is sent to
		// a model host.
		c, err := worklist.ReadTruth(ctx, path, add, warn, worklist.AllowOutsidePaths())
		if err == nil && c.Worklist && (c.WithoutTruth > 0 || c.Problems > 0) {
			WriteLine(env.Stderr, "cxr-auditor eval: warning: %s: %d rows with truth scored; %d without truth and %d unreadable rows left out",
				path, c.Rows, c.WithoutTruth, c.Problems)
		}
		return err
	}
}

// readTruthItems reads src into a truthSet; no item at all is an error
// naming where (what).
func readTruthItems(ctx context.Context, src truthSource, what string) (*truthSet, error) {
	ts := &truthSet{index: map[string]int32{}}
	err := src(ctx, func(r worklist.TruthRow) error {
		ts.index[r.ID] = int32(len(ts.items))
		ts.items = append(ts.items, truthItem{r.ID, r.Findings})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(ts.items) == 0 {
		return nil, fmt.Errorf("%s: no truth items: nothing to evaluate", what)
	}
	return ts, nil
}

// prediction is one item's prediction from a source.
type prediction struct {
	id       string
	failed   bool
	findings []schema.Finding
	line     int // in its file, for messages (0 from the store)
}

// predicted is what scoring keeps of a prediction until the truth's order
// reaches it.
type predicted struct {
	findings []schema.Finding
	line     int32
	seen     bool
	failed   bool
}

// predSource is one run's predictions: a file or the store.
type predSource struct {
	name string
	read func(ctx context.Context, fn func(prediction) error) error
}

// predSources lists the runs in the order given: --pred files, then
// --run names.
func predSources(env Env, f EvalConfig, st *store.Store) []predSource {
	var out []predSource
	for _, p := range f.Preds {
		name := p
		if isStdin(p) {
			name = "stdin"
		}
		out = append(out, predSource{name: name, read: func(ctx context.Context, fn func(prediction) error) error {
			return readPredictionFile(ctx, env, p, fn)
		}})
	}
	for _, r := range f.Runs {
		out = append(out, predSource{name: r, read: func(ctx context.Context, fn func(prediction) error) error {
			each := func(id string, fs []schema.Finding, errText string) error {
				return fn(prediction{id: id, failed: errText != "", findings: fs})
			}
			// A named run, else (a store from before runs were named)
			// the latest grounding of the model of that name.
			if ok, err := st.RunGrounding(ctx, r, each); ok || err != nil {
				return err
			}
			return st.GroundingOf(ctx, r, each)
		}})
	}
	return out
}

// scoreSource reads src's predictions against the truth, writes each
// item's errors, and scores the items in the truth's order (so runs pair
// up). No prediction matching any truth id is an error.
func scoreSource(ctx context.Context, env Env, src predSource, truth *truthSet, p compare.Protocol, errs *errorsFile) (*compare.Scores, error) {
	preds := make([]predicted, len(truth.items))
	matched, unknown := 0, 0
	err := src.read(ctx, func(pr prediction) error {
		i, ok := truth.index[pr.id]
		if !ok {
			if unknown++; unknown <= 3 {
				where := src.name
				if pr.line > 0 {
					where = fmt.Sprintf("%s:%d", src.name, pr.line)
				}
				WriteLine(env.Stderr, "cxr-auditor eval: warning: %s: id %q is not in the truth; ignored", where, pr.id)
			}
			return nil
		}
		if prev := preds[i]; prev.seen {
			if pr.line > 0 {
				return fmt.Errorf("%s:%d: duplicate id %q (first on line %d)", src.name, pr.line, pr.id, prev.line)
			}
			return fmt.Errorf("%s: duplicate prediction for id %q", src.name, pr.id)
		}
		matched++
		preds[i] = predicted{findings: pr.findings, line: int32(pr.line), seen: true, failed: pr.failed}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if unknown > 3 {
		WriteLine(env.Stderr, "cxr-auditor eval: warning: %s: %d ids in all are not in the truth; ignored", src.name, unknown)
	}
	if matched == 0 {
		return nil, fmt.Errorf("%s: no prediction id matches the truth (%d truth items, first %q; %d predictions with other ids): check that both describe the same worklist",
			src.name, len(truth.items), truth.items[0].id, unknown)
	}
	if missing := len(truth.items) - matched; missing > 0 {
		WriteLine(env.Stderr, "cxr-auditor eval: warning: %s: %d of %d truth items have no prediction (scored as predicting nothing)", src.name, missing, len(truth.items))
	}
	s := compare.NewScores(p)
	for i, t := range truth.items {
		it := compare.EvalItem{ID: t.id, Truth: t.findings, Missing: true}
		if pr := preds[i]; pr.seen {
			it.Missing, it.ParseFailed, it.Pred = false, pr.failed, pr.findings
			preds[i].findings = nil // what is scored need not be kept
		}
		if err := errs.write(src.name, it); err != nil {
			return nil, err
		}
		if err := s.Add(it); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readPredictionFile calls fn with each prediction line of path (or
// stdin for "-"). A malformed line is an error naming file:line; an id
// given twice is scoreSource's to catch (it keeps no list of ids).
func readPredictionFile(ctx context.Context, env Env, path string, fn func(prediction) error) error {
	var r io.Reader
	name := path
	if isStdin(path) {
		r, name = env.Stdin, "stdin"
	} else {
		if err := CheckInput(path); err != nil {
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
			p.line = n
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
func openErrorsFile(fl EvalConfig, urgent []schema.Label) (*errorsFile, error) {
	if fl.Errors == "" {
		return nil, nil
	}
	protected := []Protected{{What: "the truth", Path: fl.Truth}}
	for _, p := range fl.Preds {
		protected = append(protected, Protected{What: "a predictions file", Path: p})
	}
	if fl.DB != "" {
		protected = append(protected, StoreFiles(fl.DB)...)
	}
	if err := CheckOutput("--errors", fl.Errors, protected...); err != nil {
		return nil, err
	}
	f, err := safefile.Create(fl.Errors)
	if err != nil {
		return nil, fmt.Errorf("--errors %s: %w", fl.Errors, err)
	}
	return &errorsFile{f: f, w: bufio.NewWriterSize(f, 64<<10), iou: fl.IoU, urgent: urgent}, nil
}

type errorsLine struct {
	Run    string             `json:"run"`
	ID     string             `json:"id"`
	Failed bool               `json:"parse_failed,omitempty"`
	Errors []audit.TruthError `json:"errors"`
}

// write adds item it's line, when it has rows or failed.
func (ef *errorsFile) write(run string, it compare.EvalItem) error {
	if ef == nil {
		return nil
	}
	pred := it.Pred
	if it.ParseFailed || it.Missing {
		pred = nil
	}
	rows := compare.TruthErrors(it.Truth, pred, ef.urgent, ef.iou)
	if len(rows) == 0 && !it.ParseFailed {
		return nil
	}
	if rows == nil {
		rows = []audit.TruthError{}
	}
	if err := json.NewEncoder(ef.w).Encode(errorsLine{Run: run, ID: it.ID, Failed: it.ParseFailed, Errors: rows}); err != nil {
		return fmt.Errorf("--errors: %w", err)
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
