package session

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

func TestRunProgress(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 4)
	require.False(t, p.tty, "a buffer is not a terminal")
	p.every = 2
	var s runSummary
	s.total = 4
	for i, ok := range []bool{true, false, true, true} {
		r := &audit.Result{ItemID: fmt.Sprint("i", i), Status: audit.StatusDone}
		if !ok {
			r.Status, r.Err = audit.StatusError, "grounding: boom"
		}
		s.add(r)
		p.item(s, r)
	}
	p.finish()
	out := buf.String()
	assert.Contains(t, out, "cxr-auditor run: i1 failed: grounding: boom\n")
	assert.Contains(t, out, "2/4  50%")
	assert.Contains(t, out, "4/4 100%")
	assert.Contains(t, out, "ETA 0s  failed 1")
	assert.NotContains(t, out, "\r", "plain lines when not a terminal")

	// On a terminal: one bar redrawn in place, messages above it.
	buf.Reset()
	p = newProgress(&buf, 2)
	p.tty = true
	s = runSummary{total: 2}
	r := &audit.Result{ItemID: "a", Status: audit.StatusDone}
	s.add(r)
	p.item(s, r)
	p.logf("warning: %s", "host slow")
	p.finish()
	out = buf.String()
	assert.Contains(t, out, "\r[###############---------------] 1/2")
	assert.Contains(t, out, "\r\x1b[2Kcxr-auditor run: warning: host slow\n")
	assert.True(t, strings.HasSuffix(out, "\n"))
}

func TestRunSummaryCountsUnstored(t *testing.T) {
	var s runSummary
	s.total = 3
	s.add(&audit.Result{Status: audit.StatusDone})
	s.add(&audit.Result{Status: audit.StatusDone, StoreErr: "disk full"})
	s.add(&audit.Result{Status: audit.StatusError, StoreErr: "disk full"})
	assert.Equal(t, 1, s.done)
	assert.Equal(t, 2, s.failed)
	assert.Equal(t, "3 of 3 items: 1 done, 2 (2 not stored) failed, 0 salvaged, 0 cached, 0 urgent, 0 draft readings in doubt; wall 1s", s.line(time.Second))
	o := makeRunOutput(audit.Item{ID: "a"}, &audit.Result{ItemID: "a", StoreErr: "disk full", Queue: 1500 * time.Millisecond})
	assert.Equal(t, "disk full", o.StoreError)
	assert.EqualValues(t, 1500, o.Timings.QueueMS)
}

// TestRunSummaryFailedIsNotSalvaged: a failed item whose stage reply was
// cut read "1 done, 7 failed, 7 salvaged"; salvaged counts done items only.
func TestRunSummaryFailedIsNotSalvaged(t *testing.T) {
	var s runSummary
	s.total = 3
	s.add(&audit.Result{Status: audit.StatusDone, Salvaged: true})
	s.add(&audit.Result{Status: audit.StatusError, Salvaged: true})
	s.add(&audit.Result{Status: audit.StatusDone, Salvaged: true, StoreErr: "disk full"})
	assert.Contains(t, s.line(time.Second), "3 of 3 items: 1 done, 2 (1 not stored) failed, 1 salvaged")
}

// TestRunProgressSaysItIsWaiting: nothing was shown until the first item
// finished (45 s blank on a CPU host); a line says at once what it waits
// for.
func TestRunProgressSaysItIsWaiting(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 3)
	p.begin([]string{"http://gpu1:11434"})
	assert.Equal(t, "cxr-auditor run: 0/3, waiting for the first reply from http://gpu1:11434 (model loading)\n", buf.String())

	buf.Reset()
	p = newProgress(&buf, 3)
	p.tty = true
	p.begin([]string{"http://a:11434", "http://b:11434"})
	assert.Contains(t, buf.String(), "] 0/3, waiting for the first reply from http://a:11434, http://b:11434 (model loading)")
	s := runSummary{total: 3}
	r := &audit.Result{ItemID: "a", Status: audit.StatusDone}
	s.add(r)
	p.item(s, r)
	assert.Contains(t, buf.String(), "1/3  33%", "the usual counts once an item finished")
}

// TestRunProgressSaysARepeatedErrorOnce: offline, every item failed with
// the same 600-character text, printed for each item. It is printed once,
// and counted at the end.
func TestRunProgressSaysARepeatedErrorOnce(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 4)
	s := runSummary{total: 4}
	long := "grounding and draft: no Ollama host answered: " + strings.Repeat("x", 500)
	for i, e := range []string{long, long, "draft: other", long} {
		r := &audit.Result{ItemID: fmt.Sprint("i", i), Status: audit.StatusError, Err: e}
		s.add(r)
		p.item(s, r)
	}
	p.finish()
	out := buf.String()
	assert.Equal(t, 1, strings.Count(out, long))
	assert.Contains(t, out, "i2 failed: draft: other")
	assert.Contains(t, out, "2 more item(s) failed with the same error as i0 (above)")
}

// TestRunProgressSaysAStoreErrorOnce: with the store deleted while open,
// every result refused printed the whole error, which names its item and
// its group commit. One cause is printed once and counted; another cause
// is printed too.
func TestRunProgressSaysAStoreErrorOnce(t *testing.T) {
	gone := func(id string, others int) string {
		return fmt.Sprintf(`store /tmp/wl.cxr.db: put outcome item %q (with %d others in one commit): the store file was deleted or replaced while open: the open file was deleted; nothing more is written to it (kept in /tmp/wl.cxr.db.rescue.jsonl)`, id, others)
	}
	tests := []struct {
		name    string
		results []*audit.Result
		want    []string
		printed int // lines with "result not stored"
	}{
		{"one cause over many items", []*audit.Result{
			{ItemID: "c1", Status: audit.StatusDone, StoreErr: gone("c1", 4)},
			{ItemID: "c2", Status: audit.StatusDone, StoreErr: gone("c2", 4)},
			{ItemID: "c3", Status: audit.StatusDone, StoreErr: gone("c3", 1)},
			{ItemID: "c4 \"x\"", Status: audit.StatusDone, StoreErr: gone("c4 \"x\"", 0)},
		}, []string{"c1 failed: result not stored: " + gone("c1", 4), "3 more item(s) failed with the same error as c1 (above)"}, 1},
		{"two causes", []*audit.Result{
			{ItemID: "c1", Status: audit.StatusDone, StoreErr: gone("c1", 1)},
			{ItemID: "c2", Status: audit.StatusDone, StoreErr: `store /tmp/wl.cxr.db: put outcome item "c2": database or disk is full`},
			{ItemID: "c3", Status: audit.StatusDone, StoreErr: gone("c3", 1)},
		}, []string{"c2 failed: result not stored: ", "disk is full", "1 more item(s) failed with the same error as c1 (above)"}, 2},
		{"an item error is not a store error", []*audit.Result{
			{ItemID: "c1", Status: audit.StatusError, Err: "not stored: x"},
			{ItemID: "c2", Status: audit.StatusDone, StoreErr: "x"},
		}, []string{"c1 failed: not stored: x", "c2 failed: result not stored: x"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := newProgress(&buf, len(tt.results))
			s := runSummary{total: len(tt.results)}
			for _, r := range tt.results {
				s.add(r)
				p.item(s, r)
			}
			p.finish()
			out := buf.String()
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			assert.Equal(t, tt.printed, strings.Count(out, "result not stored"), out)
		})
	}
}
