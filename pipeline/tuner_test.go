package pipeline

import (
	"container/heap"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// simServer is a server that generates capacity calls at once, each for
// about service (±jitter), and queues the rest first come first served,
// as Ollama does with OLLAMA_NUM_PARALLEL; rtt is the client's own share
// of each call (network, encoding), outside the server's slots.
type simServer struct {
	capacity int
	service  time.Duration
	jitter   float64
	rtt      time.Duration
}

// simResult is what a simulated run of the tuner saw.
type simResult struct {
	final, highest int
	limits         []int // the limit after each call
	note           string
	calls          int
}

// timeHeap is a min-heap of instants.
type timeHeap []time.Time

func (h timeHeap) Len() int           { return len(h) }
func (h timeHeap) Less(i, j int) bool { return h[i].Before(h[j]) }
func (h timeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timeHeap) Push(x any)        { *h = append(*h, x.(time.Time)) }
func (h *timeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// call is one request in flight: when it was sent and when it ends.
type call struct{ sent, done time.Time }

// simulate runs calls calls through a tuner against srv on a fake clock;
// demand caps how many calls the client has ready at once (0: always
// enough).
func simulate(t *testing.T, srv simServer, calls, demand int, seed uint64) simResult {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	now := time.Unix(0, 0)
	tu := newTuner(MaxAutoCapacity, now)
	free := &timeHeap{} // when each server slot is next free
	for range srv.capacity {
		heap.Push(free, now)
	}
	var flying []call
	res := simResult{highest: 1}
	for res.calls < calls {
		for len(flying) < tu.limit && (demand == 0 || len(flying) < demand) {
			arrive := now.Add(srv.rtt / 2)
			slot := heap.Pop(free).(time.Time)
			start := arrive
			if slot.After(start) {
				start = slot
			}
			d := time.Duration(float64(srv.service) * (1 + srv.jitter*(2*rng.Float64()-1)))
			heap.Push(free, start.Add(d))
			flying = append(flying, call{sent: now, done: start.Add(d).Add(srv.rtt / 2)})
			tu.began(now)
		}
		first := 0
		for i, c := range flying {
			if c.done.Before(flying[first].done) {
				first = i
			}
		}
		c := flying[first]
		flying = append(flying[:first], flying[first+1:]...)
		now = c.done
		if note := tu.ended(now, c.done.Sub(c.sent)); note != "" {
			require.Empty(t, res.note, "a second choice was reported")
			res.note = note
		}
		res.calls++
		res.highest = max(res.highest, tu.limit)
		res.limits = append(res.limits, tu.limit)
	}
	res.final = tu.limit
	return res
}

// settledLimit is the limit held most of the time over the second half of
// the calls (probes come and go).
func settledLimit(limits []int) int {
	counts := map[int]int{}
	best := 0
	for _, l := range limits[len(limits)/2:] {
		counts[l]++
		if counts[l] > counts[best] {
			best = l
		}
	}
	return best
}

func TestTunerConvergesToServerCapacity(t *testing.T) {
	tests := []struct {
		name        string
		srv         simServer
		wantSettled int
		maxHighest  int
	}{
		{"one at a time (OLLAMA_NUM_PARALLEL=1)", simServer{capacity: 1, service: 100 * time.Millisecond, jitter: 0.3}, 1, 2},
		{"four", simServer{capacity: 4, service: 100 * time.Millisecond, jitter: 0.3}, 4, 8},
		{"eight", simServer{capacity: 8, service: 100 * time.Millisecond, jitter: 0.3}, 8, 16},
		{"three: between the doublings", simServer{capacity: 3, service: 100 * time.Millisecond, jitter: 0.3}, 3, 8},
		{"six", simServer{capacity: 6, service: 100 * time.Millisecond, jitter: 0.3}, 6, 16},
		{"four, slow calls and a network", simServer{capacity: 4, service: 2 * time.Second, jitter: 0.5, rtt: 20 * time.Millisecond}, 4, 8},
		{"one, instant calls", simServer{capacity: 1, service: 800 * time.Microsecond, jitter: 0.2}, 1, 2},
		{"more than the tuner tries", simServer{capacity: 40, service: 100 * time.Millisecond, jitter: 0.3}, MaxAutoCapacity, MaxAutoCapacity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := range uint64(3) {
				r := simulate(t, tt.srv, 6000, 0, seed)
				assert.Equal(t, tt.wantSettled, settledLimit(r.limits), "seed %d: the limit held", seed)
				assert.LessOrEqual(t, r.highest, tt.maxHighest, "seed %d: the highest limit tried", seed)
				assert.NotEmpty(t, r.note, "seed %d: the choice is reported", seed)
			}
		})
	}
}

func TestTunerSaysWhy(t *testing.T) {
	r := simulate(t, simServer{capacity: 4, service: 100 * time.Millisecond, jitter: 0.2}, 2000, 0, 1)
	// The figures are measured, with noise: about 1x and 2x.
	assert.Regexp(t, `^4 at once \(8 at once gave (0\.9|1\.[0-2])\dx the throughput of 4, at (1\.[7-9]|2\.[01])\dx its latency\)$`, r.note)
	r = simulate(t, simServer{capacity: 1, service: 100 * time.Millisecond, jitter: 0.2}, 2000, 0, 1)
	assert.Regexp(t, `^1 at once \(2 at once gave (0\.9|1\.[0-2])\dx the throughput of 1, at (1\.[7-9]|2\.[01])\dx its latency\)$`, r.note)
}

func TestTunerStaysWhenJobsAreTooFew(t *testing.T) {
	// One job ready at a time (a reviewer's item): the probe of 2 is
	// never filled, so it says nothing and the tuner goes no higher.
	r := simulate(t, simServer{capacity: 8, service: 100 * time.Millisecond, jitter: 0.3}, 3000, 1, 1)
	assert.Equal(t, 2, r.highest)
	assert.Empty(t, r.note)
}

func TestTunerHalvesWhenTheServerIsFull(t *testing.T) {
	now := time.Unix(0, 0)
	tu := newTuner(MaxAutoCapacity, now)
	tu.setLimit(8, phaseHold, now)
	tu.began(now)
	tu.busy(now.Add(time.Millisecond))
	assert.Equal(t, 4, tu.limit)
	assert.False(t, tu.slowStart, "no more doubling after the server said it was full")
	assert.Equal(t, 0, tu.inflight)
}

func TestTunerFollowsAServerThatIsTaken(t *testing.T) {
	// Capacity 8 for the first half, then another user takes six of the
	// slots: the hold probes bring the limit down near 2.
	srv := simServer{capacity: 8, service: 100 * time.Millisecond, jitter: 0.2}
	now := time.Unix(0, 0)
	tu := newTuner(MaxAutoCapacity, now)
	rng := rand.New(rand.NewPCG(7, 1))
	free := &timeHeap{}
	for range srv.capacity {
		heap.Push(free, now)
	}
	var flying []call
	var limits []int
	for n := range 40000 {
		if n == 10000 {
			// Six slots are busy with someone else's calls from now on.
			*free = (*free)[:2]
			heap.Init(free)
		}
		for len(flying) < tu.limit {
			slot := heap.Pop(free).(time.Time)
			start := now
			if slot.After(start) {
				start = slot
			}
			d := time.Duration(float64(srv.service) * (1 + srv.jitter*(2*rng.Float64()-1)))
			heap.Push(free, start.Add(d))
			flying = append(flying, call{sent: now, done: start.Add(d)})
			tu.began(now)
		}
		first := 0
		for i, c := range flying {
			if c.done.Before(flying[first].done) {
				first = i
			}
		}
		c := flying[first]
		flying = append(flying[:first], flying[first+1:]...)
		now = c.done
		tu.ended(now, c.done.Sub(c.sent))
		limits = append(limits, tu.limit)
	}
	assert.Equal(t, 8, settledLimit(limits[:10000]))
	assert.LessOrEqual(t, settledLimit(limits), 3, "after the server was taken")
}
