package session

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/cxr-auditor/cxr-auditor/agreement"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/report"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// maxProvenanceLookups bounds the stage records read to name each run's
// models, digests and dates: enough for any worklist a person reviews,
// and a bounded cost on a store of a million results.
const maxProvenanceLookups = 2000

// input reads everything the report shows: the truth's items (with their
// images and drafts), each run's predictions, and from the store the
// verdicts, agreement and study.
func (c ReportConfig) input(ctx context.Context, env Env) (report.Input, error) {
	var in report.Input
	var st *store.Store
	if len(c.Preds) == 0 {
		s, err := OpenReadOnly(ctx, env, c.DB, c.Worklist)
		if err != nil {
			return in, err
		}
		defer s.Close()
		st = s
		in.Sources = append(in.Sources, "store "+s.Path())
	}
	truthPath := c.Truth
	if truthPath == "" {
		truthPath = c.Worklist
	}
	var truth *truthSet
	if truthPath != "" {
		t, err := readTruthItems(ctx, truthFile(env, truthPath), truthPath)
		switch {
		case errors.Is(err, worklist.ErrNoTruth) && c.Truth == "":
			WriteLine(env.Stderr, "cxr-auditor report: %s has no truth: no metrics (give --truth FILE)", truthPath)
		case err != nil:
			return in, err
		default:
			truth = t
			in.Sources = append(in.Sources, "truth "+truthPath)
		}
	}
	if truth != nil && st != nil {
		n, err := applyCorrections(ctx, st, truth)
		if err != nil {
			return in, err
		}
		in.CorrectedTruth, in.CorrectedItems = n > 0, n
	}
	if truth != nil {
		if err := c.addRuns(ctx, env, st, truth, &in); err != nil {
			return in, err
		}
		in.Items = reportItems(ctx, truth, truthPath, st)
	}
	if st != nil {
		if err := c.addReaders(ctx, env, st, &in); err != nil {
			return in, err
		}
		if len(in.Items) == 0 && in.Study != nil {
			in.Items = studyItems(ctx, st, in.Study)
		}
	}
	return in, nil
}

// studyItems are a study's items without truth (its disputes can still
// be pictured), with their images and drafts from the store.
func studyItems(ctx context.Context, st *store.Store, s *report.Study) []report.Item {
	recs, err := st.Items(ctx)
	if err != nil {
		return nil
	}
	in := map[string]bool{}
	for _, u := range s.Units {
		in[u.ItemID] = true
	}
	var out []report.Item
	for _, r := range recs {
		if in[r.ID] {
			out = append(out, report.Item{ID: r.ID, Image: r.Image, Draft: r.Draft})
		}
	}
	return out
}

// addRuns reads each run's predictions, aligned with the truth.
func (c ReportConfig) addRuns(ctx context.Context, env Env, st *store.Store, truth *truthSet, in *report.Input) error {
	runs := c.Runs
	if st != nil && len(runs) == 0 {
		latest, err := latestRun(ctx, st)
		if err != nil {
			return err
		}
		if latest == "" {
			return nil
		}
		runs = []string{latest}
	}
	for _, p := range c.Preds {
		in.Sources = append(in.Sources, "predictions "+p)
	}
	infos := map[string]report.RunInfo{}
	if st != nil {
		var err error
		if infos, err = runInfos(ctx, st, runs); err != nil {
			return err
		}
	}
	for _, src := range predSources(env, EvalConfig{Preds: c.Preds, Runs: runs}, st) {
		r, err := alignRun(ctx, env, src, truth)
		if err != nil {
			return err
		}
		r.Info = infos[src.name]
		in.Runs = append(in.Runs, r)
	}
	return nil
}

// alignRun reads one run's predictions into the truth's order; an id not
// in the truth is left out with a warning, one given twice is an error.
func alignRun(ctx context.Context, env Env, src predSource, truth *truthSet) (report.Run, error) {
	n := len(truth.items)
	r := report.Run{Name: src.name, Preds: make([][]schema.Finding, n), Failed: make([]bool, n), Missing: make([]bool, n)}
	for i := range r.Missing {
		r.Missing[i] = true
	}
	unknown := 0
	err := src.read(ctx, func(p prediction) error {
		i, ok := truth.index[p.id]
		switch {
		case !ok:
			unknown++
			return nil
		case !r.Missing[i]:
			return fmt.Errorf("%s: duplicate prediction for id %q", src.name, p.id)
		}
		r.Missing[i], r.Failed[i], r.Preds[i] = false, p.failed, p.findings
		return nil
	})
	if err != nil {
		return r, err
	}
	if unknown > 0 {
		WriteLine(env.Stderr, "cxr-auditor report: warning: %s: %d ids are not in the truth; left out", src.name, unknown)
	}
	return r, nil
}

// latestRun is the named run updated last, or (a store from before runs
// were named) the grounding model of the newest result; "" when the store
// has neither.
func latestRun(ctx context.Context, st *store.Store) (string, error) {
	runs, err := st.Runs(ctx)
	if err != nil {
		return "", err
	}
	if len(runs) > 0 {
		latest := runs[0]
		for _, r := range runs[1:] {
			if r.Updated.After(latest.Updated) {
				latest = r
			}
		}
		return latest.Name, nil
	}
	results, err := st.Results(ctx)
	if err != nil {
		return "", err
	}
	var newest audit.ResultRecord
	for _, r := range results {
		if r.GroundingKey != "" && r.UpdatedAt.After(newest.UpdatedAt) {
			newest = r
		}
	}
	if newest.GroundingKey == "" {
		return "", nil
	}
	rec, ok, err := st.GetStage(ctx, newest.GroundingKey)
	if err != nil || !ok {
		return "", err
	}
	return rec.Model, nil
}

// runInfos names each run's models and digests and the dates of its
// results, from the stage records the results rest on (newest first, at
// most maxProvenanceLookups of them).
func runInfos(ctx context.Context, st *store.Store, runs []string) (map[string]report.RunInfo, error) {
	out := map[string]report.RunInfo{}
	named, err := st.Runs(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range named {
		if contains(runs, r.Name) {
			c := r.Config
			out[r.Name] = report.RunInfo{Model: c.GroundingModel, ModelDigest: c.GroundingDigest, PromptDigest: c.GroundingPrompt,
				DraftModel: c.DraftModel, DraftModelDigest: c.DraftDigest, DraftPromptDigest: c.DraftPrompt, First: r.Created, Last: r.Updated}
		}
	}
	if len(out) == len(runs) {
		return out, nil
	}
	results, err := st.Results(ctx)
	if err != nil {
		return nil, err
	}
	list := make([]audit.ResultRecord, 0, len(results))
	for _, r := range results {
		list = append(list, r)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].UpdatedAt.After(list[j].UpdatedAt) })
	for _, r := range list[:min(len(list), maxProvenanceLookups)] {
		g, ok, err := st.GetStage(ctx, r.GroundingKey)
		if err != nil {
			return nil, err
		}
		info, want := out[g.Model]
		if !ok || !contains(runs, g.Model) || (want && info.Model == "") {
			continue
		}
		if !want {
			info = report.RunInfo{Model: g.Model, ModelDigest: g.ModelDigest, PromptDigest: g.PromptDigest}
			if d, ok, err := st.GetStage(ctx, r.DraftKey); err == nil && ok {
				info.DraftModel, info.DraftModelDigest, info.DraftPromptDigest = d.Model, d.ModelDigest, d.PromptDigest
			}
		}
		if info.First.IsZero() || g.CreatedAt.Before(info.First) {
			info.First = g.CreatedAt
		}
		if g.CreatedAt.After(info.Last) {
			info.Last = g.CreatedAt
		}
		out[g.Model] = info
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// reportItems are the truth's items with their images and drafts: from
// the worklist when the truth is one, else from the store.
func reportItems(ctx context.Context, truth *truthSet, path string, st *store.Store) []report.Item {
	items := make([]report.Item, len(truth.items))
	for i, t := range truth.items {
		items[i] = report.Item{ID: t.id, Truth: t.findings}
	}
	set := func(id, image, draft string) {
		if i, ok := truth.index[id]; ok && items[i].Image == "" {
			items[i].Image, items[i].Draft = image, draft
		}
	}
	// A truth file is not a worklist: its rows are problems, ignored.
	_, _ = worklist.Scan(ctx, path, func(it audit.Item) error {
		set(it.ID, it.ImagePath, it.Draft)
		return nil
	}, nil, worklist.AllowOutsidePaths())
	if st != nil {
		if recs, err := st.Items(ctx); err == nil {
			for _, r := range recs {
				set(r.ID, r.Image, r.Draft)
			}
		}
	}
	return items
}

// addReaders adds the verdicts, the readers' agreement and, with --study,
// the study's progress and units.
func (c ReportConfig) addReaders(ctx context.Context, env Env, st *store.Store, in *report.Input) error {
	ac := AgreementConfig{Study: c.Study, Method: "auto", MinReaders: 2, Level: 0.95}
	opts, err := ac.options()
	if err != nil {
		return err
	}
	verdicts, readers, err := ac.verdicts(ctx, st)
	if err != nil {
		return err
	}
	// The pictures and each reviewer's pace show every verdict (an
	// adjudicator's too); the agreement only the readers'.
	if in.Verdicts, err = st.AllVerdicts(ctx, ""); err != nil {
		return err
	}
	if ratings, _ := agreement.FromVerdicts(verdicts); len(ratings) > 0 {
		opts.Readers = readers
		rep, err := agreement.Measure(ratings, opts)
		if err != nil {
			return fmt.Errorf("agreement: %w", err)
		}
		in.Agreement = &rep
	}
	if c.Study == "" {
		return nil
	}
	s, err := st.Study(ctx, c.Study)
	if err != nil {
		return err
	}
	items, err := st.StudyItems(ctx, c.Study)
	if err != nil {
		return err
	}
	units, err := st.StudyUnits(ctx, c.Study)
	if err != nil {
		return err
	}
	in.Verdicts = onItems(items, in.Verdicts)
	in.Study = &report.Study{Progress: audit.Progress(s, items, units), Units: units}
	in.Sources = append(in.Sources, "study "+c.Study)
	return nil
}

// onItems keeps the verdicts on the study's items, whoever gave them.
func onItems(items []audit.StudyItem, vs []audit.Verdict) []audit.Verdict {
	in := make(map[string]bool, len(items))
	for _, it := range items {
		in[it.ItemID] = true
	}
	var out []audit.Verdict
	for _, v := range vs {
		if in[v.ItemID] {
			out = append(out, v)
		}
	}
	return out
}

// applyCorrections replaces the truth of every item the store has a
// truth correction for with its corrected truth, and says how many.
func applyCorrections(ctx context.Context, st *store.Store, truth *truthSet) (int, error) {
	n := 0
	err := st.CorrectedTruth(ctx, func(c audit.TruthCorrection) error {
		if i, ok := truth.index[c.ItemID]; ok {
			truth.items[i].findings = c.Findings
			n++
		}
		return nil
	})
	return n, err
}
