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
	"strings"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

const evalDescription = `Evaluate predicted findings against ground truth (metrics defined in
docs/metrics.md) and print a table, or with --json one JSON object.

--truth is JSONL, one {"id", "findings"} per line. --pred is JSONL, one
{"id", "findings"} per line, or {"id", "error"} for an item whose output
could not be parsed; the output of 'run' is accepted as it is. An item
whose prediction failed, or that has no prediction line, predicts nothing.
A line carrying an error but also findings (the draft stage failed, the
grounding did not) is scored on its findings. Predictions for ids not in
the truth are ignored with a warning. Blank lines are skipped; a malformed
line is an error naming file:line.`

const evalExample = `
cxr-auditor eval --pred results.jsonl --truth truth.jsonl --json`

// evalFlags are the eval command's settings.
type evalFlags struct {
	predPath, truthPath string
	asJSON              bool
	urgent              *labelsFlag
}

func newEvalCmd(e env) *cobra.Command {
	var f evalFlags
	cmd := &cobra.Command{
		Use:     "eval",
		Short:   "evaluate predictions against ground truth",
		Long:    evalDescription,
		Example: evalExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEval(cmd.Context(), e, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.predPath, "pred", "", "predictions FILE (JSONL; the output of 'run' works)")
	fl.StringVar(&f.truthPath, "truth", "", "ground truth FILE (JSONL of {id, findings})")
	fl.BoolVar(&f.asJSON, "json", false, "print the metrics as one JSON object instead of a table")
	f.urgent = addUrgentFlag(cmd, "comma-separated LABELS whose recall is reported; \"\" for none")
	_ = cmd.RegisterFlagCompletionFunc("pred", completeJSON)
	_ = cmd.RegisterFlagCompletionFunc("truth", completeJSON)
	return cmd
}

// runEval implements `cxr-auditor eval --pred P --truth T`.
func runEval(ctx context.Context, e env, f evalFlags) error {
	switch {
	case f.predPath == "" || f.truthPath == "":
		return fmt.Errorf("%w: both --pred and --truth are required", errUsage)
	case isStdin(f.predPath) && isStdin(f.truthPath):
		return fmt.Errorf("%w: --pred and --truth cannot both read stdin", errUsage)
	}
	urgent := f.urgent.labels

	items, err := readTruth(ctx, e, f.truthPath)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return fmt.Errorf("%s: no truth items: nothing to evaluate", f.truthPath)
	}
	if err := readPredictions(ctx, e, f.predPath, items); err != nil {
		return err
	}
	m := compare.Evaluate(items, urgent)
	if f.asJSON {
		if m.Missing > 0 {
			fmt.Fprintf(e.stderr, "cxr-auditor eval: warning: %d of %d truth items have no prediction line (scored as predicting nothing)\n", m.Missing, m.Items)
		}
		return writeJSON(e.stdout, m)
	}
	return writeMetricsTable(e.stdout, m, urgent)
}

// jsonlLine is one non-blank line of a JSONL file and its 1-based number.
type jsonlLine struct {
	n    int
	text []byte
}

// forEachLine calls fn for each non-blank line of path (or stdin for "-"),
// stopping at the first error, which it returns as is. Lines may be long
// (model output is embedded in run results), so there is no line limit.
func forEachLine(ctx context.Context, e env, path string, fn func(name string, l jsonlLine) error) error {
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
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, err := br.ReadBytes('\n')
		if n == 1 {
			// Editors on some systems start UTF-8 files with a byte order mark.
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(line)) > 0 {
			if ferr := fn(name, jsonlLine{n: n, text: line}); ferr != nil {
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

// readTruth reads the ground truth, one EvalItem per line, in file order.
func readTruth(ctx context.Context, e env, path string) ([]compare.EvalItem, error) {
	var items []compare.EvalItem
	firstLine := map[string]int{}
	err := forEachLine(ctx, e, path, func(name string, l jsonlLine) error {
		t, err := parseTruthLine(l.text)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, l.n, err)
		}
		if prev, dup := firstLine[t.id]; dup {
			return fmt.Errorf("%s:%d: duplicate id %q (first on line %d)", name, l.n, t.id, prev)
		}
		firstLine[t.id] = l.n
		for _, note := range t.warnings {
			writeLine(e.stderr, "cxr-auditor eval: warning: %s:%d: item %q: %s: %s", name, l.n, t.id, note.Kind, note.Message)
		}
		items = append(items, compare.EvalItem{ID: t.id, Truth: t.findings, Missing: true})
		return nil
	})
	return items, err
}

// truthLine is one parsed line of the truth file.
type truthLine struct {
	id       string
	findings []schema.Finding
	// warnings are the parser notes worth showing: truth should be clean,
	// and a silent drop or repair would change the score. 0-1000 boxes and
	// label spellings are accepted conventions and are not warned about.
	warnings []schema.Diagnostic
}

// parseTruthLine reads one {"id", "findings"} line.
func parseTruthLine(text []byte) (truthLine, error) {
	var row struct {
		ID       string          `json:"id"`
		Findings json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(text, &row); err != nil {
		return truthLine{}, err
	}
	if row.ID == "" {
		return truthLine{}, errors.New(`missing or empty "id"`)
	}
	if isNull(row.Findings) {
		return truthLine{}, fmt.Errorf(`item %q: missing "findings" (use [] for none)`, row.ID)
	}
	fs, diag, err := schema.ExtractFindings(string(row.Findings))
	if err != nil {
		return truthLine{}, fmt.Errorf("item %q: findings: %w", row.ID, err)
	}
	t := truthLine{id: row.ID, findings: fs}
	for _, note := range diag.Notes {
		if note.Kind != "rescaled_box" && note.Kind != "normalized_label" {
			t.warnings = append(t.warnings, note)
		}
	}
	return t, nil
}

// readPredictions fills Pred, ParseFailed and Missing of items from path.
func readPredictions(ctx context.Context, e env, path string, items []compare.EvalItem) error {
	index := make(map[string]int, len(items))
	for i, it := range items {
		index[it.ID] = i
	}
	firstLine := map[string]int{}
	return forEachLine(ctx, e, path, func(name string, l jsonlLine) error {
		p, err := parsePredLine(l.text)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, l.n, err)
		}
		if prev, dup := firstLine[p.id]; dup {
			return fmt.Errorf("%s:%d: duplicate id %q (first on line %d)", name, l.n, p.id, prev)
		}
		firstLine[p.id] = l.n
		i, known := index[p.id]
		if !known {
			writeLine(e.stderr, "cxr-auditor eval: warning: %s:%d: id %q is not in the truth; ignored", name, l.n, p.id)
			return nil
		}
		it := &items[i]
		it.Missing = false
		it.ParseFailed = p.failed
		it.Pred = p.findings
		return nil
	})
}

// predLine is one parsed line of the predictions file.
type predLine struct {
	id       string
	failed   bool
	findings []schema.Finding // nil when failed
}

// parsePredLine reads one prediction line: {"id", "findings"},
// {"id", "error"}, or a line of `run` output (pipeline.Result-like: only
// id, findings, error and grounding.error are read).
//
// The grounding failed when the grounding record says so, or when the line
// carries an error and no usable findings. An error with usable findings is
// a draft-stage failure: the grounding's findings are valid and are scored.
// A line without an error must have recoverable findings.
func parsePredLine(text []byte) (predLine, error) {
	var row struct {
		ID       string          `json:"id"`
		Findings json.RawMessage `json:"findings"`
		Error    string          `json:"error"`
		// Grounding is read loosely: run output may change around it, and
		// only a grounding error matters here.
		Grounding json.RawMessage `json:"grounding"`
	}
	if err := json.Unmarshal(text, &row); err != nil {
		return predLine{}, err
	}
	if row.ID == "" {
		return predLine{}, errors.New(`missing or empty "id"`)
	}
	failed := predLine{id: row.ID, failed: true}
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
		return predLine{}, fmt.Errorf(`item %q: neither "findings" nor "error"`, row.ID)
	}
	fs, _, err := schema.ExtractFindings(string(row.Findings))
	switch {
	case err != nil && row.Error != "":
		return failed, nil // junk findings, and the error says why
	case err != nil:
		return predLine{}, fmt.Errorf("item %q: findings: %w", row.ID, err)
	}
	return predLine{id: row.ID, findings: fs}, nil
}

// isNull reports whether a JSON member was absent or null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// writeMetricsTable prints m for people: aligned columns, counts beside the
// ratios so small denominators are visible.
func writeMetricsTable(w io.Writer, m compare.Metrics, urgent []schema.Label) error {
	var b strings.Builder
	width := len("finding")
	for _, l := range schema.Labels() {
		width = max(width, len(l))
	}
	fmt.Fprintf(&b, "%-*s  %6s  %9s  %6s  %5s\n", width, "finding", "N", "precision", "recall", "F1")
	for _, l := range schema.PositiveLabels() {
		p := m.Presence[l]
		fmt.Fprintf(&b, "%-*s  %6d  %9.3f  %6.3f  %5.3f\n", width, l, p.N, p.Precision, p.Recall, p.F1)
	}
	fmt.Fprintf(&b, "\nmacro-F1 over labels with N > 0  %.3f\n", m.MacroF1)

	fmt.Fprintf(&b, "\nlocalization (boxes pooled over items and labels)\n")
	for _, row := range []struct {
		name string
		la   compare.LocalizationAt
	}{{"IoU >= 0.3", m.Localization.Loose}, {"IoU >= 0.5", m.Localization.Strict}} {
		fmt.Fprintf(&b, "  %s  rate %.3f (%d/%d)  precision %.3f (%d/%d)\n",
			row.name, row.la.Rate, row.la.Matched, row.la.TruthBoxes, row.la.Precision, row.la.Matched, row.la.PredBoxes)
	}
	fmt.Fprintf(&b, "  mean IoU of the matches at 0.3  %.3f\n", m.Localization.MeanIoU)
	if len(urgent) > 0 {
		fmt.Fprintf(&b, "\nurgent recall (found/N)\n")
		for _, l := range urgent {
			u := m.UrgentRecall[l]
			fmt.Fprintf(&b, "  %-*s  %d/%d\n", width, l, u.Found, u.N)
		}
	}
	fmt.Fprintf(&b, "\nitems %d, parse failures %d, missing predictions %d\n", m.Items, m.ParseFailures, m.Missing)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
