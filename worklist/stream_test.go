package worklist

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// scanned is what Scan passed on, collected.
type scanned struct {
	items    []audit.Item
	problems []RowError
	counts   ScanCounts
	err      error
}

func scanAll(t testing.TB, path string, opts ...Option) scanned {
	t.Helper()
	var s scanned
	s.counts, s.err = Scan(context.Background(), path,
		func(it audit.Item) error { s.items = append(s.items, it); return nil },
		func(p RowError) { s.problems = append(s.problems, p) }, opts...)
	return s
}

// requireSameAsLoad asserts Scan gives what Load gives:
// the same items, the same problems (messages and wrapped errors), the
// same error.
func requireSameAsLoad(t *testing.T, path string, opts ...Option) {
	t.Helper()
	wl, loadErr := Load(context.Background(), path, opts...)
	s := scanAll(t, path, opts...)
	assert.Equal(t, wl.Items, s.items)
	assert.Equal(t, ScanCounts{Items: len(wl.Items), Problems: len(wl.Problems)}, s.counts)
	require.Len(t, s.problems, len(wl.Problems))
	for i, p := range wl.Problems {
		assert.Equal(t, p.Error(), s.problems[i].Error())
		assert.Equal(t, errors.Is(p, ErrOutsideFolder), errors.Is(s.problems[i], ErrOutsideFolder))
	}
	if loadErr == nil {
		assert.NoError(t, s.err)
		return
	}
	require.Error(t, s.err)
	assert.Equal(t, loadErr.Error(), s.err.Error())
	assert.Equal(t, errors.Is(loadErr, ErrNoItems), errors.Is(s.err, ErrNoItems))
}

func TestScanWorklistMatchesLoad(t *testing.T) {
	for _, tt := range worklistCases {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeCaseFiles(t, dir, tt.file, tt.content)
			requireSameAsLoad(t, filepath.Join(dir, tt.file))
		})
	}
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"a.png": "x", "a.txt": "No acute findings.", "b.DCM": "x", "b.txt": "Cardiomegaly.",
			"b.jpeg": "x", "c.jpg": "x", "d.png": "x", "d.txt": " ",
		})
		requireSameAsLoad(t, dir)
	})
	t.Run("outside paths", func(t *testing.T) {
		outside := t.TempDir()
		writeFiles(t, outside, map[string]string{"secret.png": "x", "secret.txt": "a local file"})
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"a.png": "x", "wl.csv": "id,image,draft,draft_file\n" +
			"ok,a.png,x,\n" +
			"abs," + filepath.Join(outside, "secret.png") + ",x,\n" +
			"dots,a.png,,../" + filepath.Base(outside) + "/secret.txt\n"})
		require.NoError(t, os.Symlink(filepath.Join(outside, "secret.png"), filepath.Join(dir, "link.png")))
		writeFiles(t, dir, map[string]string{"wl2.csv": "id,image,draft\nlink,link.png,x\n"})
		for _, p := range []string{"wl.csv", "wl2.csv"} {
			requireSameAsLoad(t, filepath.Join(dir, p))
			requireSameAsLoad(t, filepath.Join(dir, p), AllowOutsidePaths())
		}
	})
	t.Run("not a file", func(t *testing.T) {
		requireSameAsLoad(t, filepath.Join(t.TempDir(), "nope.csv"))
	})
}

// TestScanWorklistDuplicatesFarApart: the hashed id set finds a duplicate
// however far from its first row, and names that row.
func TestScanWorklistDuplicatesFarApart(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,image,draft\n")
	for i := range 20_000 {
		fmt.Fprintf(&b, "item-%d,a.png,draft %d\n", i, i)
	}
	b.WriteString("item-7,a.png,again\nitem-19999,a.png,again\nitem-20000,a.png,new\n")
	writeFiles(t, dir, map[string]string{"a.png": "x", "wl.csv": b.String()})
	s := scanAll(t, filepath.Join(dir, "wl.csv"))
	require.NoError(t, s.err)
	assert.Equal(t, ScanCounts{Items: 20_001, Problems: 2}, s.counts)
	assert.Equal(t, []string{"20002:item-7", "20003:item-19999"}, problemLines(s.problems))
	assert.Contains(t, s.problems[0].Error(), "duplicate id (first on line 9)")
	assert.Contains(t, s.problems[1].Error(), "duplicate id (first on line 20001)")
	assert.Equal(t, "item-20000", s.items[len(s.items)-1].ID)
}

// TestScanWorklistStops: an error from item stops the read at once and is
// returned as it is, whatever the format.
func TestScanWorklistStops(t *testing.T) {
	errEnough := errors.New("enough")
	tests := []struct {
		name  string
		files map[string]string
		path  string
	}{
		{"csv", map[string]string{"a.png": "x", "wl.csv": "id,image,draft\na,a.png,x\nb,a.png,x\nc,a.png,x\n"}, "wl.csv"},
		{"jsonl", map[string]string{"a.png": "x", "wl.jsonl": `{"id":"a","image":"a.png","draft":"x"}` + "\n" +
			`{"id":"b","image":"a.png","draft":"x"}` + "\n" + `{"id":"c","image":"a.png","draft":"x"}` + "\n"}, "wl.jsonl"},
		{"directory", map[string]string{"a.png": "x", "a.txt": "x", "b.png": "x", "b.txt": "x", "c.png": "x", "c.txt": "x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			var got []string
			n, err := Scan(context.Background(), filepath.Join(dir, tt.path), func(it audit.Item) error {
				got = append(got, it.ID)
				if len(got) == 2 {
					return errEnough
				}
				return nil
			}, nil)
			require.ErrorIs(t, err, errEnough)
			assert.Equal(t, "enough", err.Error())
			assert.Equal(t, []string{"a", "b"}, got)
			assert.Equal(t, 2, n.Items)
		})
	}
}

// FuzzScanMatchesLoad: whatever the bytes, the streaming reader (hashed
// ids, rows passed on) and the loader (rows kept) agree row for row.
func FuzzScanMatchesLoad(f *testing.F) {
	for _, tt := range worklistCases {
		f.Add(tt.content, strings.HasSuffix(tt.file, ".jsonl") || tt.file == "worklist")
	}
	f.Add("id,image,draft\na,a.png,x\n", false)
	f.Add("id,image,draft_file\na,a.png,d.txt\na,b.png,\n", false)
	f.Add("id,image,draft\n\"a,a.png,x\nb,\"b\"x,y\n", false)
	f.Add(`{"id":"a","image":"a.png","draft_file":"d.txt","truth":null}`+"\n{\n"+`{"id":"a","image":"b.png","draft":"y"}`+"\n", true)
	f.Add(`{"id":1}`+"\n"+`[]`+"\n", true)
	f.Fuzz(func(t *testing.T, data string, jsonl bool) {
		parse := parseCSV
		if jsonl {
			parse = parseJSONL
		}
		load := newRowBuilder("wl", "/w", statOnly)
		loadErr := parse(context.Background(), strings.NewReader(data), load)

		scan := newRowBuilder("wl", "/w", statOnly)
		scan.seen = newHashedIDs()
		var items []audit.Item
		var problems []string
		scan.onItem = func(it audit.Item) error { items = append(items, it); return nil }
		scan.onProblem = func(p RowError) { problems = append(problems, p.Error()) }
		scanErr := parse(context.Background(), strings.NewReader(data), scan)

		require.Equal(t, loadErr, scanErr)
		require.Equal(t, load.items, items)
		require.Len(t, problems, len(load.problems))
		for i, p := range load.problems {
			require.Equal(t, p.Error(), problems[i])
		}
		require.Equal(t, len(load.items), scan.nItems)
		require.Equal(t, len(load.problems), scan.nProblems)
	})
}
