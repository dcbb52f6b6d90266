package pipeline

import (
	"fmt"
	"math"
	"time"
)

// Ollama reports nowhere how many generations a server runs at once
// (OLLAMA_NUM_PARALLEL is in neither /api/ps nor /api/show), and a
// request beyond that number is queued by the server, not refused. So
// with Config.AutoCapacity each host's model gets a tuner: it starts at
// one call in flight and measures. A server with room for more serves
// two calls in about the time of one (throughput doubles, latency stays);
// a server at its limit only queues the extra call (throughput stays,
// latency doubles). The tuner keeps a higher limit only when it bought
// throughput, and lands where the measurements say the server's own
// concurrency is (Little's law: throughput times the unqueued latency).
// docs/performance.md has the figures.

// Tuning constants.
const (
	// MaxAutoCapacity is the highest limit the tuner tries: past it a
	// server's queue, not its parallelism, would take the calls.
	MaxAutoCapacity = 16
	// tuneMinCalls and tuneMinWindow: a window measures at least this many
	// calls per call allowed in flight (and at least 8), over at least
	// tuneMinWindow, so a window of instant replies is not one GC pause.
	tuneMinCalls  = 8
	tuneMinWindow = 500 * time.Millisecond
	// tuneGain is the share of the ideal gain a probe must show to be
	// kept: going from L to L' calls ideally multiplies throughput by
	// L'/L; at least half of that must come, the rest may be queueing.
	tuneGain = 0.5
	// tuneStarved: a window whose calls in flight averaged under this
	// share of the limit had too few jobs to fill it, and says nothing.
	tuneStarved = 0.85
	// tuneHoldWindows is how many windows the tuner holds a level before
	// probing again (the server may have been freed, or taken); each probe
	// that fails doubles it, up to tuneMaxHoldWindows, so a server that
	// runs one call at a time sees a second one rarely.
	tuneHoldWindows    = 8
	tuneMaxHoldWindows = 64
)

// tunePhase is what the current window measures.
type tunePhase int

const (
	phaseBase  tunePhase = iota // the limit itself, as the baseline
	phaseProbe                  // a probe away from the baseline's limit
	phaseHold                   // the limit kept, a window before the next probe
)

// level is one window's figures at a limit.
type level struct {
	limit int
	rate  float64       // calls finished a second
	lat   time.Duration // mean latency of a call
}

// tuner chooses how many calls one host's model gets at once. It is a
// value without locks: the scheduler calls it under its mutex, with the
// time, so tests drive it with a fake clock.
type tuner struct {
	limit, max int
	phase      tunePhase
	slowStart  bool  // doubling until a probe fails
	base       level // the kept limit's latest figures
	holds      int
	holdFor    int  // windows to hold before the next probe
	up         bool // the next hold probe goes up (else down)
	settled    bool // a choice was reported

	// the window
	start, last time.Time
	inflight    int
	area        float64 // calls in flight integrated over the window (call-seconds)
	n           int
	latSum      time.Duration
	warm        int // calls still to end before the window counts
}

// newTuner returns a tuner starting at one call, trying at most max.
func newTuner(max int, now time.Time) *tuner {
	// The first reply waits for the model to load (seconds on a CPU
	// host): the first window starts after it.
	return &tuner{limit: 1, max: max, slowStart: true, up: true, holdFor: tuneHoldWindows, start: now, last: now, warm: 1}
}

// advance integrates the calls in flight up to now.
func (t *tuner) advance(now time.Time) {
	if now.After(t.last) {
		t.area += float64(t.inflight) * now.Sub(t.last).Seconds()
		t.last = now
	}
}

// began records a call sent at now.
func (t *tuner) began(now time.Time) {
	t.advance(now)
	t.inflight++
}

// ended records a call that took lat, ended at now. It returns a note
// when the limit was chosen (the first time the tuner settles; "" else).
func (t *tuner) ended(now time.Time, lat time.Duration) string {
	t.advance(now)
	t.inflight--
	if t.warm > 0 {
		// A call sent under the last limit: the window starts after them.
		if t.warm--; t.warm == 0 {
			t.reset(now)
		}
		return ""
	}
	t.n++
	t.latSum += lat
	span := now.Sub(t.start)
	if t.n < max(8, tuneMinCalls*t.limit) || span < tuneMinWindow {
		return ""
	}
	w := level{limit: t.limit, rate: float64(t.n) / span.Seconds(), lat: t.latSum / time.Duration(t.n)}
	starved := t.area/span.Seconds() < tuneStarved*float64(t.limit)
	t.reset(now)
	if starved {
		return "" // too few jobs to fill the limit: nothing learned
	}
	return t.decide(w)
}

// dropped records a call that ended without a measure (its host went
// away).
func (t *tuner) dropped(now time.Time) {
	t.advance(now)
	t.inflight--
	if t.warm > 0 {
		if t.warm--; t.warm == 0 {
			t.reset(now)
		}
	}
}

// busy records a call the server refused as overloaded (a full queue):
// the limit is halved and no longer raised by doubling.
func (t *tuner) busy(now time.Time) {
	t.advance(now)
	t.inflight--
	t.slowStart = false
	t.setLimit(max(1, t.limit/2), phaseBase, now)
}

// reset starts a new window at now.
func (t *tuner) reset(now time.Time) {
	t.start, t.last, t.area, t.n, t.latSum = now, now, 0, 0, 0
}

// setLimit moves to limit for the next window, measuring phase.
func (t *tuner) setLimit(limit int, phase tunePhase, now time.Time) {
	t.limit, t.phase = min(max(limit, 1), t.max), phase
	t.reset(now)
	t.warm = t.inflight
}

// decide acts on a finished window w.
func (t *tuner) decide(w level) string {
	switch t.phase {
	case phaseProbe:
		up := w.limit > t.base.limit
		if kept(t.base, w) {
			t.base, t.holdFor = w, tuneHoldWindows
			if t.slowStart && up && w.limit < t.max {
				t.setLimit(2*w.limit, phaseProbe, t.last)
				return ""
			}
			t.phase = phaseHold
			return t.settle("")
		}
		// Back to what the figures say the server runs at once.
		landing := t.base.limit
		if up {
			// Little's law: the calls the server ran at once are its
			// throughput times the latency of a call it did not queue.
			landing = min(max(int(math.Round(w.rate*t.base.lat.Seconds())), t.base.limit), w.limit-1)
		}
		why := fmt.Sprintf("%d at once gave %.2fx the throughput of %d, at %.2fx its latency",
			w.limit, w.rate/t.base.rate, t.base.limit, w.lat.Seconds()/t.base.lat.Seconds())
		t.slowStart = false
		t.holdFor = min(2*t.holdFor, tuneMaxHoldWindows)
		t.setLimit(landing, phaseBase, t.last)
		return t.settle(why)
	case phaseBase:
		t.base = w
		if t.slowStart && w.limit < t.max {
			t.setLimit(2*w.limit, phaseProbe, t.last)
			return ""
		}
		t.phase = phaseHold
		return t.settle("")
	}
	// phaseHold: refresh the baseline, then probe now and then.
	t.base = w
	if t.holds++; t.holds < t.holdFor {
		return ""
	}
	t.holds = 0
	step := max(1, t.limit/4)
	next := t.limit + step
	if !t.up && t.limit > 1 {
		next = t.limit - step
	}
	t.up = !t.up
	if next > t.max {
		return ""
	}
	t.setLimit(next, phaseProbe, t.last)
	return ""
}

// kept reports whether a probe's window w is worth keeping over base: up,
// it bought at least tuneGain of the ideal gain; down, it lost less than
// tuneGain of the ideal loss (the calls taken away were mostly queueing).
func kept(base, w level) bool {
	ideal := float64(w.limit) / float64(base.limit)
	gain := w.rate / base.rate
	if w.limit > base.limit {
		return gain-1 >= tuneGain*(ideal-1)
	}
	return 1-gain < tuneGain*(1-ideal)
}

// settle returns the note of the first choice (with why, the probe that
// stopped the rise), and "" afterwards.
func (t *tuner) settle(why string) string {
	if t.settled {
		return ""
	}
	t.settled = true
	if why == "" {
		why = "throughput kept rising with each call added"
		if t.limit == t.max {
			why += fmt.Sprintf(" (%d is the most tried)", t.max)
		}
	}
	return fmt.Sprintf("%d at once (%s)", t.limit, why)
}
