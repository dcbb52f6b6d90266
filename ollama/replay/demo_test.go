package replay_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/replay"
	"github.com/cxr-auditor/cxr-auditor/ollama/replay/internal/demodata"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// The demo is synthetic: phantoms drawn by code, hand-written outputs.
var (
	demoDir       = filepath.Join("..", "..", "testdata", "demo")
	demoWorklist  = filepath.Join(demoDir, demodata.Worklist)
	demoRecording = filepath.Join(demoDir, demodata.Recording)
)

func TestDemoRecordsBothStagesOfEveryItem(t *testing.T) {
	ctx := t.Context()
	wl, err := worklist.Load(ctx, demoWorklist, worklist.AllowOutsidePaths())
	require.NoError(t, err)
	require.Empty(t, wl.Problems)
	recs, err := replay.ReadRecording(ctx, demoRecording)
	require.NoError(t, err)

	got := map[string][]string{}
	for _, r := range recs {
		if r.Model == "" {
			got[r.ID] = append(got[r.ID], r.Stage)
		}
	}
	require.Len(t, got, len(wl.Items), "every recorded id is a worklist item")
	for _, it := range wl.Items {
		assert.ElementsMatch(t, []string{replay.StageGrounding, replay.StageDraft}, got[it.ID], it.ID)
	}
	assert.Len(t, wl.Items, len(demodata.Scenarios()))
}

// outcome is what the real pipeline client made of one demo item.
type outcome struct {
	id       string
	report   *audit.Report
	salvaged bool
	err      error
	format   string
	invert   bool
	thinking bool
	draft    string
	findings []schema.Finding // normalized to the image
	truth    []schema.Finding
	// groundingErr is the grounding stage's error, if any.
	groundingErr string
}

var demoOnce struct {
	sync.Once
	outs []outcome
	err  error
}

// demoOutcomes replays the demo once for all the tests that read it:
// preparing twelve images for the model is the slow part.
func demoOutcomes(t *testing.T) []outcome {
	t.Helper()
	if testing.Short() {
		// Twenty-four model inputs of up to 1.3 megapixels (server and
		// scheduler): about 15 s of CPU under the race detector.
		t.Skip("replays the whole demo; run without -short")
	}
	demoOnce.Do(func() { demoOnce.outs, demoOnce.err = replayDemo(context.Background(), prompts.DefaultGroundingModel) })
	require.NoError(t, demoOnce.err)
	return demoOnce.outs
}

// replayDemo runs the whole demo through the pipeline's scheduler (no
// store) against the replay server with no latency, exactly as the
// workstation does, and collects each item's result.
func replayDemo(ctx context.Context, groundingModel string) ([]outcome, error) {
	srv, err := replay.NewServer(ctx, demoWorklist, demoRecording, replay.Options{})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	host, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	if err != nil {
		return nil, err
	}
	wl, err := worklist.Load(ctx, demoWorklist, worklist.AllowOutsidePaths())
	if err != nil {
		return nil, err
	}
	sched, err := pipeline.NewScheduler(pipeline.Config{
		Hosts: []*ollama.Host{host}, GroundingModel: groundingModel, DraftModel: prompts.DefaultDraftModel,
		Urgent: schema.DefaultUrgent(), Capacity: 2,
	})
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- sched.Run(runCtx) }()
	sched.Submit(wl.Items)

	results := map[string]*audit.Result{}
	for u := range sched.Updates() {
		if u.Result != nil {
			results[u.ItemID] = u.Result
		}
		if len(results) == len(wl.Items) {
			cancel() // Run stops and closes Updates
		}
	}
	if err := <-ran; err != nil {
		return nil, err
	}

	var out []outcome
	for _, it := range wl.Items {
		res := results[it.ID]
		if res == nil {
			return nil, fmt.Errorf("%s: no result", it.ID)
		}
		r, err := radiograph.Load(ctx, it.ImagePath, radiograph.LoadOptions{})
		if err != nil {
			return nil, err
		}
		o := outcome{id: it.ID, draft: it.Draft, truth: it.Truth, format: r.Format, invert: r.Invert,
			report: res.Report, salvaged: res.Salvaged, findings: res.Findings}
		if res.Draft != nil {
			o.thinking = res.Draft.Thinking != ""
		}
		if res.Status == audit.StatusError {
			o.err = errors.New(res.Err)
			if res.Grounding != nil {
				o.groundingErr = res.Grounding.Error
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// checkBoxesMatchTruth: the recorded boxes, as the pipeline returns them
// (squash: they apply to the image as they are), land on the phantom's true finding.
func checkBoxesMatchTruth(t *testing.T, o outcome) {
	t.Helper()
	for _, f := range o.findings {
		if f.Box == nil {
			continue
		}
		best := 0.0
		for _, tr := range o.truth {
			if tr.Label == f.Label && tr.Box != nil {
				best = max(best, f.Box.IoU(*tr.Box))
			}
		}
		assert.Greater(t, best, 0.9, "%s: %s box %v vs truth %v", o.id, f.Label, *f.Box, o.truth)
	}
}

func TestDemoReplaysAsEachScenarioPromises(t *testing.T) {
	outs := demoOutcomes(t)
	scen := demodata.Scenarios()
	require.Len(t, outs, len(scen))
	for i, s := range scen {
		o := outs[i]
		t.Run(s.ID, func(t *testing.T) {
			require.Equal(t, s.ID, o.id)
			assert.Equal(t, s.Want.Format, o.format)
			assert.Equal(t, s.Want.Invert, o.invert)
			assert.Equal(t, s.Want.Thinking, o.thinking)
			assert.Equal(t, s.Want.Salvaged, o.salvaged)
			assert.Equal(t, s.Want.Hostile, strings.ContainsRune(o.draft, '\x1b'))
			if s.Want.Err {
				require.Error(t, o.err)
				assert.Nil(t, o.report)
				assert.Contains(t, o.groundingErr, ollama.ErrNoOutput.Error(), "the grounding output had nothing to parse")
				return
			}
			require.NoError(t, o.err)
			keys := []string{}
			for _, d := range o.report.Disagreements {
				keys = append(keys, d.Key())
			}
			want := s.Want.Disagreements
			if want == nil {
				want = []string{}
			}
			assert.Equal(t, want, keys)
			assert.Equal(t, s.Want.Urgent, o.report.Urgent)
			var doubts []schema.Label
			for _, d := range o.report.DraftDoubts {
				doubts = append(doubts, d.Label)
			}
			assert.Equal(t, s.Want.Doubts, doubts)
			checkBoxesMatchTruth(t, o)
		})
	}
}

// TestDemoSecondModel: the second grounding "model" differs from the
// first on exactly the items the scenario table gives it a line for, by
// a label one has and the other lacks or a box moved under IoU 0.5.
func TestDemoSecondModel(t *testing.T) {
	if testing.Short() {
		t.Skip("replays the whole demo; run without -short")
	}
	first := demoOutcomes(t)
	second, err := replayDemo(context.Background(), replay.SecondGroundingModel)
	require.NoError(t, err)
	var differ, want []string
	for i, s := range demodata.Scenarios() {
		if s.GroundingB != nil {
			want = append(want, s.ID)
		}
		a, b := first[i], second[i]
		require.Equal(t, a.id, b.id)
		if a.groundingErr != b.groundingErr || len(compare.RunDifferences(a.findings, b.findings)) > 0 {
			differ = append(differ, s.ID)
		}
	}
	assert.Equal(t, want, differ)
	assert.GreaterOrEqual(t, len(differ), 3)
}

// The coverage docs/demo.md promises, asserted on what the pipeline made of
// the demo rather than on the scenario table.
func TestDemoCoverage(t *testing.T) {
	outs := demoOutcomes(t)
	kinds := map[audit.Kind]bool{}
	var agreeNormal, agreeAbnormal, urgent, salvagedUrgent, errs, thinking, hostile, mono1 int
	formats := map[string]bool{}
	for _, o := range outs {
		formats[o.format] = true
		if o.invert {
			mono1++
		}
		if o.thinking {
			thinking++
		}
		if strings.Contains(o.draft, "\x1b[2J") || strings.Contains(o.draft, "\x1b]52;") {
			hostile++
		}
		if o.err != nil {
			errs++
			continue
		}
		for _, d := range o.report.Disagreements {
			kinds[d.Kind] = true
		}
		if o.report.Urgent {
			urgent++
			if o.salvaged {
				salvagedUrgent++
			}
		}
		if len(o.report.Disagreements) == 0 {
			if strings.Contains(o.id, "normal") {
				agreeNormal++
			} else {
				agreeAbnormal++
			}
		}
	}
	gotKinds := []audit.Kind{}
	for k := range kinds {
		gotKinds = append(gotKinds, k)
	}
	assert.ElementsMatch(t, []audit.Kind{audit.MissedInDraft, audit.ContradictedByImage, audit.HedgedInDraft, audit.UnsupportedByImage}, gotKinds)
	assert.Positive(t, agreeNormal, "full agreement on a normal study")
	assert.Positive(t, agreeAbnormal, "full agreement on an abnormal study")
	assert.GreaterOrEqual(t, urgent, 2)
	assert.Positive(t, salvagedUrgent, "a truncated output salvaged with its urgent label")
	assert.Positive(t, errs, "a failed parse")
	assert.Positive(t, thinking)
	assert.Positive(t, hostile)
	assert.Positive(t, mono1)
	for _, f := range []string{"png8", "png16", "jpeg", "dicom"} {
		assert.True(t, formats[f], f)
	}
	assert.True(t, slices.ContainsFunc(outs, func(o outcome) bool { return o.err != nil }))
}

func BenchmarkNewServerDemo(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		srv, err := replay.NewServer(ctx, demoWorklist, demoRecording, replay.Options{})
		if err != nil {
			b.Fatal(err)
		}
		srv.Close()
	}
}
