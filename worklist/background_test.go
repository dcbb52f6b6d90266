package worklist

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readBackground reads path with LoadInBackground (publishing at first
// rows, then every step) and returns each Progress seen (at least the
// last) and the final List.
func readBackground(t *testing.T, path string, first, step int) ([]Progress, List, error) {
	t.Helper()
	bg := loadInBackground(context.Background(), path, osFileOps, config{}, first, step)
	defer bg.Stop()
	require.NoError(t, bg.Ready(context.Background()))
	bg.Continue()
	var seen []Progress
	for {
		select {
		case <-bg.Changed():
		case <-bg.Finished():
		}
		p := bg.Progress()
		seen = append(seen, p)
		if p.Done {
			wl, err := bg.List()
			return seen, wl, err
		}
	}
}

// TestBackgroundMatchesLoad: read in the background, every worklist case
// ends as Load reads it (items, index, problems and error), whatever
// the publishing steps, and each Progress extends the one before.
func TestBackgroundMatchesLoad(t *testing.T) {
	for _, tt := range worklistCases {
		for _, step := range []int{1, 2, 1000} {
			t.Run(fmt.Sprintf("%s/step=%d", tt.name, step), func(t *testing.T) {
				dir := t.TempDir()
				writeCaseFiles(t, dir, tt.file, tt.content)
				path := filepath.Join(dir, tt.file)
				want, wantErr := Load(context.Background(), path)
				seen, got, err := readBackground(t, path, 1, step)
				assert.Equal(t, want.Items, got.Items)
				assert.Equal(t, indexMap(want), indexMap(got))
				assert.Equal(t, want.Index.Len(), got.Index.Len())
				assert.Equal(t, problemLines(want.Problems), problemLines(got.Problems))
				if wantErr != nil {
					require.Error(t, err)
					assert.Equal(t, wantErr.Error(), err.Error())
				} else {
					assert.NoError(t, err)
				}
				for i := 1; i < len(seen); i++ {
					prev, cur := seen[i-1], seen[i]
					require.GreaterOrEqual(t, len(cur.Items), len(prev.Items))
					assert.Equal(t, prev.Items, cur.Items[:len(prev.Items)], "a later Progress keeps the earlier rows")
				}
			})
		}
	}
}

// bigWorklist writes n rows (ids r0…), then the lines of tail, and
// returns the worklist's path.
func bigWorklist(t *testing.T, n int, tail string) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,image,draft\n")
	for i := range n {
		fmt.Fprintf(&b, "r%d,a.png,draft %d\n", i, i)
	}
	b.WriteString(tail)
	writeFiles(t, dir, map[string]string{"a.png": "x", "wl.csv": b.String()})
	return filepath.Join(dir, "wl.csv")
}

// TestBackgroundLateProblems: a duplicate of an id read long before (and
// already published), and a bad row after the first rows are out, are
// problems with their line, the rows after them still load, and Find
// knows only what is published: held after 10 rows, or after 2,048 (past
// the row at which the read sizes itself for the whole file).
func TestBackgroundLateProblems(t *testing.T) {
	for _, first := range []int{10, 2048} {
		t.Run(fmt.Sprint(first), func(t *testing.T) { lateProblems(t, first) })
	}
}

func lateProblems(t *testing.T, first int) {
	path := bigWorklist(t, 5000, "r3,a.png,again\nbad,missing.png,x\n\"unterminated,a.png,x\nlast,a.png,x\n")
	bg := loadInBackground(context.Background(), path, osFileOps, config{}, first, 100_000)
	defer bg.Stop()
	require.NoError(t, bg.Ready(context.Background()))
	bg.Continue()
	<-bg.Finished()
	p := bg.Progress()
	require.True(t, p.Done)
	require.NoError(t, p.Err)
	require.Len(t, p.Items, 5000)
	assert.Equal(t, []string{"5002:r3", "5003:bad", "5004:"}, problemLines(p.Problems))
	assert.Contains(t, p.Problems[0].Error(), "duplicate id (first on line 5)")
	assert.Contains(t, p.Problems[2].Error(), "wl.csv:5004")
	i, ok := bg.Find("r4999")
	assert.True(t, ok)
	assert.Equal(t, 4999, i)
	_, ok = bg.Find("last")
	assert.False(t, ok, "the unterminated quote swallows the rest of the file")
	it, ok := bg.Item("r3")
	require.True(t, ok)
	assert.Equal(t, "draft 3", it.Draft)
}

// TestBackgroundFirstRows: Ready returns once the first rows are out;
// the read then waits for Continue, and Find does not see a row not yet
// published.
func TestBackgroundFirstRows(t *testing.T) {
	bg := loadInBackground(context.Background(), bigWorklist(t, 3000, ""), osFileOps, config{}, 100, 50)
	defer bg.Stop()
	require.NoError(t, bg.Ready(context.Background()))
	p := bg.Progress()
	require.False(t, p.Done)
	require.Len(t, p.Items, 100, "held after the first rows")
	for i, it := range p.Items {
		require.Equal(t, fmt.Sprintf("r%d", i), it.ID)
	}
	_, ok := bg.Find("r99")
	assert.True(t, ok)
	_, ok = bg.Find("r100")
	assert.False(t, ok, "only published rows are found")
	bg.Continue()
	<-bg.Finished()
	assert.Len(t, bg.Progress().Items, 3000)
	i, ok := bg.Find("r2999")
	assert.True(t, ok)
	assert.Equal(t, 2999, i)
}

// TestBackgroundStop: Stop cancels a read, held after its first rows or
// under way, and waits for it: the read ends with the context's error.
func TestBackgroundStop(t *testing.T) {
	for _, goOn := range []bool{false, true} {
		t.Run(fmt.Sprintf("continued=%v", goOn), func(t *testing.T) {
			bg := loadInBackground(context.Background(), bigWorklist(t, 50_000, ""), osFileOps, config{}, 1, 1)
			require.NoError(t, bg.Ready(context.Background()))
			if goOn {
				bg.Continue()
				<-bg.Changed()
			}
			bg.Stop()
			select {
			case <-bg.Finished():
			default:
				t.Fatal("Stop returned before the read ended")
			}
			p := bg.Progress()
			require.True(t, p.Done)
			require.ErrorIs(t, p.Err, context.Canceled)
			assert.Less(t, len(p.Items), 50_000)
		})
	}
}

// TestBackgroundReadyCanceled: a read that ended is ready, however few
// its rows; Ready gives up when its context ends before the first rows.
func TestBackgroundReadyCanceled(t *testing.T) {
	bg := loadInBackground(context.Background(), bigWorklist(t, 10, ""), osFileOps, config{}, 1000, 1)
	defer bg.Stop() // never held: it ended before its first 1,000 rows
	<-bg.Finished()
	require.NoError(t, bg.Ready(context.Background()))
	assert.Len(t, bg.Progress().Items, 10)

	gate := make(chan struct{})
	ops := statOnly
	ops.stat = func(p string) (fs.FileInfo, error) {
		if filepath.Base(p) == "wl.csv" {
			return os.Stat(p)
		}
		<-gate
		return fakeInfo{}, nil
	}
	held := loadInBackground(context.Background(), bigWorklist(t, 10, ""), ops, config{}, 1, 1)
	defer held.Stop()
	defer close(gate) // before Stop: the read waits on it
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, held.Ready(ctx), context.Canceled)
}
