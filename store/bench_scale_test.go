package store_test

// Benchmarks of the store at the scale of a large batch run, over
// synthetic data. The sizes are 10k and 100k items; set CXR_BENCH_1M=1 to
// add 1M (the fill alone takes minutes).

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

func scaleSizes() []int {
	sizes := []int{10_000, 100_000}
	if os.Getenv("CXR_BENCH_1M") != "" {
		sizes = append(sizes, 1_000_000)
	}
	return sizes
}

// runItem is item i of a synthetic run: what the fake Ollama's instant
// replies leave (one finding, two draft labels, one disagreement), with
// a verdict on every tenth item.
func runItem(i int) (audit.ItemRecord, []audit.StageRecord, audit.ResultRecord) {
	id := fmt.Sprintf("item-%07d", i)
	box := schema.Box{Y0: 0.1, X0: 0.2, Y1: 0.4, X1: 0.5}
	g := sampleStage("g-"+id, audit.StageGrounding)
	g.ItemID, g.Findings = id, []schema.Finding{{Label: schema.Pneumothorax, Box: &box}}
	g.Raw = `[{"box_2d": [100, 200, 400, 500], "label": "pneumothorax"}]`
	d := sampleStage("d-"+id, audit.StageDraft)
	d.ItemID = id
	d.Labels = []schema.DraftLabel{{Label: schema.Cardiomegaly, Status: schema.StatusPresent, Span: "Cardiomegaly"}}
	d.Raw = `{"labels": [{"label": "cardiomegaly", "status": "present", "span": "Cardiomegaly"}]}`
	rep := compare.Compare(g.Findings, d.Labels, nil)
	return audit.ItemRecord{ID: id, Image: "images/phantom.png", Draft: "Cardiomegaly. No pneumothorax.", Seq: i},
		[]audit.StageRecord{g, d},
		audit.ResultRecord{ItemID: id, GroundingKey: g.Key, DraftKey: d.Key, Report: &rep}
}

// scaleStore returns a store filled with n run items, built once per size
// and reused by every benchmark of the run.
var scaleStores = map[int]string{}

func scaleStore(b *testing.B, n int) *store.Store {
	b.Helper()
	ctx := context.Background()
	path, ok := scaleStores[n]
	if keep := os.Getenv("CXR_BENCH_DIR"); !ok && keep != "" {
		// A kept store (filled by an earlier run) saves minutes at 1M.
		path = filepath.Join(keep, fmt.Sprintf("scale-%d.cxr.db", n))
		if _, err := os.Stat(path); err == nil {
			ok = true
		}
	}
	if !ok {
		if path == "" {
			dir, err := os.MkdirTemp("", "cxr-bench-")
			require.NoError(b, err)
			path = filepath.Join(dir, "wl.cxr.db")
			scaleStores[n] = path
		}
		s, err := store.Open(ctx, path)
		require.NoError(b, err)
		store.FillRun(b, s, n, runItem)
		for i := 0; i < n; i += 10 {
			it, _, _ := runItem(i)
			_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: it.ID, DisagreementKey: "pneumothorax/missed_in_draft", Decision: audit.ImageRight, Annotator: "rad1"})
			require.NoError(b, err)
			if i > 20_000 {
				break // verdicts are typed one by one: a realistic store has few
			}
		}
		require.NoError(b, s.Close())
	}
	s, err := store.Open(ctx, path, store.ReadOnly())
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	return s
}

// TestMain removes the benchmark stores.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, p := range scaleStores {
		os.RemoveAll(filepath.Dir(p))
	}
	os.Exit(code)
}

// BenchmarkExport measures a streaming export of the whole store; rows/s
// counts items.
func BenchmarkExport(b *testing.B) {
	for _, n := range scaleSizes() {
		for _, format := range store.ExportFormats() {
			b.Run(fmt.Sprintf("%s/%d", format, n), func(b *testing.B) {
				s := scaleStore(b, n)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					require.NoError(b, s.Export(context.Background(), io.Discard, format))
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			})
		}
	}
}

// BenchmarkResultSummaries measures what the workstation loads at open for
// the worklist: one summary per item, no report decoded.
func BenchmarkResultSummaries(b *testing.B) {
	for _, n := range scaleSizes() {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := scaleStore(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				got := 0
				require.NoError(b, s.ResultSummaries(context.Background(), func(audit.ResultSummary) error { got++; return nil }))
				require.Equal(b, n, got)
			}
		})
	}
}

// BenchmarkResultsScale measures Results (every report decoded), the load
// the workstation does today, for comparison with ResultSummaries.
func BenchmarkResultsScale(b *testing.B) {
	for _, n := range scaleSizes() {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := scaleStore(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				all, err := s.Results(context.Background())
				require.NoError(b, err)
				require.Len(b, all, n)
			}
		})
	}
}

// BenchmarkAllVerdicts measures loading every current verdict (the other
// query the workstation makes at open).
func BenchmarkAllVerdicts(b *testing.B) {
	for _, n := range scaleSizes() {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := scaleStore(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_, err := s.AllVerdicts(context.Background(), "")
				require.NoError(b, err)
			}
		})
	}
}

// BenchmarkPutOutcome compares storing run outcomes one commit each with
// group commits through a Batcher (many writers, as the scheduler's
// finishing items are); ns/op is per item.
func BenchmarkPutOutcome(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) { benchPutOutcome(b, be) })
	}
}

func benchPutOutcome(b *testing.B, be backend) {
	ctx := context.Background()
	b.Run("commit each", func(b *testing.B) {
		s := be.open(b)
		i := 0
		for b.Loop() {
			_, stages, res := runItem(i)
			require.NoError(b, s.PutOutcome(ctx, stages, res))
			i++
		}
	})
	b.Run("batcher", func(b *testing.B) {
		s := be.open(b)
		bt := store.NewBatcher(s, store.BatchOptions{})
		defer bt.Close()
		done := make(chan error, 256)
		i, inflight := 0, 0
		for b.Loop() {
			_, stages, res := runItem(i)
			require.NoError(b, bt.Put(ctx, stages, res, func(err error) { done <- err }))
			i++
			inflight++
			for inflight >= 128 { // the scheduler bounds unwritten items too
				require.NoError(b, <-done)
				inflight--
			}
		}
		require.NoError(b, bt.Flush(ctx))
		for ; inflight > 0; inflight-- {
			require.NoError(b, <-done)
		}
	})
}
