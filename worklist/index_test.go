package worklist

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// indexMap is what l.Index finds for each of l's items' ids: id → position.
func indexMap(l List) map[string]int {
	m := map[string]int{}
	for _, it := range l.Items {
		if i, ok := l.Index.Find(it.ID); ok {
			m[it.ID] = i
		}
	}
	return m
}

// TestIDIndexFind: the index finds each id at its position and no id it
// was not given, whether hashes are all distinct or collide (forced by a
// tiny hash), and a position past the items it is asked among is not
// found.
func TestIDIndexFind(t *testing.T) {
	tests := []struct {
		name string
		hash func(string) uint64
	}{
		{"maphash", nil},
		{"all collide", func(string) uint64 { return 7 }},
		{"length", func(s string) uint64 { return uint64(len(s)) }},
		{"length parity", func(s string) uint64 { return uint64(len(s) % 2) }},
	}
	ids := []string{"a", "b", "ab", "ba", "abc", "x", "xy", "xyz", "b2", "a1"}
	absent := []string{"c", "abcd", "yx", "", "A", "a "}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newIDIndex(0, tt.hash)
			var items []audit.Item
			for _, id := range ids {
				_, found := x.find(items, id)
				require.False(t, found, "%s before it is added", id)
				x.add(id, len(items))
				items = append(items, audit.Item{ID: id})
			}
			require.Equal(t, len(ids), x.Len())
			for _, y := range []*IDIndex{x.over(items), x.sized(100).over(items)} {
				for i, id := range ids {
					got, ok := y.Find(id)
					require.True(t, ok, id)
					assert.Equal(t, i, got, id)
				}
				for _, id := range absent {
					_, ok := y.Find(id)
					assert.False(t, ok, "%q", id)
				}
			}
			// Among the first 3 items only: the rest are not found.
			for i, id := range ids {
				got, ok := x.find(items[:3], id)
				assert.Equal(t, i < 3, ok, id)
				if ok {
					assert.Equal(t, i, got)
				}
			}
		})
	}
	var nilIndex *IDIndex
	_, ok := nilIndex.Find("a")
	assert.False(t, ok)
	assert.Zero(t, nilIndex.Len())
}

// TestLoadDuplicatesWithCollidingHashes: with every id hashing alike,
// a worklist still refuses only true duplicates, naming the first line.
func TestLoadDuplicatesWithCollidingHashes(t *testing.T) {
	dir := t.TempDir()
	content := "id,image,draft\n"
	for _, id := range []string{"a", "b", "a", "c", "b"} {
		content += fmt.Sprintf("%s,img.png,draft %s\n", id, id)
	}
	writeCaseFiles(t, dir, "wl.csv", content)
	writeCaseFiles(t, dir, "img.png", "png")
	b := newRowBuilder(filepath.Join(dir, "wl.csv"), "", osFileOps)
	b.seen = itemIDs{index: newIDIndex(0, func(string) uint64 { return 1 }), items: &b.items}
	err := scan(t.Context(), filepath.Join(dir, "wl.csv"), b, config{})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c"}, ids(b.items))
	require.Len(t, b.problems, 2)
	assert.Contains(t, b.problems[0].Error(), "wl.csv:4: a: ")
	assert.Contains(t, b.problems[0].Error(), "duplicate id (first on line 2)")
	assert.Contains(t, b.problems[1].Error(), "wl.csv:6: b: duplicate id (first on line 3)")
}

// FuzzIDIndex: whatever the ids, and with a one-byte hash that makes
// collisions common, the index agrees with a map from the ids.
func FuzzIDIndex(f *testing.F) {
	f.Add("a,b,a,ab,ba,", "b")
	f.Add(",,x", "y")
	f.Fuzz(func(t *testing.T, list, probe string) {
		x := newIDIndex(0, func(s string) uint64 {
			if s == "" {
				return 0
			}
			return uint64(s[len(s)-1])
		})
		want := map[string]int{}
		var items []audit.Item
		start := 0
		for i := 0; i <= len(list); i++ {
			if i < len(list) && list[i] != ',' {
				continue
			}
			id := list[start:i]
			start = i + 1
			if _, dup := x.find(items, id); dup != (want[id] > 0) {
				t.Fatalf("%q: found %v, map says %v", id, dup, want[id] > 0)
			}
			if want[id] > 0 {
				continue
			}
			x.add(id, len(items))
			items = append(items, audit.Item{ID: id})
			want[id] = len(items)
		}
		for _, id := range append(ids(items), probe) {
			got, ok := x.find(items, id)
			require.Equal(t, want[id] > 0, ok, id)
			if ok {
				require.Equal(t, want[id]-1, got, id)
			}
		}
	})
}

// BenchmarkIDIndexMemory builds an index of n ids as a worklist's read
// does and reports the heap it holds per id (bytes/id), against a map
// from the id strings (what List.Index was).
func BenchmarkIDIndexMemory(b *testing.B) {
	const n = 1 << 20
	items := make([]audit.Item, n)
	for i := range items {
		items[i].ID = fmt.Sprintf("study-%07d", i)
	}
	held := func(build func() any) float64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		x := build()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(x)
		return float64(after.HeapAlloc-before.HeapAlloc) / n
	}
	b.Run("IDIndex", func(b *testing.B) {
		var per float64
		for b.Loop() {
			per = held(func() any {
				x := newIDIndex(n, nil)
				for i, it := range items {
					x.add(it.ID, i)
				}
				return x
			})
		}
		b.ReportMetric(per, "bytes/id")
	})
	b.Run("map", func(b *testing.B) {
		var per float64
		for b.Loop() {
			per = held(func() any {
				m := make(map[string]int, n)
				for i, it := range items {
					m[it.ID] = i
				}
				return m
			})
		}
		b.ReportMetric(per, "bytes/id")
	})
}
