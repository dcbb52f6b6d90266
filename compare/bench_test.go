package compare

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// benchItems is a synthetic eval set: about a third of the items have a
// finding, with a box; the prediction finds most, misses some, adds some,
// and moves its boxes a little.
func benchItems(n int) []EvalItem {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	labels := schema.PositiveLabels()
	jitter := func(b schema.Box) *schema.Box {
		d := func() float64 { return (r.Float64() - 0.5) * 0.1 }
		nb := schema.Box{Y0: b.Y0 + d(), X0: b.X0 + d(), Y1: b.Y1 + d(), X1: b.X1 + d()}
		if !nb.Valid() {
			nb = b
		}
		return &nb
	}
	items := make([]EvalItem, n)
	for i := range items {
		it := EvalItem{ID: fmt.Sprintf("bench-%07d", i)}
		for range r.IntN(3) {
			if r.IntN(2) == 0 {
				continue
			}
			b := schema.Box{Y0: 0.1 + 0.5*r.Float64(), X0: 0.1 + 0.5*r.Float64()}
			b.Y1, b.X1 = b.Y0+0.1+0.2*r.Float64(), b.X0+0.1+0.2*r.Float64()
			l := labels[r.IntN(len(labels))]
			it.Truth = append(it.Truth, schema.Finding{Label: l, Box: &b})
			if r.IntN(5) > 0 {
				it.Pred = append(it.Pred, schema.Finding{Label: l, Box: jitter(b)})
			}
		}
		if r.IntN(10) == 0 {
			it.Pred = append(it.Pred, schema.Finding{Label: labels[r.IntN(len(labels))]})
		}
		it.ParseFailed = r.IntN(100) == 0
		items[i] = it
	}
	return items
}

// cpuTime is the process's user and system time so far: on a shared
// machine the CPU time of a one-core loop is steadier than its wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU seconds per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkEvaluate is eval's statistics at scale: 2,000 resamples, one
// core (GOMAXPROCS 1), scores built beforehand (BenchmarkScoreItems10k
// measures that step).
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("%dk/2000resamples/1core", n/1000), func(b *testing.B) {
			if n > 100_000 && testing.Short() {
				b.Skip("1M items in -short mode")
			}
			s, err := ScoreItems(benchItems(n), ProtocolItem)
			if err != nil {
				b.Fatal(err)
			}
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			opts := Options{Urgent: schema.DefaultUrgent(), Bootstrap: DefaultBootstrap()}
			b.ResetTimer()
			start := cpuTime()
			for b.Loop() {
				if _, err := Evaluate(context.Background(), s, opts); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}

// BenchmarkCompareRuns is two runs of 100k items, paired.
func BenchmarkCompareRuns100k(b *testing.B) {
	items := benchItems(100_000)
	a, err := ScoreItems(items, ProtocolItem)
	if err != nil {
		b.Fatal(err)
	}
	for i := range items {
		if i%7 == 0 {
			items[i].Pred = nil
		}
	}
	c, err := ScoreItems(items, ProtocolItem)
	if err != nil {
		b.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	opts := Options{Urgent: schema.DefaultUrgent(), Bootstrap: DefaultBootstrap()}
	b.ResetTimer()
	start := cpuTime()
	for b.Loop() {
		if _, err := CompareRuns(context.Background(), []NamedScores{{"a", a}, {"b", c}}, opts); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkLiveUpdate100k is the metrics pane's cost when one item of a
// 100k-item worklist changes: Put, then Report (2,000 resamples).
func BenchmarkLiveUpdate100k(b *testing.B) {
	items := benchItems(100_000)
	live, err := NewLive(context.Background(), items, Options{Urgent: schema.DefaultUrgent(), Bootstrap: DefaultBootstrap()})
	if err != nil {
		b.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	i := 0
	b.ResetTimer()
	start := cpuTime()
	for b.Loop() {
		it := items[i%len(items)]
		it.Truth, it.Pred = it.Pred, it.Truth // a correction
		if err := live.Put(it); err != nil {
			b.Fatal(err)
		}
		_ = live.Report()
		i++
	}
	reportCPU(b, start)
}

// BenchmarkCardProtocol is the card's harness on sets of its size and
// larger (no intervals for its pooled localization; presence resamples
// as the item protocol's).
func BenchmarkCardProtocol(b *testing.B) {
	for _, n := range []int{273, 10_000} {
		b.Run(fmt.Sprintf("%ditems", n), func(b *testing.B) {
			s, err := ScoreItems(benchItems(n), ProtocolCard)
			if err != nil {
				b.Fatal(err)
			}
			opts := Options{Protocol: ProtocolCard, Urgent: schema.DefaultUrgent(), Bootstrap: DefaultBootstrap()}
			for b.Loop() {
				if _, err := Evaluate(context.Background(), s, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLiveOpen100k is the metrics pane's first computation over a
// 100k-item worklist (every core; the workstation does it off the UI
// goroutine).
func BenchmarkLiveOpen100k(b *testing.B) {
	items := benchItems(100_000)
	opts := Options{Urgent: schema.DefaultUrgent(), Bootstrap: DefaultBootstrap()}
	start := cpuTime()
	for b.Loop() {
		if _, err := NewLive(context.Background(), items, opts); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}
