package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// scaleRows is the size of the store BenchmarkOpenStore opens: 100,000
// items, or CXR_TUI_BENCH_ROWS (the target is a million; docs/performance.md).
func scaleRows(tb testing.TB) int {
	n := 100_000
	if s := os.Getenv("CXR_TUI_BENCH_ROWS"); s != "" {
		v, err := strconv.Atoi(s)
		require.NoError(tb, err, "CXR_TUI_BENCH_ROWS")
		n = v
	}
	return n
}

// scaleItem is item i of a synthetic batch run, as the instant fake Ollama
// leaves it: a pneumothorax the draft denies (urgent, one disagreement)
// on every third item, agreement on the others.
func scaleItem(i int) (audit.Item, store.Outcome) {
	id := fmt.Sprintf("item-%07d", i)
	box := schema.Box{Y0: 0.1, X0: 0.2, Y1: 0.4, X1: 0.5}
	g := audit.StageRecord{Key: "g-" + id, Stage: audit.StageGrounding, ItemID: id, Model: "medgemma-fake", Done: true, DoneReason: "stop",
		Raw: `[{"box_2d": [100, 200, 400, 500], "label": "pneumothorax"}]`, CreatedAt: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	d := audit.StageRecord{Key: "d-" + id, Stage: audit.StageDraft, ItemID: id, Model: "medgemma-fake", Done: true, DoneReason: "stop",
		Raw: `{"labels": []}`, CreatedAt: g.CreatedAt}
	if i%3 == 0 {
		g.Findings = []schema.Finding{{Label: schema.Pneumothorax, Box: &box}}
		d.Labels = []schema.DraftLabel{{Label: schema.Pneumothorax, Status: schema.StatusAbsent, Span: "No pneumothorax"}}
	}
	rep := compare.Compare(g.Findings, d.Labels, schema.DefaultUrgent())
	it := audit.Item{ID: id, ImagePath: "images/phantom.png", Draft: "No pneumothorax."}
	return it, store.Outcome{Stages: []audit.StageRecord{g, d}, Result: audit.ResultRecord{ItemID: id, GroundingKey: g.Key, DraftKey: d.Key, Report: &rep}}
}

// scaleStore opens a store holding n items' results, filled in
// transactions of 10,000 (kept in CXR_BENCH_DIR across runs when set: the
// fill of a million takes minutes).
func scaleStore(b *testing.B, n int) (*store.Store, []audit.Item) {
	b.Helper()
	ctx := context.Background()
	items := make([]audit.Item, n)
	for i := range items {
		items[i], _ = scaleItem(i)
	}
	dir := os.Getenv("CXR_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("tui-scale-%d.cxr.db", n))
	if _, err := os.Stat(path); err != nil {
		st, err := store.Open(ctx, path)
		require.NoError(b, err)
		for start := 0; start < n; start += 10_000 {
			var recs []audit.ItemRecord
			var outs []store.Outcome
			for i := start; i < min(n, start+10_000); i++ {
				it, o := scaleItem(i)
				recs = append(recs, audit.ItemRecord{ID: it.ID, Image: it.ImagePath, Draft: it.Draft, Seq: i})
				outs = append(outs, o)
			}
			require.NoError(b, st.PutItems(ctx, recs))
			for _, err := range st.PutOutcomes(ctx, outs) {
				require.NoError(b, err)
			}
		}
		require.NoError(b, st.Close())
	}
	st, err := store.Open(ctx, path, store.ReadOnly())
	require.NoError(b, err)
	b.Cleanup(func() { st.Close() })
	return st, items
}

// BenchmarkOpenStore opens the workstation on a worklist whose results
// are all in a real SQLite store (the first frame's target is in
// docs/performance.md): "first_frame" is New and the first View (the
// worklist, before the store answers); "first_statuses" the frame after
// the first chunk of summaries (the top of the worklist with its
// statuses); "session_loaded" adds the whole
// streaming query of result summaries and verdicts and the frame that
// shows them; "full_results" is what the workstation loaded before (every
// report decoded, store.Results), for comparison.
func BenchmarkOpenStore(b *testing.B) {
	n := scaleRows(b)
	st, items := scaleStore(b, n)
	ctx := context.Background()
	cfg := Config{Items: items, Store: st, Annotator: "tester", Urgent: schema.DefaultUrgent()}
	b.Run(fmt.Sprintf("first_frame/%d", n), func(b *testing.B) {
		for b.Loop() {
			m := New(ctx, cfg)
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
			if !strings.Contains(m.View().Content, "item-0000000") {
				b.Fatal("no worklist in the first frame")
			}
		}
	})
	b.Run(fmt.Sprintf("first_statuses/%d", n), func(b *testing.B) {
		for b.Loop() {
			m := New(ctx, cfg)
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
			_ = m.View()
			cmd := loadSession(ctx, st, m.data.finder(), "tester", false)
			for range 2 { // the verdicts, then the first chunk of summaries
				_, cmd = m.Update(cmd())
			}
			if !strings.Contains(m.View().Content, "✓ item-0000000") {
				b.Fatalf("no status in the frame after the first chunk")
			}
			b.StopTimer()
			loadAll(m, cmd) // read to the end: the goroutine finishes
			b.StartTimer()
		}
	})
	b.Run(fmt.Sprintf("session_loaded/%d", n), func(b *testing.B) {
		for b.Loop() {
			m := New(ctx, cfg)
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
			_ = m.View()
			loadAll(m, loadSession(ctx, st, m.data.finder(), "tester", false))
			v := m.View().Content
			if !m.Loaded() || !strings.Contains(v, "cached results") {
				b.Fatalf("session not loaded: %s", m.msg.text)
			}
		}
	})
	b.Run(fmt.Sprintf("full_results/%d", n), func(b *testing.B) {
		for b.Loop() {
			all, err := st.Results(ctx)
			require.NoError(b, err)
			require.Len(b, all, n)
		}
	})
}
