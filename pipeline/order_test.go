package pipeline

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

func TestInOrder(t *testing.T) {
	tests := []struct {
		name    string
		items   string // ids in worklist order
		arrive  string // item results in the order they arrive ("-" = a stage update)
		want    string // emitted before Flush
		flushed string // emitted by Flush
		missing int
	}{
		{"already in order", "a b c", "a b c", "a b c", "", 0},
		{"reversed", "a b c", "c b a", "a b c", "", 0},
		{"stage updates are ignored", "a b", "- b - a", "a b", "", 0},
		{"held behind an unfinished item", "a b c d", "b d c", "", "b c d", 1},
		{"partly out", "a b c d", "a c d", "a", "c d", 1},
		{"duplicate ids count once", "a b a c", "c b a", "a b c", "", 0},
		{"unknown and repeated results are ignored", "a b", "x a a b b", "a b", "", 0},
		{"nothing finished", "a b", "", "", "", 2},
		{"repeated ids, out of order, the last unfinished", "a a b a c d", "d b a", "a b", "d", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []audit.Item
			for _, id := range strings.Fields(tt.items) {
				items = append(items, audit.Item{ID: id})
			}
			var got []string
			o := NewInOrder(items, func(it audit.Item, r *audit.Result) {
				assert.Equal(t, it.ID, r.ItemID)
				got = append(got, it.ID)
			})
			for _, id := range strings.Fields(tt.arrive) {
				if id == "-" {
					o.Add(audit.Update{ItemID: "a", Stage: audit.StageDraft, Status: audit.StatusDone})
					continue
				}
				o.Add(audit.Update{ItemID: id, Result: &audit.Result{ItemID: id}})
			}
			assert.Equal(t, strings.Fields(tt.want), nonNil(got), "before Flush")
			if tt.flushed == "" && tt.missing == 0 && !strings.Contains(tt.name, "unknown") {
				assert.Empty(t, o.early, "nothing held once every item had its turn")
			}
			got = nil
			assert.Equal(t, tt.missing, o.Flush())
			assert.Equal(t, strings.Fields(tt.flushed), nonNil(got), "Flush")
		})
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestInOrderStream: an InOrder told its items one by one (Expect, as a
// streamed run queues them) emits as NewInOrder does, and keeps only the
// items not emitted yet.
func TestInOrderStream(t *testing.T) {
	tests := []struct {
		name    string
		steps   string // "+a" expects a, "a" is a's result
		want    string
		flushed string
		missing int
	}{
		{"in order", "+a +b a +c b c", "a b c", "", 0},
		{"reversed", "+a +b +c c b a", "a b c", "", 0},
		{"a result before its turn waits", "+a +b b +c c", "", "b c", 1},
		{"expected after others finished", "+a a +b +c c b", "a b c", "", 0},
		{"unknown ids are never emitted", "+a x a", "a", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			o := NewInOrderStream(func(it audit.Item, r *audit.Result) {
				assert.Equal(t, it.ID, r.ItemID)
				got = append(got, it.ID)
			})
			for _, s := range strings.Fields(tt.steps) {
				if id, ok := strings.CutPrefix(s, "+"); ok {
					o.Expect(audit.Item{ID: id})
					continue
				}
				o.Add(audit.Update{ItemID: s, Result: &audit.Result{ItemID: s}})
			}
			assert.Equal(t, strings.Fields(tt.want), nonNil(got))
			got = nil
			assert.Equal(t, tt.missing, o.Flush())
			assert.Equal(t, strings.Fields(tt.flushed), nonNil(got))
		})
	}
	// A long run keeps only the items not emitted yet.
	n := 0
	o := NewInOrderStream(func(audit.Item, *audit.Result) { n++ })
	for i := range 100_000 {
		id := strconv.Itoa(i)
		o.Expect(audit.Item{ID: id})
		o.Add(audit.Update{ItemID: id, Result: &audit.Result{ItemID: id}})
	}
	assert.Equal(t, 100_000, n)
	assert.LessOrEqual(t, cap(o.items), 8192, "emitted items dropped")
}
