package tui

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// withTruth gives every item of f a synthetic truth: its model findings
// with boxes shifted a little, and on every third item a nodule the model
// missed.
func withTruth(f *fixture) {
	nod := box(0.3, 0.6, 0.38, 0.68)
	for i := range f.items {
		res := resultFor(f.items[i].ID, i)
		var truth []schema.Finding
		for _, fd := range res.Findings {
			if fd.Box != nil {
				b := *fd.Box
				b.Y0, b.Y1 = b.Y0+0.02, b.Y1+0.02
				fd.Box = &b
			}
			truth = append(truth, fd)
		}
		if i%3 == 0 {
			truth = append(truth, schema.Finding{Label: schema.NoduleMass, Box: &nod})
		}
		f.items[i].Truth, f.items[i].HasTruth = truth, true
	}
}

// BenchmarkTruthNextItem measures a key press to the next item's whole
// frame in the truth view: its rows against the truth, both sets of boxes
// drawn (sixel bytes written out of band, or half-blocks), the worklist's
// counts and View.
func BenchmarkTruthNextItem(b *testing.B) {
	for _, p := range []render.Protocol{render.ProtocolSixel, render.ProtocolBlocks} {
		b.Run(string(p), func(b *testing.B) {
			f := demoLike(600)
			withTruth(f)
			h := newHarness(b, renderConfig(b, f, p), 200, 60)
			h.key("t")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if h.m.nav.cur == len(h.m.data.items)-1 {
					b.StopTimer()
					h.key("g")
					b.StartTimer()
				}
				h.key("j")
				_ = h.m.View()
				if h.m.img.picFor != h.m.CurrentID() {
					b.Fatalf("no picture for %s: %v", h.m.CurrentID(), h.m.img.err)
				}
			}
		})
	}
}

// BenchmarkTruthToggle measures t to the whole frame: the pane swapped
// and the picture drawn again with (or without) the truth's boxes.
func BenchmarkTruthToggle(b *testing.B) {
	for _, p := range []render.Protocol{render.ProtocolSixel, render.ProtocolBlocks} {
		b.Run(string(p), func(b *testing.B) {
			f := demoLike(60)
			withTruth(f)
			h := newHarness(b, renderConfig(b, f, p), 200, 60)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				h.key("t")
				_ = h.m.View()
			}
		})
	}
}

// BenchmarkMetricsPane100k measures the metrics pane at 100,000 items
// with truth and findings: "open" builds its figures (2,000 resamples),
// "result" is one result arriving while it is open, to the frame.
func BenchmarkMetricsPane100k(b *testing.B) {
	const n = 100_000
	f := newFixture(n, 0)
	withTruth(f)
	f.engine.done()
	cfg := f.config()
	cfg.Imager = nil
	h := newHarness(b, cfg, 160, 50)
	results := make([]*audit.Result, n)
	for i := range h.m.data.rows.len() {
		results[i] = resultFor(f.items[i].ID, i)
		r := h.m.data.rows.at(i)
		r.result, r.report = results[i], results[i].Report
		h.m.data.setStatus(i, audit.StatusDone)
	}
	b.Run("open", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			h.m.metrics.live = nil
			h.key("M")
			_ = h.m.View()
			require.Equal(b, n, h.m.metrics.live.Len())
			h.key("M")
		}
	})
	b.Run("result", func(b *testing.B) {
		h.key("M")
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			k := i % n
			res := resultFor(f.items[k].ID, k+1) // another result for the item
			h.send(engineUpdatedMsg{auditUpdate(f.items[k].ID, res)})
			_ = h.m.View()
		}
		b.StopTimer()
		require.Equal(b, n, h.m.metrics.live.Len())
		require.Contains(b, h.m.metrics.text, "urgent recall")
	})
}
