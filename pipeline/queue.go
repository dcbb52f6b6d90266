package pipeline

import (
	"container/heap"
	"slices"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// rankedQueue is the scheduler's queue: the items it knows, where each one
// is (its phase), the order they run in (their rank), and for each model
// the stage jobs waiting for a host slot. It is a pure value: no locks, no
// goroutines, no clock (callers pass the time). The Scheduler guards it
// with its mutex and wakes its workers when it changes. The invariants it
// keeps (phases, ranks, one attempt at a time, placeholder jobs, one call
// per input, the ready counts) are listed in docs/architecture.md, and
// queue_test.go checks them after every step.
type rankedQueue struct {
	items map[string]*itemState
	// lookup, when set, knows more items than items holds (RegisterLookup):
	// focus makes a state for one of them when it is first asked for.
	lookup  func(id string) (audit.Item, bool)
	flights map[flightKey]*flight // calls ready or running, by input
	// landed holds the records of calls that ended (successes and
	// deterministic failures) until their item's outcome is stored, when
	// the store serves them: an item with the same input taken meanwhile
	// uses the record instead of calling again.
	landed    map[flightKey]audit.StageRecord
	pending   itemHeap
	jobs      map[string]*jobHeap // by model name
	models    [2]string           // by stageIndex
	ready     [2]int              // by stageIndex
	nextRank  int64               // next batch rank (Submit)
	frontRank int64               // lowest rank given so far (Focus, Rerun)
	// forgetDone drops an item from items when it finishes (RunAll: a
	// batch run submits each item once and nothing focuses it after, so a
	// long worklist does not keep a state per finished item). A forgotten
	// item is unknown: Focus skips it, Submit and Rerun queue it anew.
	forgetDone bool
	// active counts the items taken and not finished.
	active int
}

type itemPhase uint8

const (
	phaseIdle   itemPhase = iota // known (Register), not queued
	phaseQueued                  // in the pending heap
	phaseActive                  // taken: being prepared, its stages waiting, running or finishing
	phaseDone                    // finished (done or error)
)

// itemState is the queue's view of one item.
type itemState struct {
	item    audit.Item
	rank    int64 // lower runs sooner; negative = focused or rerun
	idx     int   // in the pending heap; -1 when not there
	phase   itemPhase
	noCache bool
	rerun   *audit.Item // a Rerun asked while active: queued again by finish
	jobs    []*job      // its jobs waiting in job heaps (placeholders included)
}

// attempt is one run of an item, from take to finish. It is immutable.
type attempt struct {
	item    audit.Item
	noCache bool      // Rerun: ignore (and then replace) cached records
	started time.Time // when take handed the item to a prep worker
}

// job is one stage of one attempt waiting for (or running on) a host slot.
type job struct {
	it    *itemState
	att   *attempt
	stage audit.Stage
	model string
	idx   int // in its job heap; -1 when not there
	// prepping marks a placeholder: its input is not ready yet.
	prepping bool
	// The input, set by the prep worker before readyJob.
	draft     string
	inputHash string
	img       modelImage
	readyAt   time.Time // when the input was ready (queue time starts)
	// tried is the host (index) on which the job failed with a retryable
	// error, or -1; popFor does not give it to that host again.
	tried   int
	retried bool
	// cuts counts this job's calls lost with their host (slots.go), and
	// cutTime the time they took, against maxCutCalls and the timeout.
	cuts    int
	cutTime time.Duration
}

// stageIndex orders the stages: grounding first (usually the longer call).
func stageIndex(s audit.Stage) int {
	if s == audit.StageDraft {
		return 1
	}
	return 0
}

// newRankedQueue returns an empty queue for the two stages' models (one
// heap when both stages use the same model, which then share its slots).
func newRankedQueue(groundingModel, draftModel string) rankedQueue {
	q := rankedQueue{
		items:   map[string]*itemState{},
		flights: map[flightKey]*flight{},
		landed:  map[flightKey]audit.StageRecord{},
		jobs:    map[string]*jobHeap{groundingModel: {}, draftModel: {}},
		models:  [2]string{groundingModel, draftModel},
	}
	return q
}

// register makes it known, leaving a known id alone, and returns its state.
func (q *rankedQueue) register(it audit.Item) *itemState {
	st, ok := q.items[it.ID]
	if !ok {
		st = &itemState{item: it, idx: -1}
		q.items[it.ID] = st
	}
	return st
}

// submit queues items in order behind every batch item queued before;
// items already queued, active or done are left alone.
func (q *rankedQueue) submit(items []audit.Item) {
	for _, it := range items {
		st := q.register(it)
		if st.phase != phaseIdle {
			continue
		}
		st.rank = q.nextRank
		q.nextRank++
		q.enqueue(st)
	}
}

func (q *rankedQueue) enqueue(st *itemState) {
	st.phase = phaseQueued
	heap.Push(&q.pending, st)
}

// focus ranks id, then ahead in order, before everything ranked so far.
// Unknown ids are skipped; done items stay done.
func (q *rankedQueue) focus(id string, ahead []string) {
	base := q.frontRank - int64(len(ahead)+1)
	q.frontRank = base
	for i, id := range append([]string{id}, ahead...) {
		if st, ok := q.known(id); ok {
			q.rerank(st, base+int64(i))
		}
	}
}

// known returns id's state, making it from lookup when only lookup knows
// the id.
func (q *rankedQueue) known(id string) (*itemState, bool) {
	if st, ok := q.items[id]; ok {
		return st, true
	}
	if q.lookup == nil {
		return nil, false
	}
	it, ok := q.lookup(id)
	if !ok {
		return nil, false
	}
	return q.register(it), true
}

// rerank gives st a new rank, queueing it when it was only known.
func (q *rankedQueue) rerank(st *itemState, rank int64) {
	switch st.phase {
	case phaseIdle:
		st.rank = rank
		q.enqueue(st)
	case phaseQueued:
		st.rank = rank
		heap.Fix(&q.pending, st.idx)
	case phaseActive:
		st.rank = rank
		for _, j := range st.jobs {
			heap.Fix(q.jobs[j.model], j.idx)
		}
	}
}

// rerun ranks item first, to run again ignoring the cache; an active item
// runs again once its current attempt finishes.
func (q *rankedQueue) rerun(item audit.Item) {
	q.frontRank--
	st := q.register(item)
	switch st.phase {
	case phaseActive:
		it := item
		st.rerun = &it
		q.rerank(st, q.frontRank)
	case phaseDone:
		st.item, st.noCache, st.rank = item, true, q.frontRank
		q.enqueue(st)
	default:
		st.item, st.noCache = item, true
		q.rerank(st, q.frontRank)
	}
}

// front returns the rank of the best queued item.
func (q *rankedQueue) front() (rank int64, ok bool) {
	if len(q.pending) == 0 {
		return 0, false
	}
	return q.pending[0].rank, true
}

// take moves the best queued item to active and pushes its two placeholder
// jobs (grounding, draft). The queue must not be empty (see front).
func (q *rankedQueue) take(now time.Time) (st *itemState, att *attempt, gj, dj *job) {
	st = heap.Pop(&q.pending).(*itemState)
	st.phase = phaseActive
	q.active++
	att = &attempt{item: st.item, noCache: st.noCache, started: now}
	st.noCache = false
	gj = &job{it: st, att: att, stage: audit.StageGrounding, model: q.models[0], prepping: true, tried: -1}
	dj = &job{it: st, att: att, stage: audit.StageDraft, model: q.models[1], prepping: true, tried: -1}
	q.push(gj)
	q.push(dj)
	return st, att, gj, dj
}

func (q *rankedQueue) push(j *job) {
	heap.Push(q.jobs[j.model], j)
	j.it.jobs = append(j.it.jobs, j)
	q.ready[stageIndex(j.stage)]++
}

// readyJob marks placeholder j ready for a slot at now.
func (q *rankedQueue) readyJob(j *job, now time.Time) {
	j.prepping = false
	j.readyAt = now
}

// withdraw removes a waiting job (a placeholder whose stage needs no call).
func (q *rankedQueue) withdraw(j *job) {
	if j.idx < 0 {
		return
	}
	heap.Remove(q.jobs[j.model], j.idx)
	q.unlink(j)
}

func (q *rankedQueue) unlink(j *job) {
	q.ready[stageIndex(j.stage)]--
	if i := slices.Index(j.it.jobs, j); i >= 0 {
		// slices.Delete clears the vacated slot: a done item must not keep
		// its last job (and its input) alive.
		j.it.jobs = slices.Delete(j.it.jobs, i, i+1)
	}
}

// popFor removes and returns the best ready job of model that host may run
// (not one that already failed there), or nil. It returns nil too while a
// job ranked before that one is a placeholder (see the invariants).
func (q *rankedQueue) popFor(model string, host int) *job {
	h := q.jobs[model]
	var skipped []*job
	var got *job
	for h.Len() > 0 && !h.blocked() {
		j := heap.Pop(h).(*job)
		if j.tried == host {
			skipped = append(skipped, j)
			continue
		}
		got = j
		break
	}
	for _, j := range skipped {
		heap.Push(h, j)
	}
	if got != nil {
		q.unlink(got)
	}
	return got
}

// retry queues j again after it failed on host with a retryable error; it
// is not given to that host again.
func (q *rankedQueue) retry(j *job, host int) {
	j.retried, j.tried = true, host
	q.push(j)
}

// requeue puts a job back to wait for any host (its host went down while
// running it).
func (q *rankedQueue) requeue(j *job) { q.push(j) }

// flightKey names one model call's input.
type flightKey struct {
	stage audit.Stage
	hash  string
}

// flight is a call ready or running for one input, and the jobs of other
// items waiting for its record.
type flight struct {
	leader    *job
	followers []*job
}

// follow makes placeholder j (whose inputHash is set) wait for the call
// already ready or running for its input, and withdraws it from its heap.
// It reports false when there is no such call.
func (q *rankedQueue) follow(j *job) bool {
	f := q.flights[flightKey{j.stage, j.inputHash}]
	if f == nil || f.leader == j {
		return false
	}
	q.withdraw(j)
	f.followers = append(f.followers, j)
	return true
}

// lead makes j (its input set) the call for its input, with followers
// waiting for it.
func (q *rankedQueue) lead(j *job, followers []*job) {
	q.flights[flightKey{j.stage, j.inputHash}] = &flight{leader: j, followers: followers}
}

// land ends j's flight, if j leads one, and returns its followers.
func (q *rankedQueue) land(j *job) []*job {
	k := flightKey{j.stage, j.inputHash}
	f := q.flights[k]
	if f == nil || f.leader != j {
		return nil
	}
	delete(q.flights, k)
	return f.followers
}

// finish moves an active item to done. With requeue, a Rerun asked while
// it was active queues it again (at the rank the Rerun gave it) and finish
// reports true.
func (q *rankedQueue) finish(st *itemState, requeue bool) bool {
	st.phase = phaseDone
	q.active--
	st.jobs = nil
	if st.rerun == nil || !requeue {
		st.rerun = nil
		if q.forgetDone && q.items[st.item.ID] == st {
			delete(q.items, st.item.ID)
		}
		return false
	}
	st.item, st.noCache, st.rerun = *st.rerun, true, nil
	q.enqueue(st)
	return true
}

// waiting returns how many jobs of stage are in the heaps.
func (q *rankedQueue) waiting(stage audit.Stage) int { return q.ready[stageIndex(stage)] }

// blocked reports whether model's best job is still a placeholder.
func (q *rankedQueue) blocked(model string) bool { return q.jobs[model].blocked() }

// itemHeap orders queued items by rank.
type itemHeap []*itemState

func (h itemHeap) Len() int           { return len(h) }
func (h itemHeap) Less(i, j int) bool { return h[i].rank < h[j].rank }
func (h itemHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *itemHeap) Push(x any)        { st := x.(*itemState); st.idx = len(*h); *h = append(*h, st) }
func (h *itemHeap) Pop() any {
	old := *h
	st := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	st.idx = -1
	return st
}

// jobHeap orders one model's waiting jobs by their item's rank, grounding
// before draft within an item.
type jobHeap []*job

func (h jobHeap) Len() int { return len(h) }
func (h jobHeap) Less(i, j int) bool {
	if a, b := h[i].it.rank, h[j].it.rank; a != b {
		return a < b
	}
	return stageIndex(h[i].stage) < stageIndex(h[j].stage)
}
func (h jobHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *jobHeap) Push(x any)   { j := x.(*job); j.idx = len(*h); *h = append(*h, j) }
func (h *jobHeap) Pop() any {
	old := *h
	j := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	j.idx = -1
	return j
}

// blocked reports whether the best job is still being prepared.
func (h jobHeap) blocked() bool { return len(h) > 0 && h[0].prepping }
