package session

import (
	"context"
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// truthByID is a --truth source read whole: each item's truth findings
// by id ([] for an item with nothing to find), and the ids in file order
// for messages.
type truthByID struct {
	path     string
	findings map[string][]schema.Finding
	order    []string
}

// readTruthByID reads the truth at path (a truth file or a worklist with
// truth, worklist.ReadTruth) for command; warnings go to stderr. A
// worklist's images are not opened, so they may lie anywhere.
func readTruthByID(ctx context.Context, env Env, command, path string) (*truthByID, error) {
	if err := CheckInput(path); err != nil {
		return nil, fmt.Errorf("--truth: %w", err)
	}
	t := &truthByID{path: path, findings: map[string][]schema.Finding{}}
	warn := func(msg string) { WriteLine(env.Stderr, "cxr-auditor %s: warning: --truth: %s", command, msg) }
	_, err := worklist.ReadTruth(ctx, path, func(r worklist.TruthRow) error {
		if _, dup := t.findings[r.ID]; !dup {
			t.order = append(t.order, r.ID)
		}
		f := r.Findings
		if f == nil {
			f = []schema.Finding{}
		}
		t.findings[r.ID] = f
		return nil
	}, warn, worklist.AllowOutsidePaths())
	if err != nil {
		return nil, fmt.Errorf("--truth: %w", err)
	}
	return t, nil
}

// apply sets the truth of every item whose id it has, replacing a truth
// column's, and returns how many it set.
func (t *truthByID) apply(items []audit.Item) int {
	n := 0
	for i := range items {
		if f, ok := t.findings[items[i].ID]; ok {
			items[i].Truth, items[i].HasTruth = f, true
			n++
		}
	}
	return n
}

// noMatch is the error for a truth file none of whose ids is one of the
// worklist's items.
func (t *truthByID) noMatch(worklistPath string, items int) error {
	first := ""
	if len(t.order) > 0 {
		first = t.order[0]
	}
	return fmt.Errorf("--truth %s: no id of its %d matches the worklist %s (%d items; first truth id %q): check that both describe the same worklist",
		t.path, len(t.order), worklistPath, items, first)
}

// lookup returns item it's truth: the --truth file's when it has the id,
// else the worklist's own; ok is false when neither has any.
func (t *truthByID) lookup(it audit.Item) ([]schema.Finding, bool) {
	if t != nil {
		if f, ok := t.findings[it.ID]; ok {
			return f, true
		}
	}
	return it.Truth, it.HasTruth
}

// loadTruth reads cfg.Truth (when set) and checks it against the
// worklist: on the loaded list it sets each item's truth; on a scan it
// reads the worklist's ids through once more. No id in common is an
// error.
func (s *Session) loadTruth(ctx context.Context) error {
	if s.cfg.Truth == "" {
		return nil
	}
	t, err := readTruthByID(ctx, s.env, s.cfg.Command, s.cfg.Truth)
	if err != nil {
		return err
	}
	s.truth = t
	if s.cfg.Read == ReadWhole {
		if t.apply(s.List.Items) == 0 {
			return t.noMatch(s.cfg.Worklist, len(s.List.Items))
		}
		return nil
	}
	matched, items := 0, 0
	_, err = worklist.Scan(ctx, s.cfg.Worklist, func(it audit.Item) error {
		items++
		if _, ok := t.findings[it.ID]; ok {
			matched++
		}
		return nil
	}, func(worklist.RowError) {}, s.cfg.WorklistOptions()...)
	if err != nil {
		return err
	}
	if matched == 0 {
		return t.noMatch(s.cfg.Worklist, items)
	}
	return nil
}

// scoreTruth adds item it's errors against its truth to o and counts the
// item in the run's figures against the truth; an item without truth is
// left as it is.
func (b *batch) scoreTruth(it audit.Item, r *audit.Result, o *RunOutput) {
	truth, ok := b.s.truth.lookup(it)
	if !ok {
		return
	}
	failed := r.Err != "" && r.Grounding == nil || r.Grounding != nil && r.Grounding.Error != ""
	if !failed {
		errs := compare.TruthErrors(truth, r.Findings, b.cfg.Urgent, compare.LooseIoU)
		if errs == nil {
			errs = []audit.TruthError{}
		}
		o.TruthErrors = &errs
	}
	if b.truth == nil {
		b.truth = compare.NewScores(compare.ProtocolItem)
	}
	// An id twice in the worklist is scored once, as eval would.
	_ = b.truth.Add(compare.EvalItem{ID: it.ID, Pred: r.Findings, Truth: truth, ParseFailed: failed})
}

// truthLine sums up the run against the truth in one line ("" when no
// item had truth); eval gives the whole table with intervals.
func (b *batch) truthLine(ctx context.Context) string {
	if b.truth == nil || b.truth.Len() == 0 {
		return ""
	}
	rep, err := compare.Evaluate(ctx, b.truth, compare.Options{Urgent: b.cfg.Urgent})
	if err != nil {
		return "against the truth: " + err.Error()
	}
	line := fmt.Sprintf("against the truth (%d items, boxes matched within each item): macro-F1 %.3f over %d labels, IoU>=0.3 rate %d/%d",
		rep.Items, rep.MacroF1.Value, rep.MacroF1Labels, rep.Localization.Loose.Matched, rep.Localization.Loose.TruthBoxes)
	for _, l := range rep.Urgent {
		if u, ok := rep.UrgentRecall[l]; ok && u.N > 0 {
			line += fmt.Sprintf(", %s recall %d/%d", l, u.Found, u.N)
		}
	}
	return line + "; eval --truth gives every figure with its interval"
}
