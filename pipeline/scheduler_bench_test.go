package pipeline

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Benchmark setting of the task: grounding 40 ms, draft 20 ms, capacity 1
// per model per host, 64 items (synthetic 64x48 PNGs, so decoding is
// negligible). The store lives on tmpfs when available (see openStore).
const (
	benchItems     = 64
	benchGround    = 40 * time.Millisecond
	benchDraft     = 20 * time.Millisecond
	benchBound     = benchItems * benchGround                // the grounding slot is the bottleneck
	benchSeqDesign = benchItems * (benchGround + benchDraft) // stages one after the other, one item at a time
)

func benchRun(b *testing.B, hosts int) {
	var runners []stageRunner
	var walls busyMeter
	for range hosts {
		srv := schedServer(b, testModels(benchGround, benchDraft, 1, "")...)
		runners = append(runners, walls.wrap(schedHost(b, srv.URL(), schedOptions())))
	}
	benchScheduler(b, runners, walls.take)
}

// busyMeter sums the wall time of the grounding calls per host, to tell
// the scheduler's overhead from the test server's: x_busy is the run's wall
// time over the busiest host's grounding time (1.0 = that slot never idled).
type busyMeter struct {
	mu   sync.Mutex
	busy map[string]time.Duration
}

type meteredRunner struct {
	stageRunner
	m *busyMeter
}

func (m *busyMeter) wrap(r stageRunner) stageRunner { return meteredRunner{r, m} }

func (r meteredRunner) GroundWith(ctx context.Context, model string, opt ollama.Options, png []byte) (audit.StageRecord, error) {
	start := time.Now()
	rec, err := r.stageRunner.GroundWith(ctx, model, opt, png)
	r.m.mu.Lock()
	if r.m.busy == nil {
		r.m.busy = map[string]time.Duration{}
	}
	r.m.busy[r.URL()] += time.Since(start)
	r.m.mu.Unlock()
	return rec, err
}

// take returns the busiest host's grounding time and resets the meter.
func (m *busyMeter) take() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	var most time.Duration
	for _, d := range m.busy {
		most = max(most, d)
	}
	m.busy = nil
	return most
}

// BenchmarkSchedulerOneHost: 64 items on one host. x_bound is the wall
// time over the bottleneck bound (64 x 40 ms); speedup is over the
// sequential design (64 x 60 ms).
func BenchmarkSchedulerOneHost(b *testing.B) { benchRun(b, 1) }

// BenchmarkSchedulerTwoHosts: the same on two hosts; the bound and the
// sequential design are halved (each host gets half the items).
func BenchmarkSchedulerTwoHosts(b *testing.B) { benchRun(b, 2) }

// BenchmarkSchedulerCachedRerun: all 64 items again with everything in the
// store; reports the time per item.
func BenchmarkSchedulerCachedRerun(b *testing.B) {
	dir := b.TempDir()
	items := makeItems(b, dir, benchItems)
	srv := schedServer(b, testModels(0, 0, 1, "")...)
	host := schedHost(b, srv.URL(), schedOptions())
	st := openStore(b, dir)
	s, err := NewScheduler(baseConfig(st, host))
	if err != nil {
		b.Fatal(err)
	}
	if err := s.RunAll(context.Background(), items, nil); err != nil {
		b.Fatal(err)
	}
	served := srv.Stats(groundModel).Served
	var total time.Duration
	for b.Loop() {
		s, err := NewScheduler(baseConfig(st, host))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		cached := 0
		err = s.RunAll(context.Background(), items, func(u audit.Update) {
			if u.Result != nil && u.Result.Cached {
				cached++
			}
		})
		total += time.Since(start)
		if err != nil || cached != benchItems {
			b.Fatalf("err %v, %d cached", err, cached)
		}
	}
	if srv.Stats(groundModel).Served != served {
		b.Fatal("a cached rerun called the model")
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/benchItems/1000, "ms/item")
}

// sleepRunner is a stageRunner whose calls take exactly their latency
// (one timer, no streaming), so the benchmark measures the scheduler alone.
// It records the most calls in flight per model.
type sleepRunner struct {
	url                 string
	groundLat, draftLat time.Duration
	mu                  sync.Mutex
	inFlight            map[string]int
	maxInFlight         map[string]int
}

func newSleepRunner(url string, ground, draft time.Duration) *sleepRunner {
	return &sleepRunner{url: url, groundLat: ground, draftLat: draft, inFlight: map[string]int{}, maxInFlight: map[string]int{}}
}

func (r *sleepRunner) URL() string             { return r.url }
func (r *sleepRunner) Options() ollama.Options { return ollama.DefaultOptions() }
func (r *sleepRunner) ModelInfo(_ context.Context, model string) (ollama.ModelInfo, error) {
	return ollama.ModelInfo{Name: model + ":latest", Digest: HashDraft(model), Capabilities: []string{"completion", "vision"}}, nil
}

func (r *sleepRunner) Models(context.Context) ([]string, error) { return nil, nil }

func (r *sleepRunner) wait(ctx context.Context, model string, d time.Duration) error {
	r.mu.Lock()
	r.inFlight[model]++
	r.maxInFlight[model] = max(r.maxInFlight[model], r.inFlight[model])
	r.mu.Unlock()
	defer func() { r.mu.Lock(); r.inFlight[model]--; r.mu.Unlock() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ollama.ErrCanceled, ctx.Err())
	case <-t.C:
		return nil
	}
}

func (r *sleepRunner) GroundWith(ctx context.Context, model string, _ ollama.Options, _ []byte) (audit.StageRecord, error) {
	rec := audit.StageRecord{Stage: audit.StageGrounding, Raw: groundReply, Done: true, DoneReason: "stop"}
	if err := r.wait(ctx, model, r.groundLat); err != nil {
		rec.Error = err.Error()
		return rec, err
	}
	rec.Findings, rec.Diagnostics, _ = schema.ExtractFindings(groundReply)
	return rec, nil
}

func (r *sleepRunner) ParseDraftWith(ctx context.Context, model string, _ ollama.Options, _ string, _ bool) (audit.StageRecord, error) {
	rec := audit.StageRecord{Stage: audit.StageDraft, Raw: draftReply, Done: true, DoneReason: "stop"}
	if err := r.wait(ctx, model, r.draftLat); err != nil {
		rec.Error = err.Error()
		return rec, err
	}
	rec.Labels, rec.Diagnostics, _ = schema.ExtractDraftLabels(draftReply)
	return rec, nil
}

// benchScheduler runs the 64 items on the given runners with a fresh store
// per iteration and reports the wall time against the bound.
func benchScheduler(b *testing.B, runners []stageRunner, busy func() time.Duration) {
	dir := b.TempDir()
	items := makeItems(b, dir, benchItems)
	hosts := time.Duration(len(runners))
	bound := benchBound / hosts
	var total, busyTotal time.Duration
	for b.Loop() {
		b.StopTimer()
		st := openStore(b, dir) // fresh store: nothing cached
		s, err := newScheduler(baseConfig(st), runners)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		failed := 0
		var slowest time.Duration
		err = s.RunAll(context.Background(), items, func(u audit.Update) {
			if u.Result != nil && u.Result.Status != audit.StatusDone {
				failed++
			}
		})
		total += time.Since(start)
		if busy != nil {
			slowest = busy()
		}
		busyTotal += slowest
		if err != nil || failed > 0 {
			b.Fatalf("err %v, %d failed", err, failed)
		}
	}
	wall := total / time.Duration(b.N)
	b.ReportMetric(wall.Seconds(), "s/run")
	b.ReportMetric(float64(wall)/float64(bound), "x_bound")
	b.ReportMetric(float64(benchSeqDesign/hosts)/float64(wall), "speedup")
	if busyTotal > 0 {
		b.ReportMetric(float64(total)/float64(busyTotal), "x_busy")
	}
}

// BenchmarkSchedulerExactOneHost and ...TwoHosts: the same as the
// ollamatest benchmarks with calls that take exactly 40 ms and 20 ms, so
// x_bound shows the scheduler's own overhead.
func BenchmarkSchedulerExactOneHost(b *testing.B) {
	var m busyMeter
	benchScheduler(b, []stageRunner{m.wrap(newSleepRunner("fake://a", benchGround, benchDraft))}, m.take)
}

func BenchmarkSchedulerExactTwoHosts(b *testing.B) {
	var m busyMeter
	benchScheduler(b, []stageRunner{
		m.wrap(newSleepRunner("fake://a", benchGround, benchDraft)),
		m.wrap(newSleepRunner("fake://b", benchGround, benchDraft)),
	}, m.take)
}
