package replay_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/replay"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
)

// fixture is a tiny replay: small synthetic phantoms, a worklist and a
// recording, written into a temporary directory.
type fixture struct {
	dir       string
	worklist  string
	recording string
}

// row is one worklist row: id, image file name, draft.
type row struct{ id, image, draft string }

// newFixture writes the phantoms (a.png: normal, b.png: pneumothorax,
// junk.png: not an image), the worklist rows and the recording lines.
func newFixture(t *testing.T, rows []row, recording ...string) fixture {
	t.Helper()
	dir := t.TempDir()
	for name, v := range map[string]phantom.Variant{"a.png": phantom.Normal, "b.png": phantom.Pneumothorax} {
		var buf bytes.Buffer
		require.NoError(t, phantom.Render(phantom.Spec{Variant: v, Width: 40, Height: 48, Seed: 1}).Write(&buf, phantom.PNG8, name))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.png"), []byte("not an image"), 0o644))
	var wl bytes.Buffer
	w := csv.NewWriter(&wl)
	require.NoError(t, w.Write([]string{"id", "image", "draft"}))
	for _, r := range rows {
		require.NoError(t, w.Write([]string{r.id, r.image, r.draft}))
	}
	w.Flush()
	f := fixture{dir: dir, worklist: filepath.Join(dir, "worklist.csv"), recording: filepath.Join(dir, "recorded.jsonl")}
	require.NoError(t, os.WriteFile(f.worklist, wl.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(f.recording, []byte(strings.Join(recording, "\n")+"\n"), 0o644))
	return f
}

var twoRows = []row{{"a", "a.png", "No acute findings."}, {"b", "b.png", "Lungs are clear."}}

var twoRecorded = []string{
	`{"id":"a","stage":"grounding","content":"[{\"label\": \"no_finding\"}]"}`,
	`{"id":"a","stage":"draft","content":"[{\"label\":\"no_finding\",\"status\":\"present\",\"span\":\"No acute findings.\"}]"}`,
	`{"id":"b","stage":"grounding","content":"[{\"label\": \"pneumothorax\", \"box_2d\": [0.1, 0.55, 0.6, 0.9]}]","done_reason":"length"}`,
	`{"id":"b","stage":"draft","content":"[]","thinking":"Nothing about the six labels."}`,
}

func TestNewServerErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name      string
		rows      []row
		recording []string
		want      []string // substrings of the error
	}{
		{"bad JSON line", twoRows, append([]string{twoRecorded[0], `{"id":"a",`}, twoRecorded[2:]...),
			[]string{"recorded.jsonl:2:", "not a recording object"}},
		{"unknown stage", twoRows, append(twoRecorded[:3:3], `{"id":"b","stage":"impression","content":"[]"}`),
			[]string{"recorded.jsonl:4:", `unknown stage "impression"`}},
		{"unknown id", twoRows, append(twoRecorded[:4:4], `{"id":"zz","stage":"draft","content":"[]"}`),
			[]string{"recorded.jsonl:5:", `unknown id "zz"`}},
		{"missing stage", twoRows, twoRecorded[:3],
			[]string{"worklist.csv:3:", "b: no draft output recorded"}},
		{"stage twice", twoRows, append(twoRecorded[:4:4], twoRecorded[1]),
			[]string{"recorded.jsonl:5:", "a: draft stage recorded twice (first on line 2)"}},
		{"unknown fault", twoRows, append(twoRecorded[:3:3], `{"id":"b","stage":"draft","content":"[]","fault":"meltdown"}`),
			[]string{"recorded.jsonl:4:", `unknown fault "meltdown"`}},
		{"unknown done_reason", twoRows, append(twoRecorded[:3:3], `{"id":"b","stage":"draft","content":"[]","done_reason":"tired"}`),
			[]string{"recorded.jsonl:4:", `unknown done_reason "tired"`}},
		{"unknown field", twoRows, append(twoRecorded[:3:3], `{"id":"b","stage":"draft","content":"[]","answer":1}`),
			[]string{"recorded.jsonl:4:", "answer"}},
		{"bad worklist row", append(twoRows[:2:2], row{"c", "missing.png", "x"}), twoRecorded,
			[]string{"worklist.csv:4:", "c: image"}},
		{"undecodable image", []row{{"a", "junk.png", "No acute findings."}}, twoRecorded[:2],
			[]string{"worklist.csv:2:", "a:", "junk.png"}},
		{"same image, different outputs", []row{{"a", "a.png", "No acute findings."}, {"b", "a.png", "Lungs are clear."}}, twoRecorded,
			[]string{"worklist.csv:3:", "b: same model-input image as a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.rows, tt.recording...)
			srv, err := replay.NewServer(t.Context(), f.worklist, f.recording, replay.Options{})
			if srv != nil {
				srv.Close()
			}
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestNewServerMissingFiles(t *testing.T) {
	f := newFixture(t, twoRows, twoRecorded...)
	_, err := replay.NewServer(t.Context(), filepath.Join(f.dir, "nope.csv"), f.recording, replay.Options{})
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "nope.csv")
	_, err = replay.NewServer(t.Context(), f.worklist, filepath.Join(f.dir, "nope.jsonl"), replay.Options{})
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "nope.jsonl")
}

// modelInput builds the grounding model's input for the fixture image as
// the pipeline does.
func modelInput(t *testing.T, path string) []byte {
	t.Helper()
	r, err := radiograph.Load(t.Context(), path, radiograph.LoadOptions{})
	require.NoError(t, err)
	png, _, err := radiograph.ModelInput(r, r.DefaultWindow, radiograph.ModelSquash)
	require.NoError(t, err)
	return png
}

func TestNewServerReplaysThroughTheRealClient(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t, twoRows, twoRecorded...)
	const lat = 40 * time.Millisecond
	srv, err := replay.NewServer(ctx, f.worklist, f.recording, replay.Options{GroundingLatency: replay.Range{Min: lat, Max: lat}})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	host, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	require.NoError(t, err)

	gi, err := host.ModelInfo(ctx, prompts.DefaultGroundingModel)
	require.NoError(t, err)
	assert.True(t, gi.Has("vision"))
	di, err := host.ModelInfo(ctx, prompts.DefaultDraftModel)
	require.NoError(t, err)
	assert.True(t, di.Has("thinking"))
	assert.False(t, di.Has("vision"))

	g, err := host.Ground(ctx, prompts.DefaultGroundingModel, modelInput(t, filepath.Join(f.dir, "b.png")))
	require.NoError(t, err)
	assert.Equal(t, `[{"label": "pneumothorax", "box_2d": [0.1, 0.55, 0.6, 0.9]}]`, g.Raw)
	assert.Equal(t, "length", g.DoneReason)
	assert.True(t, g.Diagnostics.Salvaged, "done_reason length is salvage")
	assert.GreaterOrEqual(t, g.TotalDuration, lat, "the grounding latency applies")

	d, err := host.ParseDraft(ctx, prompts.DefaultDraftModel, "Lungs are clear.", true)
	require.NoError(t, err)
	assert.Equal(t, "Nothing about the six labels.", d.Thinking)
	assert.Empty(t, d.Labels)

	// Inputs nobody recorded get prose that says so: a visible parse failure.
	rec, err := host.ParseDraft(ctx, prompts.DefaultDraftModel, "A draft nobody recorded.", true)
	require.ErrorIs(t, err, ollama.ErrNoOutput)
	assert.Contains(t, rec.Raw, "no recorded output")
	rec, err = host.Ground(ctx, prompts.DefaultGroundingModel, []byte("not the recorded image"))
	require.ErrorIs(t, err, ollama.ErrNoOutput)
	assert.Contains(t, rec.Raw, "no recorded output")
}

func TestNewServerReplaysRecordedFaults(t *testing.T) {
	ctx := t.Context()
	rec := append(twoRecorded[:3:3], `{"id":"b","stage":"draft","content":"[]","fault":"server_error"}`)
	f := newFixture(t, twoRows, rec...)
	srv, err := replay.NewServer(ctx, f.worklist, f.recording, replay.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	host, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	require.NoError(t, err)
	_, err = host.ParseDraft(ctx, prompts.DefaultDraftModel, "Lungs are clear.", true)
	require.ErrorIs(t, err, ollama.ErrServer)
}
