package report

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// DefaultMaxItems is how many pictures a report shows unless told.
const DefaultMaxItems = 24

// ThumbSide is the longest side of a thumbnail, in pixels: large enough
// to see a box and read its tag, small enough for fifty in a few MB.
const ThumbSide = 256

// Why an item is shown.
const (
	whyUrgent   = "urgent finding missed"
	whyWorstIoU = "worst box overlap"
	whyDiffer   = "runs differ"
	whyDispute  = "adjudicated dispute"
	whyError    = "other error against the truth"
)

// pictureSection chooses the items to show (urgent misses, the worst box
// overlaps, items where runs differ, adjudicated disputes), taking from
// each kind in turn up to MaxItems, and draws them.
func pictureSection(ctx context.Context, in Input, stats []runStats) (Section, error) {
	s := Section{ID: "pictures", Title: "Pictures"}
	limit := in.MaxItems
	if limit == 0 {
		limit = DefaultMaxItems
	}
	if limit < 0 || len(in.Items) == 0 {
		return s, nil
	}
	chosen, why := choose(in, stats, limit)
	if len(chosen) == 0 {
		return s, nil
	}
	noun := "items"
	if len(chosen) == 1 {
		noun = "item"
	}
	s.Blocks = append(s.Blocks, para("%d %s, chosen in turn among urgent findings missed, the worst box overlaps, items where the runs differ, adjudicated disputes and other errors against the truth (at most %d). Boxes as in the workstation, coloured by label: the truth dashed (T), the model solid (M; with several runs A solid, B and later dotted); a double outline is an urgent label.", len(chosen), noun, limit))
	byItem := map[string][]audit.Verdict{}
	for _, v := range in.Verdicts {
		byItem[v.ItemID] = append(byItem[v.ItemID], v)
	}
	var pics []Picture
	for _, i := range chosen {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		pics = append(pics, picture(ctx, in, i, why[i], byItem[in.Items[i].ID]))
	}
	s.Blocks = append(s.Blocks, Block{Pictures: pics})
	return s, nil
}

// choose returns the item indices to show, in the order chosen, and why
// each was.
func choose(in Input, stats []runStats, limit int) ([]int, map[int][]string) {
	kinds := [][]int{urgentMisses(stats, limit), worstIoU(stats, limit), differ(in, limit), disputes(in, limit), wrong(stats, limit)}
	names := []string{whyUrgent, whyWorstIoU, whyDiffer, whyDispute, whyError}
	var out []int
	for round := 0; len(out) < limit; round++ {
		added := false
		for _, list := range kinds {
			if round >= len(list) || len(out) >= limit {
				continue
			}
			added = true
			if i := list[round]; !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
		if !added {
			break
		}
	}
	why := map[int][]string{}
	for k, list := range kinds {
		for _, i := range list {
			if slices.Contains(out, i) {
				why[i] = append(why[i], names[k])
			}
		}
	}
	return out, why
}

// urgentMisses lists the items on which a run missed an urgent finding.
func urgentMisses(stats []runStats, limit int) []int {
	return flagged(stats, limit, func(st runStats) []bool { return st.urgentMiss })
}

// wrong lists the items with any error against the truth in any run:
// they fill the pictures when the kinds above leave room.
func wrong(stats []runStats, limit int) []int {
	return flagged(stats, limit, func(st runStats) []bool { return st.wrong })
}

// flagged lists, in item order, the items flagged in any run.
func flagged(stats []runStats, limit int, flags func(runStats) []bool) []int {
	if len(stats) == 0 {
		return nil
	}
	var out []int
	for j := range flags(stats[0]) {
		for _, st := range stats {
			if flags(st)[j] {
				out = append(out, j)
				break
			}
		}
		if len(out) >= limit {
			break
		}
	}
	return out
}

// worstIoU lists the items with box pairs, lowest overlap (in any run)
// first.
func worstIoU(stats []runStats, limit int) []int {
	if len(stats) == 0 {
		return nil
	}
	worst := make([]float64, len(stats[0].worst))
	var idx []int
	for j := range worst {
		worst[j] = math.NaN()
		for _, st := range stats {
			if v := st.worst[j]; !math.IsNaN(v) && (math.IsNaN(worst[j]) || v < worst[j]) {
				worst[j] = v
			}
		}
		if !math.IsNaN(worst[j]) && worst[j] < compare.StrictIoU {
			idx = append(idx, j)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return worst[idx[a]] < worst[idx[b]] })
	return idx[:min(limit, len(idx))]
}

// differ lists the items on which a run's findings differ from the
// first run's.
func differ(in Input, limit int) []int {
	var out []int
	for j := range in.Items {
		for _, r := range in.Runs[min(1, len(in.Runs)):] {
			if len(compare.RunDifferences(in.Runs[0].Preds[j], r.Preds[j])) > 0 {
				out = append(out, j)
				break
			}
		}
		if len(out) >= limit {
			break
		}
	}
	return out
}

// disputes lists the study's items with an adjudicated unit.
func disputes(in Input, limit int) []int {
	if in.Study == nil {
		return nil
	}
	index := map[string]int{}
	for j, it := range in.Items {
		index[it.ID] = j
	}
	var out []int
	for _, u := range in.Study.Units {
		j, ok := index[u.ItemID]
		if ok && u.State == audit.UnitAdjudicated && !slices.Contains(out, j) && len(out) < limit {
			out = append(out, j)
		}
	}
	return out
}

// runTag is the letter of run r on the pictures.
func runTag(r int) string { return string(rune('A' + r%26)) }

// picture draws item i with the truth's and every run's boxes and lists
// what each side found, its errors and the verdicts on it.
func picture(ctx context.Context, in Input, i int, why []string, verdicts []audit.Verdict) Picture {
	it := in.Items[i]
	p := Picture{ItemID: it.ID, Why: why, Draft: it.Draft}
	var ovs []render.Overlay
	for _, f := range it.Truth {
		p.Boxes = append(p.Boxes, "truth: "+finding(f))
		if f.Box != nil {
			ovs = append(ovs, render.Overlay{Box: *f.Box, Label: f.Label, Urgent: slices.Contains(in.Options.Urgent, f.Label),
				Tag: "T", Truth: true, Stroke: render.StrokeDashed})
		}
	}
	for r, run := range in.Runs {
		tag, stroke := runTag(r), render.StrokeSolid
		if len(in.Runs) == 1 {
			tag = "M"
		}
		if r > 0 {
			stroke = render.StrokeDotted
		}
		switch {
		case at(run.Failed, i):
			p.Boxes = append(p.Boxes, fmt.Sprintf("%s (%s): output could not be read", tag, run.Name))
		case at(run.Missing, i):
			p.Boxes = append(p.Boxes, fmt.Sprintf("%s (%s): no prediction", tag, run.Name))
		case len(run.Preds[i]) == 0:
			p.Boxes = append(p.Boxes, fmt.Sprintf("%s (%s): nothing found", tag, run.Name))
		}
		for _, f := range run.Preds[i] {
			p.Boxes = append(p.Boxes, fmt.Sprintf("%s (%s): %s", tag, run.Name, finding(f)))
			if f.Box != nil {
				ovs = append(ovs, render.Overlay{Box: *f.Box, Label: f.Label, Urgent: slices.Contains(in.Options.Urgent, f.Label), Tag: tag, Stroke: stroke})
			}
		}
	}
	for _, v := range verdicts {
		p.Verdicts = append(p.Verdicts, fmt.Sprintf("%s: %s %s: %s", v.Annotator, v.Kind, v.Label, v.Decision))
	}
	if in.Study != nil {
		for _, u := range in.Study.Units {
			if u.ItemID == it.ID && u.State == audit.UnitAdjudicated {
				p.Verdicts = append(p.Verdicts, fmt.Sprintf("study: %s %s disputed, settled by %s: %s", u.Kind, u.Label, u.FinalBy, u.Final))
			}
		}
	}
	p.Alt = fmt.Sprintf("Radiograph %s with %d boxes (truth dashed, tagged T): %s", it.ID, len(ovs), joinWhy(why))
	p.PNG, p.W, p.H, p.Note = thumbnail(ctx, in, it.Image, ovs)
	return p
}

// thumbnail draws the image at path with its overlays, or says why not.
func thumbnail(ctx context.Context, in Input, path string, ovs []render.Overlay) ([]byte, int, int, string) {
	if path == "" || in.LoadImage == nil {
		return nil, 0, 0, "no image for this item"
	}
	r, err := in.LoadImage(ctx, path)
	if err != nil {
		return nil, 0, 0, "image not drawn: " + err.Error()
	}
	png, w, h, err := render.Still(ctx, render.Request{Image: r, Window: r.DefaultWindow, Overlays: ovs, ShowBoxes: true}, ThumbSide)
	if err != nil {
		return nil, 0, 0, "image not drawn: " + err.Error()
	}
	return png, w, h, ""
}

// finding is a finding in words: its label and box.
func finding(f schema.Finding) string {
	if f.Box == nil {
		return string(f.Label)
	}
	b := f.Box
	return fmt.Sprintf("%s [%.3f, %.3f, %.3f, %.3f]", f.Label, b.Y0, b.X0, b.Y1, b.X1)
}

func joinWhy(why []string) string {
	s := ""
	for i, w := range why {
		if i > 0 {
			s += "; "
		}
		s += w
	}
	return s
}
