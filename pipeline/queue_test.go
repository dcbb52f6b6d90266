package pipeline

import (
	"container/heap"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// queueScript drives a rankedQueue one line at a time. Each line is
// "op args... [=> want]":
//
//	register|submit ID...      make known / queue in order
//	focus ID [AHEAD...]        Focus
//	rerun ID                   Rerun
//	take => ID [nocache]       take the best queued item (its jobs are ID/g, ID/d)
//	take => -                  nothing queued
//	ready ID/S                 the placeholder's input is ready
//	withdraw ID/S              the stage needs no call
//	pop g|d HOST => ID/S|-     popFor on the grounding or draft model's heap
//	retry ID/S HOST            failed on HOST, retryable
//	finish ID => queued|done   finish, a pending Rerun may requeue
//	finish-stopping ID         finish while the run stops (never requeues)
//	pending => ID...           the queued items in rank order
//	waiting g|d => N           jobs of the stage in the heaps
//	blocked g|d => true|false  the heap's best job is a placeholder
//	forget-done                finished items are dropped (RunAll)
//	known ID => true|false     the item is known
type queueScript struct {
	t    *testing.T
	q    rankedQueue
	jobs map[string]*job
	now  time.Time
}

const (
	qGround = "ground-model"
	qDraft  = "draft-model"
)

func (s *queueScript) item(id string) audit.Item {
	return audit.Item{ID: id, ImagePath: id + ".png", Draft: "draft " + id}
}

func (s *queueScript) items(ids []string) []audit.Item {
	out := make([]audit.Item, len(ids))
	for i, id := range ids {
		out[i] = s.item(id)
	}
	return out
}

func (s *queueScript) model(m string) string {
	if m == "d" {
		return qDraft
	}
	return qGround
}

func (s *queueScript) stage(m string) audit.Stage {
	if m == "d" {
		return audit.StageDraft
	}
	return audit.StageGrounding
}

func (s *queueScript) job(name string) *job {
	j, ok := s.jobs[name]
	require.True(s.t, ok, "no job %s", name)
	return j
}

func jobName(j *job) string {
	if j == nil {
		return "-"
	}
	return j.att.item.ID + "/" + string(j.stage)[:1]
}

func (s *queueScript) run(line string) {
	t := s.t
	cmd, want, _ := strings.Cut(line, "=>")
	f := strings.Fields(cmd)
	want = strings.TrimSpace(want)
	got := ""
	s.now = s.now.Add(time.Second)
	switch f[0] {
	case "register":
		for _, it := range s.items(f[1:]) {
			s.q.register(it)
		}
	case "submit":
		s.q.submit(s.items(f[1:]))
	case "focus":
		s.q.focus(f[1], f[2:])
	case "rerun":
		s.q.rerun(s.item(f[1]))
	case "take":
		if _, ok := s.q.front(); !ok {
			got = "-"
			break
		}
		_, att, gj, dj := s.q.take(s.now)
		require.Equal(t, s.now, att.started)
		s.jobs[att.item.ID+"/g"], s.jobs[att.item.ID+"/d"] = gj, dj
		got = att.item.ID
		if att.noCache {
			got += " nocache"
		}
	case "ready":
		j := s.job(f[1])
		s.q.readyJob(j, s.now)
		require.Equal(t, s.now, j.readyAt)
	case "withdraw":
		s.q.withdraw(s.job(f[1]))
	case "pop":
		host, err := strconv.Atoi(f[2])
		require.NoError(t, err)
		j := s.q.popFor(s.model(f[1]), host)
		if j != nil {
			require.False(t, j.prepping, "popped a placeholder")
			require.Equal(t, -1, j.idx)
			require.NotContains(t, j.it.jobs, j, "a running job is not among its item's waiting jobs")
		}
		got = jobName(j)
	case "retry":
		host, err := strconv.Atoi(f[2])
		require.NoError(t, err)
		s.q.retry(s.job(f[1]), host)
	case "finish", "finish-stopping":
		st := s.q.items[f[1]]
		require.Equal(t, phaseActive, st.phase, "finish %s", f[1])
		require.Empty(t, st.jobs, "finish %s with jobs waiting", f[1])
		if s.q.finish(st, f[0] == "finish") {
			got = "queued"
		} else {
			got = "done"
		}
	case "pending":
		cp := append(itemHeap(nil), s.q.pending...)
		var ids []string
		for cp.Len() > 0 {
			st := heap.Pop(&cp).(*itemState)
			ids = append(ids, st.item.ID)
		}
		// heap.Pop on the copy re-indexed the shared states: restore them.
		for i, st := range s.q.pending {
			st.idx = i
		}
		got = strings.Join(ids, " ")
	case "waiting":
		got = strconv.Itoa(s.q.waiting(s.stage(f[1])))
	case "blocked":
		got = strconv.FormatBool(s.q.blocked(s.model(f[1])))
	case "forget-done":
		s.q.forgetDone = true
	case "known":
		_, ok := s.q.items[f[1]]
		got = strconv.FormatBool(ok)
	default:
		t.Fatalf("unknown op %q", line)
	}
	if strings.Contains(line, "=>") {
		require.Equal(t, want, got, line)
	}
	s.checkInvariants(line)
}

// checkInvariants asserts what rankedQueue promises after every step.
func (s *queueScript) checkInvariants(line string) {
	t := s.t
	for id, st := range s.q.items {
		inPending := st.idx >= 0 && st.idx < len(s.q.pending) && s.q.pending[st.idx] == st
		require.Equal(t, st.phase == phaseQueued, inPending, "after %q: %s queued iff in pending", line, id)
		if st.phase != phaseActive {
			require.Empty(t, st.jobs, "after %q: %s has jobs but is not active", line, id)
		}
	}
	for i := range 2 {
		n := 0
		for _, h := range s.q.jobs {
			for _, j := range *h {
				if stageIndex(j.stage) == i {
					n++
				}
				require.Contains(t, j.it.jobs, j, "after %q: a waiting job is listed on its item", line)
				require.Equal(t, phaseActive, j.it.phase, "after %q", line)
			}
		}
		require.Equal(t, n, s.q.ready[i], "after %q: ready counts the jobs in the heaps", line)
	}
}

func TestRankedQueue(t *testing.T) {
	tests := []struct {
		name   string
		script string
	}{
		{"submit keeps order and is idempotent", `
			submit a b c
			submit a b d
			pending => a b c d`},
		{"focus goes first, with its prefetch, the latest focus before earlier ones", `
			register a b c d e f
			submit a b
			focus e f c unknown
			focus d
			pending => d e f c a b`},
		{"rerun goes first and ignores the cache once", `
			submit a b c
			rerun c
			pending => c a b
			take => c nocache
			take => a`},
		{"a batch run forgets finished items, not one with a rerun pending", `
			forget-done
			submit a b
			take => a
			take => b
			rerun b
			withdraw a/g
			withdraw a/d
			withdraw b/g
			withdraw b/d
			finish a => done
			known a => false
			finish b => queued
			known b => true
			take => b nocache
			withdraw b/g
			withdraw b/d
			finish b => done
			known b => false
			focus a b
			pending =>
			submit a
			pending => a`},
		{"focus of a done item leaves it done", `
			submit a
			take => a
			ready a/g
			ready a/d
			pop g 0 => a/g
			pop d 0 => a/d
			finish a => done
			focus a
			pending =>`},
		{"a placeholder holds back every later job", `
			submit a b
			take => a
			take => b
			blocked g => true
			ready b/g
			ready b/d
			pop g 0 => -
			pop d 0 => -
			ready a/d
			pop d 0 => a/d
			pop d 0 => b/d
			pop g 0 => -
			ready a/g
			pop g 0 => a/g
			pop g 0 => b/g
			waiting g => 0
			waiting d => 0`},
		{"withdrawn placeholders unblock the heap", `
			submit a b
			take => a
			take => b
			waiting g => 2
			ready b/g
			withdraw a/g
			waiting g => 1
			pop g 0 => b/g`},
		{"focusing an active item re-orders its waiting jobs", `
			submit a b
			take => a
			take => b
			ready a/g
			ready b/g
			focus b
			pop g 0 => b/g
			pop g 0 => a/g`},
		{"a retried job goes to another host", `
			submit a
			take => a
			ready a/g
			pop g 0 => a/g
			retry a/g 0
			waiting g => 1
			pop g 0 => -
			pop g 1 => a/g`},
		{"a rerun of an active item runs after it finishes", `
			submit a b
			take => a
			rerun a
			pending => b
			ready a/g
			ready a/d
			pop g 0 => a/g
			pop d 0 => a/d
			finish a => queued
			pending => a b
			take => a nocache`},
		{"a run that stops does not requeue", `
			submit a
			take => a
			rerun a
			withdraw a/g
			withdraw a/d
			finish-stopping a => done
			pending =>
			take => -`},
		{"a rerun of a done item queues it again", `
			submit a b
			take => a
			withdraw a/g
			withdraw a/d
			finish a => done
			rerun a
			take => a nocache
			take => b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &queueScript{t: t, q: newRankedQueue(qGround, qDraft), jobs: map[string]*job{}}
			for line := range strings.SplitSeq(strings.TrimSpace(tt.script), "\n") {
				s.run(strings.TrimSpace(line))
			}
		})
	}
}

// TestRankedQueueOneModel: with one model for both stages, the stages share
// one heap, grounding before draft within an item.
func TestRankedQueueOneModel(t *testing.T) {
	q := newRankedQueue("m", "m")
	q.submit([]audit.Item{{ID: "a"}, {ID: "b"}})
	var names []string
	for range 2 {
		_, _, gj, dj := q.take(time.Time{})
		q.readyJob(dj, time.Time{})
		q.readyJob(gj, time.Time{})
	}
	for j := q.popFor("m", 0); j != nil; j = q.popFor("m", 0) {
		names = append(names, jobName(j))
	}
	require.Equal(t, []string{"a/g", "a/d", "b/g", "b/d"}, names)
	require.Zero(t, q.waiting(audit.StageGrounding)+q.waiting(audit.StageDraft))
	require.True(t, slices.Equal(q.models[:], []string{"m", "m"}), fmt.Sprint(q.models))
}

// TestRankedQueueFlights: a job whose input already has a call follows it
// (out of the heaps); the call's end hands back its followers once.
func TestRankedQueueFlights(t *testing.T) {
	q := newRankedQueue(qGround, qDraft)
	q.submit([]audit.Item{{ID: "a"}, {ID: "b"}, {ID: "c"}})
	var gs []*job
	for range 3 {
		_, _, gj, dj := q.take(time.Time{})
		q.withdraw(dj)
		gj.inputHash = "same-image"
		gs = append(gs, gj)
	}
	require.False(t, q.follow(gs[0]), "no call yet")
	q.lead(gs[0], nil)
	q.readyJob(gs[0], time.Time{})
	require.False(t, q.follow(gs[0]), "the leader does not follow itself")
	require.True(t, q.follow(gs[1]))
	require.True(t, q.follow(gs[2]))
	require.Equal(t, 1, q.waiting(audit.StageGrounding), "followers are not queued")
	require.Empty(t, q.items["b"].jobs)
	j := q.popFor(qGround, 0)
	require.Same(t, gs[0], j)
	require.Nil(t, q.land(gs[1]), "only the leader lands")
	require.Equal(t, []*job{gs[1], gs[2]}, q.land(j))
	require.Nil(t, q.land(j), "once")
	require.False(t, q.follow(gs[1]), "the call has ended")
}

// TestQueueLookupFocus: an item known only through a lookup
// (RegisterLookup) is queued when focused, and an unknown id is skipped.
func TestQueueLookupFocus(t *testing.T) {
	q := newRankedQueue("g", "d")
	items := map[string]audit.Item{"a": {ID: "a"}, "b": {ID: "b"}}
	q.lookup = func(id string) (audit.Item, bool) { it, ok := items[id]; return it, ok }
	q.focus("b", []string{"zz", "a"})
	require.Len(t, q.pending, 2)
	require.Len(t, q.items, 2, "states made for the focused items only")
	require.Equal(t, "b", q.pending[0].item.ID)
}
