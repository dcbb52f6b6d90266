package pipeline

import (
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
