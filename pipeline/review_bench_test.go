package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// The review loop of issue 11 (Build 5) at realistic latencies: grounding
// 3 s, draft 6 s with thinking, a reviewer who spends 8 s on each item.
// Every duration is divided by reviewScale so that a run of reviewItems
// takes seconds, not minutes; the waits are reported multiplied back, in
// real seconds. Scaling is pessimistic for the scheduler: its own costs
// (HTTP to the fake, decoding, one durable commit per result, wakeups)
// are not scaled, so they weigh reviewScale times more than they would.
const (
	reviewScale  = 20
	reviewItems  = 12
	reviewGround = 3 * time.Second
	reviewDraft  = 6 * time.Second
	reviewerTime = 8 * time.Second
)

// BenchmarkReviewerWait plays the review workstation's loop against the
// scheduler as `review` wires it (Register, then Focus on the current item
// with the Config.Prefetch ids after it, the default prefetch; a store on
// disk with one commit per result; the fake Ollama over HTTP, the draft
// model thinking before it answers). The reviewer opens item 1, waits for
// it, reads it for 8 s, moves on, and so on. wait_s is the reviewer's
// total wait after item 1 (target: zero), max_wait_s the longest single
// wait, first_s the wait for item 1 (nothing can be ahead of it: about
// the draft's 6 s).
func BenchmarkReviewerWait(b *testing.B) {
	if testing.Short() {
		b.Skip("about 5 s a run")
	}
	items := phantomItems(b, b.TempDir(), reviewItems)
	for _, hosts := range []int{1, 2} {
		b.Run(fmt.Sprintf("hosts=%d", hosts), func(b *testing.B) {
			var first, total, most time.Duration
			for b.Loop() {
				w := reviewOnce(b, items, hosts, 0)
				first += w[0]
				for _, d := range w[1:] {
					total += d
					most = max(most, d)
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(total*reviewScale)/n/float64(time.Second), "wait_s")
			b.ReportMetric(float64(most*reviewScale)/float64(time.Second), "max_wait_s")
			b.ReportMetric(float64(first*reviewScale)/n/float64(time.Second), "first_s")
		})
	}
}

// reviewOnce reviews items one after another and returns how long the
// reviewer waited for each (scaled time); prefetch 0 is the default.
func reviewOnce(b *testing.B, items []audit.Item, hosts, prefetch int) []time.Duration {
	b.StopTimer()
	thinking := ollamatest.Model{Name: draftModel, Capabilities: []string{"completion", "thinking"},
		Latency: reviewDraft / reviewScale, Capacity: 1,
		Respond: func(*api.ChatRequest) ollamatest.Reply {
			return ollamatest.Reply{Content: draftReply, Thinking: "The draft says no pneumothorax; no other finding is named."}
		}}
	models := testModels(reviewGround/reviewScale, 0, 1, "")
	models[1] = thinking
	var hs []*ollama.Host
	for range hosts {
		hs = append(hs, schedHost(b, schedServer(b, models...).URL(), schedOptions()))
	}
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "review.cxr.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cfg := baseConfig(st, hs...)
	cfg.Prefetch = prefetch
	s, err := NewScheduler(cfg)
	if err != nil {
		b.Fatal(err)
	}
	s.Register(items)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = s.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	// done[id] is closed when the item's Result arrives.
	done := map[string]chan struct{}{}
	for _, it := range items {
		done[it.ID] = make(chan struct{})
	}
	wg.Go(func() {
		for u := range s.Updates() {
			if u.Result == nil {
				continue
			}
			if u.Result.Status != audit.StatusDone {
				b.Errorf("%s: %s", u.ItemID, u.Result.Err)
			}
			if ch := done[u.ItemID]; ch != nil {
				select {
				case <-ch:
				default:
					close(ch)
				}
			}
		}
	})
	ahead := s.cfg.Prefetch
	waits := make([]time.Duration, len(items))
	b.StartTimer()
	for i, it := range items {
		moved := time.Now()
		var next []string
		for _, a := range items[i+1 : min(len(items), i+1+ahead)] {
			next = append(next, a.ID)
		}
		s.Focus(it.ID, next)
		select {
		case <-done[it.ID]:
			// Ready when the reviewer came to it: no wait. (Its result is
			// then read from the store, as the workstation does, in about
			// a millisecond.)
		default:
			<-done[it.ID]
			waits[i] = time.Since(moved)
		}
		if i+1 < len(items) {
			time.Sleep(reviewerTime / reviewScale)
		}
	}
	return waits
}
