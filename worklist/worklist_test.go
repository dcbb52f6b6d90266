package worklist

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// writeFiles creates each name (relative to dir) with its content.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

func ids(items []audit.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// problemLines renders problems as "line:id:substring-of-error" for compact
// table assertions.
func problemLines(ps []RowError) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%d:%s", p.Line, p.ID)
	}
	return out
}

// worklistCases are TestLoadWorklist's cases, shared with the streaming
// reader's tests. Synthetic files only: the "images" are never decoded, so
// any bytes do (writeCaseFiles writes them).
var worklistCases = []struct {
	name      string
	file      string
	content   string
	wantIDs   []string
	wantProbs []string // "line:id"
	wantMsgs  []string // substrings, one per problem
	wantErr   string
}{
	{
		name:    "csv basic",
		file:    "wl.csv",
		content: "id,image,draft\na,img/a.png,No acute findings.\nb,img/b.png,\"Large effusion, right.\"\n",
		wantIDs: []string{"a", "b"},
	},
	{
		name:    "csv column order free, BOM, case, CRLF, extra column",
		file:    "wl.csv",
		content: "\uFEFFDraft,Extra,ID,Image\r\nNo acute findings.,x,a,img/a.png\r\n",
		wantIDs: []string{"a"},
	},
	{
		name:    "csv draft_file and truth",
		file:    "wl.csv",
		content: "id,image,draft_file,truth\na,img/a.png,drafts/a.txt,\"[{\"\"label\"\":\"\"pneumothorax\"\",\"\"box_2d\"\":[0.1,0.1,0.5,0.4]}]\"\nb,img/b.png,drafts/b.txt,[]\n",
		wantIDs: []string{"a", "b"},
	},
	{
		name: "csv bad rows reported, good rows load",
		file: "wl.csv",
		content: "id,image,draft,truth\n" +
			"a,img/a.png,ok,\n" + // line 2 good
			"b,img/missing.png,ok,\n" + // 3 missing image
			"a,img/b.png,ok,\n" + // 4 duplicate id
			"c,img/b.png,  ,\n" + // 5 empty draft
			"d,img/b.png,ok,\"[{\"\"label\"\":\"\"x\"\"}]\"\n" + // 6 unknown truth label
			"e,img/b.png,ok\n" + // 7 wrong column count
			"f,img/b.png,ok,not json\n" + // 8 bad truth JSON
			",img/b.png,ok,\n" + // 9 empty id
			"g,img,ok,\n" + // 10 image is a directory
			"h,img/b.png,\"multi\nline draft\",\n" + // 11-12 good, starts on line 11
			"i,img/b.png,ok,\"[{\"\"label\"\":\"\"pneumothorax\"\",\"\"box_2d\"\":[0.5,0.5,0.1,0.1]}]\"\n", // 13 bad box
		wantIDs:   []string{"a", "h"},
		wantProbs: []string{"3:b", "4:a", "5:c", "6:d", "7:", "8:f", "9:", "10:g", "13:i"},
		wantMsgs:  []string{"missing.png", "duplicate id (first on line 2)", "empty draft", "unknown label", "3 columns, the header has 4", "truth", "empty id", "is a directory", "box_2d"},
	},
	{
		name:      "csv missing draft_file",
		file:      "wl.csv",
		content:   "id,image,draft,draft_file\na,img/a.png,,drafts/nope.txt\nb,img/b.png,both given,drafts/b.txt\nc,img/b.png,inline,\n",
		wantIDs:   []string{"c"},
		wantProbs: []string{"2:a", "3:b"},
		wantMsgs:  []string{"nope.txt", "both draft and draft_file are given"},
	},
	{
		name:    "csv header without draft",
		file:    "wl.csv",
		content: "id,image\na,img/a.png\n",
		wantErr: "header lacks column draft",
	},
	{
		name:    "csv empty",
		file:    "wl.csv",
		content: "",
		wantErr: "no usable rows",
	},
	{
		name:      "csv only bad rows",
		file:      "wl.csv",
		content:   "id,image,draft\na,img/missing.png,x\n",
		wantProbs: []string{"2:a"},
		wantMsgs:  []string{"missing.png"},
		wantErr:   "no usable rows",
	},
	{
		name: "jsonl",
		file: "wl.jsonl",
		content: `{"id":"a","image":"img/a.png","draft":"No acute findings.","truth":[{"label":"no_finding"}]}` + "\n" +
			"\n" + // blank line 2 skipped
			`{"id":"b","image":"img/b.png","draft_file":"drafts/b.txt","truth":null}` + "\n" +
			`{"id":"c","image":"img/b.png","draft":"x"` + "\n" + // 4 bad JSON
			`{"image":"img/b.png","draft":"x"}` + "\n" + // 5 no id
			`{"id":"d","image":"img/b.png","draft":"x","truth":{"label":"no_finding"}}` + "\n" + // 6 truth not array
			`{"id":"b","image":"img/b.png","draft":"x"}`, // 7 duplicate, no final newline
		wantIDs:   []string{"a", "b"},
		wantProbs: []string{"4:", "5:", "6:d", "7:b"},
		wantMsgs:  []string{"bad JSON line", `missing "id"`, "truth", "duplicate id (first on line 3)"},
	},
	{
		name:    "jsonl sniffed without extension",
		file:    "worklist",
		content: "  \n" + `{"id":"a","image":"img/a.png","draft":"x"}` + "\n",
		wantIDs: []string{"a"},
	},
}

// writeCaseFiles writes a worklistCase's file and the files it names.
func writeCaseFiles(t testing.TB, dir, file, content string) {
	writeFiles(t, dir, map[string]string{
		"img/a.png":    "not decoded",
		"img/b.png":    "not decoded",
		"drafts/a.txt": "  Small left pneumothorax.\n",
		"drafts/b.txt": "No acute findings.",
		file:           content,
	})
}

func TestLoadWorklist(t *testing.T) {
	tests := worklistCases
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeCaseFiles(t, dir, tt.file, tt.content)
			wl, err := Load(context.Background(), filepath.Join(dir, tt.file))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantIDs, nilIfEmpty(ids(wl.Items)))
			require.Equal(t, tt.wantProbs, nilIfEmpty(problemLines(wl.Problems)))
			for i, p := range wl.Problems {
				assert.Equal(t, filepath.Join(dir, tt.file), p.File)
				assert.Contains(t, p.Error(), tt.wantMsgs[i])
				assert.True(t, strings.HasPrefix(p.Error(), fmt.Sprintf("%s:%d: ", p.File, p.Line)), p.Error())
			}
			for _, it := range wl.Items {
				assert.True(t, filepath.IsAbs(it.ImagePath), it.ImagePath)
				assert.FileExists(t, it.ImagePath)
				assert.NotEmpty(t, it.Draft)
				assert.Positive(t, it.Line)
			}
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestLoadWorklistFields(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"img/a.png":    "x",
		"drafts/a.txt": "  Small left pneumothorax.\n",
		"wl.csv": "id,image,draft_file,truth\n" +
			"a,img/a.png,drafts/a.txt,\"[{\"\"label\"\":\"\"pneumothorax\"\",\"\"box_2d\"\":[0.1,0.2,0.5,0.4]}]\"\n" +
			"b,img/a.png,drafts/a.txt,[]\n" +
			"c,img/a.png,drafts/a.txt,\n",
	})
	// A relative worklist path resolves images to absolute paths.
	t.Chdir(dir)
	wl, err := Load(context.Background(), "wl.csv")
	require.NoError(t, err)
	require.Len(t, wl.Items, 3)
	a := wl.Items[0]
	assert.Equal(t, audit.Item{
		ID: "a", ImagePath: filepath.Join(dir, "img", "a.png"), Draft: "Small left pneumothorax.",
		Truth:    []schema.Finding{{Label: schema.Pneumothorax, Box: &schema.Box{Y0: 0.1, X0: 0.2, Y1: 0.5, X1: 0.4}}},
		HasTruth: true, Line: 2,
	}, a)
	assert.True(t, wl.Items[1].HasTruth)
	assert.NotNil(t, wl.Items[1].Truth)
	assert.Empty(t, wl.Items[1].Truth)
	assert.False(t, wl.Items[2].HasTruth)
}

func TestLoadWorklistDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.png":     "x",
		"a.txt":     "No acute findings.",
		"b.DCM":     "x",
		"b.txt":     "Cardiomegaly.",
		"c.jpg":     "x", // no sidecar
		"b.jpeg":    "x", // duplicate stem of b.DCM
		"d.png":     "x",
		"d.txt":     "   ", // empty draft
		"notes.txt": "ignored",
		"e.gif":     "ignored",
		"sub/f.png": "ignored: not recursive",
	})
	wl, err := Load(context.Background(), dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, ids(wl.Items))
	assert.Equal(t, filepath.Join(dir, "b.DCM"), wl.Items[1].ImagePath)
	assert.Equal(t, "Cardiomegaly.", wl.Items[1].Draft)
	require.Len(t, wl.Problems, 3)
	got := map[string]string{}
	for _, p := range wl.Problems {
		assert.Zero(t, p.Line)
		got[filepath.Base(p.File)] = p.Error()
	}
	assert.Contains(t, got["b.jpeg"], "duplicate id")
	assert.Contains(t, got["c.jpg"], "c.txt")
	assert.Contains(t, got["d.png"], "empty draft")
}

func TestLoadWorklistMissing(t *testing.T) {
	_, err := Load(context.Background(), filepath.Join(t.TempDir(), "nope.csv"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestLoadWorklistCanceled(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,image,draft\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "%d,a.png,x\n", i)
	}
	writeFiles(t, dir, map[string]string{"a.png": "x", "wl.csv": b.String()})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, filepath.Join(dir, "wl.csv"))
	require.ErrorIs(t, err, context.Canceled)
}

// countingOps wraps the OS file operations and counts reads per path.
type countingOps struct {
	stats, lstats, evals, reads atomic.Int64
	readPaths                   []string
}

func (c *countingOps) ops() fileOps {
	return fileOps{
		stat:  func(p string) (fs.FileInfo, error) { c.stats.Add(1); return os.Stat(p) },
		lstat: func(p string) (fs.FileInfo, error) { c.lstats.Add(1); return os.Lstat(p) },
		readFile: func(p string) ([]byte, error) {
			c.reads.Add(1)
			c.readPaths = append(c.readPaths, p)
			return os.ReadFile(p)
		},
		evalSymlinks: func(p string) (string, error) { c.evals.Add(1); return filepath.EvalSymlinks(p) },
	}
}

// TestLoadWorklistNeverReadsImages proves the promise that images are only
// stat'ed: every file read goes through fileOps.readFile, and the only ones
// are draft files.
func TestLoadWorklistNeverReadsImages(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,image,draft,draft_file\n")
	for i := range 1000 {
		if i%2 == 0 {
			fmt.Fprintf(&b, "r%d,img.png,draft %d,\n", i, i)
		} else {
			fmt.Fprintf(&b, "r%d,img.png,,d.txt\n", i)
		}
	}
	writeFiles(t, dir, map[string]string{"img.png": "x", "d.txt": "draft", "wl.csv": b.String()})
	var c countingOps
	wl, err := load(context.Background(), filepath.Join(dir, "wl.csv"), c.ops(), config{})
	require.NoError(t, err)
	require.Len(t, wl.Items, 1000)
	assert.EqualValues(t, 1, c.stats.Load(), "the worklist itself")
	assert.EqualValues(t, 2, c.lstats.Load(), "each file once, however many rows name it")
	assert.EqualValues(t, 2, c.evals.Load(), "the worklist's folder, resolved once")
	assert.EqualValues(t, 500, c.reads.Load())
	for _, p := range c.readPaths {
		require.Equal(t, filepath.Join(dir, "d.txt"), p)
	}
}

// statOnly is a fileOps that finds every path (a regular file) and reads
// drafts from memory: parser fuzzing needs no file system.
var statOnly = fileOps{
	stat:         func(p string) (fs.FileInfo, error) { return fakeInfo{}, nil },
	readFile:     func(p string) ([]byte, error) { return []byte("draft from " + p), nil },
	evalSymlinks: func(p string) (string, error) { return p, nil },
}

// fakeInfo is a small regular file.
type fakeInfo struct{ fs.FileInfo }

func (fakeInfo) IsDir() bool       { return false }
func (fakeInfo) Mode() fs.FileMode { return 0o600 }
func (fakeInfo) Size() int64       { return 64 }

// checkParsed asserts the invariants every parse must keep.
func checkParsed(t *testing.T, b *rowBuilder) {
	seen := map[string]bool{}
	for _, it := range b.items {
		require.NotEmpty(t, it.ID)
		require.False(t, seen[it.ID], "duplicate id %q", it.ID)
		seen[it.ID] = true
		require.NotEmpty(t, strings.TrimSpace(it.Draft))
		require.NotEmpty(t, it.ImagePath)
		if it.HasTruth {
			require.NotNil(t, it.Truth)
			for _, f := range it.Truth {
				require.True(t, f.Label.Valid())
				if f.Box != nil {
					require.True(t, f.Box.Valid())
				}
			}
		}
	}
	for _, p := range b.problems {
		require.Error(t, p.Err)
		require.NotEmpty(t, p.Error())
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add("id,image,draft\na,a.png,x\n")
	f.Add("\uFEFFdraft,id,image,truth\r\nx,a,a.png,\"[{\"\"label\"\":\"\"no_finding\"\"}]\"\r\n")
	f.Add("id,image,draft_file\na,a.png,d.txt\na,b.png,\n")
	f.Add("id,image,draft\n\"a,a.png,x\nb,\"b\"x,y\n")
	f.Fuzz(func(t *testing.T, data string) {
		b := newRowBuilder("wl.csv", "/w", statOnly)
		_ = parseCSV(context.Background(), strings.NewReader(data), b)
		checkParsed(t, b)
	})
}

func FuzzParseJSONL(f *testing.F) {
	f.Add(`{"id":"a","image":"a.png","draft":"x","truth":[{"label":"pneumothorax","box_2d":[0.1,0.1,0.2,0.2]}]}` + "\n")
	f.Add(`{"id":"a","image":"a.png","draft_file":"d.txt","truth":null}` + "\n{\n")
	f.Add(`{"id":1}` + "\n" + `[]` + "\n")
	f.Fuzz(func(t *testing.T, data string) {
		b := newRowBuilder("wl.jsonl", "/w", statOnly)
		_ = parseJSONL(context.Background(), strings.NewReader(data), b)
		checkParsed(t, b)
	})
}

// benchWorklist100k writes a 100,000-row CSV worklist whose rows point at
// real (stat'ed, never opened) files, and returns its path.
func benchWorklist100k(b *testing.B) (string, int) {
	dir := b.TempDir()
	const n = 100_000
	var sb strings.Builder
	sb.WriteString("id,image,draft\n")
	for i := range n {
		// 100 distinct image files, so stat sees a realistic mix of paths.
		fmt.Fprintf(&sb, "item-%06d,img/%03d.png,Synthetic draft %d: no acute cardiopulmonary process.\n", i, i%100, i)
	}
	files := map[string]string{"wl.csv": sb.String()}
	for i := range 100 {
		files[fmt.Sprintf("img/%03d.png", i)] = "x"
	}
	writeFiles(b, dir, files)
	return filepath.Join(dir, "wl.csv"), n
}

// BenchmarkLoadWorklist100k loads a 100,000-row CSV worklist whole.
func BenchmarkLoadWorklist100k(b *testing.B) {
	path, n := benchWorklist100k(b)
	b.ReportAllocs()
	for b.Loop() {
		wl, err := Load(context.Background(), path)
		if err != nil || len(wl.Items) != n {
			b.Fatalf("items %d err %v", len(wl.Items), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
}

// BenchmarkScanWorklist100k streams the same worklist (run reads it twice).
func BenchmarkScanWorklist100k(b *testing.B) {
	path, n := benchWorklist100k(b)
	b.ReportAllocs()
	for b.Loop() {
		c, err := Scan(context.Background(), path, func(audit.Item) error { return nil }, nil)
		if err != nil || c.Items != n {
			b.Fatalf("items %d err %v", c.Items, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
}

// TestLoadWorklistIndex: List.Index gives each item's position in Items,
// and a duplicate id still names the line of the first.
func TestLoadWorklistIndex(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,image,draft\n")
	for i := range 3000 { // past hintAfterRows, so the sized index is the one kept
		fmt.Fprintf(&b, "r%d,img.png,draft %d\n", i%2500, i)
	}
	writeFiles(t, dir, map[string]string{"img.png": "x", "wl.csv": b.String()})
	wl, err := Load(context.Background(), filepath.Join(dir, "wl.csv"))
	require.NoError(t, err)
	require.Len(t, wl.Items, 2500)
	require.Equal(t, 2500, wl.Index.Len())
	for i, it := range wl.Items {
		got, ok := wl.Index.Find(it.ID)
		require.True(t, ok, it.ID)
		require.Equal(t, i, got)
	}
	require.Len(t, wl.Problems, 500)
	assert.Contains(t, wl.Problems[0].Error(), "duplicate id (first on line 2)")
}
