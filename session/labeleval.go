package session

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/labeler"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// goldFiles returns path itself, or the *.jsonl files of the folder path
// in name order.
func goldFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--eval: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("--eval: %w", err)
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".jsonl") {
			out = append(out, filepath.Join(path, e.Name()))
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("--eval %s: %w", path, errNoGold)
	}
	return out, nil
}

// scoreGold scores the rules against every gold file and prints a block
// per file, then (for several files) one for all of them.
func scoreGold(env Env, rs *labeler.RuleSet, path string, listErrors bool) error {
	files, err := goldFiles(path)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(env.Stdout)
	fmt.Fprintf(out, "rules %s\n", rs.Digest())
	var all labeler.Score
	for _, f := range files {
		s, err := scoreFile(out, rs, f, listErrors)
		if err != nil {
			return err
		}
		printScore(out, f, &s)
		all.Merge(s)
	}
	if len(files) > 1 {
		printScore(out, "all", &all)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// scoreFile reads one gold file and scores the rules on it; with
// listErrors it writes each cell read differently.
func scoreFile(w io.Writer, rs *labeler.RuleSet, path string, listErrors bool) (labeler.Score, error) {
	var s labeler.Score
	if err := CheckInput(path); err != nil {
		return s, err
	}
	fh, err := os.Open(path)
	if err != nil {
		return s, fmt.Errorf("read gold: %w", err)
	}
	defer fh.Close()
	cases, err := labeler.ReadCases(fh)
	if err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	labels := schema.Labels()
	for _, c := range cases {
		got := rs.Label(c.Draft)
		cells := labeler.CellsOf(got)
		s.Add(c.Gold, cells)
		if !listErrors {
			continue
		}
		for i := range cells {
			if cells[i] != c.Gold[i] {
				WriteLine(w, "%s %s %s: gold %s, read %s (span %q)", path, c.ID, labels[i], c.Gold[i], cells[i], spanOf(got, labels[i]))
			}
		}
	}
	return s, nil
}

func spanOf(ds []schema.DraftLabel, l schema.Label) string {
	for _, d := range ds {
		if d.Label == l {
			return d.Span
		}
	}
	return ""
}

// printScore writes one score block: cells and accuracy, a status table,
// and a per-label table.
func printScore(w io.Writer, name string, s *labeler.Score) {
	total, correct := s.Cells()
	WriteLine(w, "%s: %d drafts, %d cells, %d read as gold, accuracy %.4f", name, s.Drafts, total, correct, s.Accuracy())
	fmt.Fprintf(w, "  %-10s %9s %7s %6s %8s\n", "status", "precision", "recall", "F1", "support")
	for _, st := range labeler.Statuses() {
		p := s.Status(st, -1)
		fmt.Fprintf(w, "  %-10s %9.4f %7.4f %6.4f %8d\n", st, p.Precision, p.Recall, p.F1, p.Support)
	}
	fmt.Fprintf(w, "  %-27s %8s %10s %9s %12s\n", "label", "accuracy", "F1 present", "F1 absent", "F1 uncertain")
	for i, l := range schema.Labels() {
		m := s.PerLabel[i]
		n, ok := 0, 0
		for g := range m {
			for r := range m[g] {
				n += m[g][r]
				if g == r {
					ok += m[g][r]
				}
			}
		}
		acc := 0.0
		if n > 0 {
			acc = float64(ok) / float64(n)
		}
		fmt.Fprintf(w, "  %-27s %8.4f %10s %9s %12s\n", l, acc,
			f1Cell(s, schema.StatusPresent, i), f1Cell(s, schema.StatusAbsent, i), f1Cell(s, schema.StatusUncertain, i))
	}
}

// f1Cell prints a label's F1 for one status, or "-" when neither gold nor
// reading has that status for the label.
func f1Cell(s *labeler.Score, st schema.Status, label int) string {
	p := s.Status(st, label)
	if p.Support == 0 && p.Predicted == 0 {
		return "-"
	}
	return fmt.Sprintf("%.4f", p.F1)
}
