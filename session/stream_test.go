package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/store"
)

// TestRunStreamsWorklist: run reads its worklist a chunk at a time (here 2
// items), yet reports each bad row once, before the run, with its line;
// writes the lines in worklist order; records every item in the store in
// worklist order; and exits 2 for the bad rows, as when it loaded the
// worklist whole.
func TestRunStreamsWorklist(t *testing.T) {
	defer func(n int) { itemChunk = n }(itemChunk)
	itemChunk = 2
	dir := t.TempDir()
	srv := runServer(t)
	var b strings.Builder
	b.WriteString("id,image,draft\n")
	var want []string
	for i := range 7 {
		writeRunImage(t, filepath.Join(dir, fmt.Sprintf("c%d.png", i)), i)
		fmt.Fprintf(&b, "case-%d,c%d.png,Case %d. No pneumothorax.\n", i, i, i)
		want = append(want, fmt.Sprintf("case-%d", i))
		if i == 2 {
			b.WriteString("bad,missing.png,x\n") // line 5
		}
	}
	b.WriteString("case-1,c1.png,duplicate\n") // line 10
	wl := filepath.Join(dir, "wl.csv")
	require.NoError(t, os.WriteFile(wl, []byte(b.String()), 0o644))
	out := filepath.Join(dir, "results.jsonl")

	r := runWorklistOn(t, srv, wl, out)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "skipped row: "+wl+":5: bad: image:"), r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "skipped row: "+wl+":10: case-1: duplicate id (first on line 3)"), r.stderr)
	assert.Equal(t, 2, strings.Count(r.stderr, "skipped row:"), r.stderr)
	assert.Contains(t, r.stderr, "7 of 7 items: 7 done, 0 failed")
	assert.Contains(t, r.stderr, "2 worklist row(s) skipped (see above)")
	assert.Less(t, strings.Index(r.stderr, "skipped row:"), strings.Index(r.stderr, "7 of 7 items"))

	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var o struct{ ID string }
		require.NoError(t, json.Unmarshal([]byte(l), &o))
		got = append(got, o.ID)
	}
	assert.Equal(t, want, got, "worklist order")

	st, err := store.Open(context.Background(), filepath.Join(dir, "wl.cxr.db"), store.ReadOnly())
	require.NoError(t, err)
	defer st.Close()
	items, err := st.Items(context.Background())
	require.NoError(t, err)
	var stored []string
	for i, it := range items {
		assert.Equal(t, i, it.Seq)
		stored = append(stored, it.ID)
	}
	assert.Equal(t, want, stored)
	evs, err := st.Events(context.Background(), 0, 10)
	require.NoError(t, err)
	require.NotEmpty(t, evs)
	assert.Equal(t, "run_start", evs[0].Kind)
	assert.Contains(t, evs[0].Data, `"items":7`)
	assert.Contains(t, evs[0].Data, `"skipped_rows":2`)
}
