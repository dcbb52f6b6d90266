package tui

import (
	"context"
	"image"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/render"
)

// The benchmarks use the synthetic phantoms (drawn by code, not patients)
// and results held in memory by the fakes, like a demo with every result
// cached.

var phantoms = []string{
	"phantom-normal.png", "phantom-effusion-16bit.png", "phantom-nodule.jpg",
	"phantom-cardiomegaly-landscape.png", "phantom-ptx-mono1.dcm", "phantom-consolidation-signed.dcm",
}

// demoLike returns n items cycling through the phantoms, all cached.
func demoLike(n int) *fixture {
	f := newFixture(n, n)
	for i := range f.items {
		f.items[i].ImagePath = filepath.Join("..", "testdata", "phantoms", phantoms[i%len(phantoms)])
	}
	f.engine.done()
	return f
}

// renderConfig wires the real render encoder for protocol p, capped at
// 1024 px wide (a 200x60 terminal of 10x20 px cells gives the image pane
// 104 columns, 1040 px).
func renderConfig(tb testing.TB, f *fixture, p render.Protocol) Config {
	enc, err := render.NewEncoder(p, render.Caps{CellW: 10, CellH: 20, ColorRegisters: 256, TrueColor: true})
	require.NoError(tb, err)
	cfg := f.config()
	cfg.Imager = NewRenderImager(enc, 4, 1024)
	return cfg
}

// BenchmarkNextItem measures a key press to the next item's complete
// frame: Update, the cached result's lookup, the image decode and encode
// (sixel: the bytes written out of band), and View.
func BenchmarkNextItem(b *testing.B) {
	for _, p := range []render.Protocol{render.ProtocolSixel, render.ProtocolBlocks, render.ProtocolText} {
		b.Run(string(p), func(b *testing.B) {
			f := demoLike(600)
			h := newHarness(b, renderConfig(b, f, p), 200, 60)
			require.NotNil(b, h.m.img.pic)
			var rawBytes, viewBytes int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if h.m.nav.cur == len(h.m.data.items)-1 {
					b.StopTimer()
					h.key("g")
					b.StartTimer()
				}
				n := len(h.raws)
				h.key("j")
				viewBytes += len(h.m.View().Content)
				for _, r := range h.raws[n:] {
					rawBytes += len(r)
				}
				if h.m.img.picFor != h.m.CurrentID() {
					b.Fatalf("no picture for %s: %v", h.m.CurrentID(), h.m.img.err)
				}
			}
			b.ReportMetric(float64(rawBytes)/float64(b.N), "raw-bytes/op")
			b.ReportMetric(float64(viewBytes)/float64(b.N), "view-bytes/op")
		})
	}
}

// BenchmarkOpen measures opening a 100,000-item worklist to the first
// frame: New, the first WindowSizeMsg and View ("first frame"); and with
// the one query of 100,000 cached results applied ("with results").
func BenchmarkOpen(b *testing.B) {
	const n = 100_000
	f := newFixture(n, 0)
	f.engine.done()
	for i, it := range f.items {
		f.store.results[it.ID] = storeResultOf(resultFor(it.ID, i))
	}
	cfg := f.config()
	cfg.Imager = nil
	ctx := context.Background()
	b.Run("first_frame", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			m := New(ctx, cfg)
			_ = m.Init()
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
			if !strings.Contains(m.View().Content, "case-0001") {
				b.Fatal("no worklist in the first frame")
			}
		}
	})
	b.Run("with_results", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			m := New(ctx, cfg)
			_ = m.Init()
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
			loadAll(m, loadSession(ctx, f.store, m.data.finder(), "tester", false))
			_ = m.View()
			if !m.Loaded() {
				b.Fatal("session not loaded")
			}
		}
	})
}

// BenchmarkPaging pages through 1,000 items with real images (blocks) and
// reports the peak live heap seen while paging: it must stay flat, not
// grow with the items seen.
func BenchmarkPaging(b *testing.B) {
	for i := 0; i < b.N; i++ {
		f := demoLike(1000)
		h := newHarness(b, renderConfig(b, f, render.ProtocolBlocks), 200, 60)
		var ms runtime.MemStats
		peak := uint64(0)
		var at100 uint64
		for k := 0; k < 999; k++ {
			h.key("j")
			if k%100 == 99 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
				if k == 99 {
					at100 = ms.HeapAlloc
				}
			}
		}
		require.Equal(b, "case-1000", h.m.CurrentID())
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(at100)/(1<<20), "heap-after-100-MiB")
	}
}

// TestPagingMemoryBounded: the live heap after paging through 1,000 items
// is not much more than after 100: the model keeps no picture of items left
// behind. (The text protocol keeps it fast; BenchmarkPaging measures the
// same with decoded images.)
func TestPagingMemoryBounded(t *testing.T) {
	f := demoLike(1000)
	h := newHarness(t, renderConfig(t, f, render.ProtocolText), 160, 50)
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for k := 0; k < 100; k++ {
		h.key("j")
	}
	at100 := heap()
	for k := 100; k < 999; k++ {
		h.key("j")
	}
	at1000 := heap()
	// Each visited item keeps its full result (findings, raw outputs: a few
	// KiB in this fixture); 900 more items may add that much, not images.
	require.Less(t, at1000, at100+8<<20, "heap grew from %d to %d bytes", at100, at1000)
}

// BenchmarkView measures drawing one frame (View: the panes' text and the
// composition on the lipgloss canvas) at 200x60, with the image pane full
// of half-blocks (the heaviest view: a styled cell per pixel pair) and
// with text.
func BenchmarkView(b *testing.B) {
	for _, p := range []render.Protocol{render.ProtocolBlocks, render.ProtocolText} {
		b.Run(string(p), func(b *testing.B) {
			f := demoLike(20)
			h := newHarness(b, renderConfig(b, f, p), 200, 60)
			require.NotNil(b, h.m.img.pic)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = h.m.View()
			}
		})
	}
}

// composeCanvas composes blocks on a lipgloss Canvas, the library's way:
// the alternative compose.go measures itself against.
func composeCanvas(width, height int, blocks []block) string {
	c := lipgloss.NewCanvas(width, height)
	for _, b := range blocks {
		lipgloss.NewLayer(strings.Join(b.lines, "\n")).Draw(c, image.Rect(b.r.X, b.r.Y, b.r.X+b.r.W, b.r.Y+b.r.H))
	}
	return c.Render()
}

// BenchmarkCompose composes the same 200x60 screen (a half-block picture
// in the image pane, and text) with compose and on a lipgloss Canvas.
func BenchmarkCompose(b *testing.B) {
	for _, p := range []render.Protocol{render.ProtocolBlocks, render.ProtocolText} {
		f := demoLike(20)
		h := newHarness(b, renderConfig(b, f, p), 200, 60)
		blocks := h.m.screenBlocks()
		b.Run(string(p)+"/ours", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_ = compose(200, 60, blocks)
			}
		})
		b.Run(string(p)+"/lipgloss_canvas", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_ = composeCanvas(200, 60, blocks)
			}
		})
	}
}

// TestComposeMatchesCanvas: compose and a lipgloss Canvas draw the same
// screen, cell for cell (so BenchmarkCompose compares like with like).
func TestComposeMatchesCanvas(t *testing.T) {
	f := demoLike(6)
	h := newHarness(t, renderConfig(t, f, render.ProtocolBlocks), 120, 40)
	blocks := h.m.screenBlocks()
	trim := func(s string) string {
		lines := strings.Split(stripANSI(s), "\n")
		for i := range lines {
			lines[i] = strings.TrimRight(lines[i], " ")
		}
		return strings.Join(lines, "\n")
	}
	require.Equal(t, trim(compose(120, 40, blocks)), trim(composeCanvas(120, 40, blocks)))
}

// longDraft is a long synthetic draft (about 1,300 bytes).
var longDraft = strings.Repeat("Small left pleural effusion with adjacent atelectasis. No pneumothorax. ", 18)

// BenchmarkDraftWrap wraps a long draft with its spans marked, as the
// draft pane does on every frame.
func BenchmarkDraftWrap(b *testing.B) {
	marks := highlight(longDraft, []string{"pleural effusion"}, []string{"No pneumothorax"})
	for i := 0; i < b.N; i++ {
		_ = wrapMarked(longDraft, marks, 60)
	}
}

// BenchmarkZoomStep measures a key press to the complete frame of the next
// zoom step on the same item: the picture drawn again from the cached
// full-resolution image, boxes following, for a 16-bit PNG and a
// MONOCHROME1 DICOM. Every step is a region not drawn before (zoom in five
// times, then pan): the encoder keeps recent pictures, and a step back to
// one of them would measure its cache, so the session is opened afresh
// (not timed) after each run of steps.
func BenchmarkZoomStep(b *testing.B) {
	steps := []string{"+", "+", "+", "+", "+", "L", "J", "H"}
	for _, p := range []render.Protocol{render.ProtocolSixel, render.ProtocolBlocks} {
		for _, first := range []int{1, 4} { // phantom-effusion-16bit.png, phantom-ptx-mono1.dcm
			name := strings.TrimSuffix(phantoms[first], filepath.Ext(phantoms[first]))
			b.Run(string(p)+"/"+name, func(b *testing.B) {
				var h *harness
				open := func() {
					h = newHarness(b, renderConfig(b, demoLike(6), p), 200, 60)
					for h.m.nav.cur != first {
						h.key("j")
					}
					require.NotNil(b, h.m.img.pic)
				}
				open()
				var rawBytes int
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if i > 0 && i%len(steps) == 0 {
						b.StopTimer()
						open()
						b.StartTimer()
					}
					before := h.m.img.pic.Key
					n := len(h.raws)
					h.key(steps[i%len(steps)])
					_ = h.m.View()
					for _, r := range h.raws[n:] {
						rawBytes += len(r)
					}
					if h.m.img.pic == nil || h.m.img.pic.Key == before {
						b.Fatalf("zoom step %d drew no new picture: %v", i, h.m.img.err)
					}
				}
				b.ReportMetric(float64(rawBytes)/float64(b.N), "raw-bytes/op")
			})
		}
	}
}
