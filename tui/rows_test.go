package tui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

func TestRowTable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		write []int
		pages int // pages made
	}{
		{"nothing written makes no page", 3*rowPageSize + 5, nil, 0},
		{"one row, one page", 3*rowPageSize + 5, []int{rowPageSize + 7}, 1},
		{"the last page is short", 3*rowPageSize + 5, []int{3*rowPageSize + 4}, 1},
		{"rows of one page share it", 3*rowPageSize + 5, []int{0, 1, rowPageSize - 1}, 1},
		{"first and last", 2 * rowPageSize, []int{0, 2*rowPageSize - 1}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := newRowTable(tc.n)
			assert.Equal(t, tc.n, tb.len())
			for i := range tc.n {
				require.Equal(t, row{}, tb.get(i))
			}
			for _, i := range tc.write {
				tb.at(i).status = audit.StatusDone
			}
			made := 0
			for _, p := range tb.pages {
				if p != nil {
					made++
				}
			}
			assert.Equal(t, tc.pages, made, "reading makes no page")
			d := reviewData{rows: tb}
			done, failed := d.counts()
			assert.Equal(t, len(tc.write), done)
			assert.Zero(t, failed)
			for _, i := range tc.write {
				assert.Equal(t, audit.StatusDone, tb.get(i).status)
			}
		})
	}
}
