package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// hostile holds what a terminal would act on: clear screen, an OSC 52
// clipboard write, a window title, C1 CSI (encoded and raw), a bell and a
// right-to-left override. Issue 10: none of it may reach stdout or stderr.
const hostile = "\x1b[2J\x1b]52;c;aGk=\x07\u009b31m\x9b\u202eevil\x07\x1b]0;pwned\x07"

// jsonString is s as a JSON string literal.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// assertInert fails when out holds a byte a terminal would act on.
func assertInert(t *testing.T, what, out string) {
	t.Helper()
	assert.True(t, termtext.Inert(out, true), "%s reaches the terminal raw: %q", what, out)
}

// hostileServer is an Ollama whose every answer carries hostile bytes: the
// version, the model digest and capabilities, and the error body of every
// chat.
func hostileServer(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /api/version", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, 200, map[string]string{"version": "0.24.0" + hostile})
	})
	mux.HandleFunc("GET /api/tags", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, 200, api.ListResponse{Models: []api.ListModelResponse{
			{Name: "g:latest", Model: "g:latest", Digest: "abc" + hostile},
			{Name: "d:latest", Model: "d:latest", Digest: "def" + hostile},
			{Name: "x" + hostile + ":latest", Model: "x" + hostile + ":latest", Digest: "0123"},
		}})
	})
	mux.HandleFunc("POST /api/show", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, 200, map[string]any{"capabilities": []string{"completion", "vision", hostile}, "model_info": map[string]any{}})
	})
	mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusInternalServerError, map[string]string{"error": "boom" + hostile})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// hostileWorklist writes a worklist whose id, image file name and draft
// carry hostile bytes, and returns its path.
func hostileWorklist(t *testing.T, dir string) string {
	img := "img" + hostile + ".png"
	writeRunImage(t, filepath.Join(dir, img), 1)
	var b bytes.Buffer
	b.WriteString("id,image,draft\n")
	b.WriteString(`"id` + hostile + `","` + img + `","No pneumothorax.` + hostile + `"` + "\n")
	b.WriteString(`"bad` + hostile + `","missing` + hostile + `.png",x` + "\n")
	p := filepath.Join(dir, "wl.csv")
	require.NoError(t, os.WriteFile(p, b.Bytes(), 0o600))
	return p
}

// TestHostileBytesReachNoTerminal sends hostile bytes through every
// command, from every source of outside text (worklists, file names, model
// output, server answers and errors, stored notes), and asserts that none
// reaches stdout or stderr raw.
func TestHostileBytesReachNoTerminal(t *testing.T) {
	dir := t.TempDir()
	wl := hostileWorklist(t, dir)
	bad := hostileServer(t)
	// A well-behaved server whose model output is hostile.
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		for _, m := range req.Messages {
			if len(m.Images) > 0 {
				return ollamatest.Reply{Content: `[{"label":"pneumothorax","box_2d":[0.1,0.1,0.5,0.5]}]`}
			}
		}
		return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"absent","span":` + jsonString("No pneumothorax."+hostile) + `}]`}
	}
	good := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: respond},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: respond},
	)
	t.Cleanup(good.Close)

	raw := writeTemp(t, "out"+hostile+".txt", `{"labels":[{"label":"effusion","status":"present","span":`+jsonString("Small"+hostile)+`}], "x": `+jsonString(hostile)+`}`)
	findings := writeTemp(t, "f"+hostile+".json", `[{"label":"pneumothorax","box_2d":[0.1,0.1,0.4,0.4]}, {"label":`+jsonString("PTX"+hostile)+`}]`)
	truth := writeTemp(t, "truth.jsonl", `{"id":"a","findings":[]}`+"\n")
	pred := writeTemp(t, "pred"+hostile+".jsonl", `{"id":`+jsonString("z"+hostile)+`,"findings":[]}`+"\n")
	img := filepath.Join(dir, "pic"+hostile+".png")
	writeRunImage(t, img, 2)
	missing := filepath.Join(dir, "missing"+hostile)

	tests := []struct {
		name string
		args []string
	}{
		{"run, hostile server", []string{"run", wl, "--ollama", bad, "--grounding-model", "g", "--draft-model", "d", "--db", filepath.Join(dir, "bad.db")}},
		{"run, hostile model output", runArgs(good, wl, "--db", filepath.Join(dir, "good.db"))},
		{"run, --out", runArgs(good, wl, "--db", filepath.Join(dir, "good.db"), "--out", filepath.Join(dir, "r"+hostile+".jsonl"))},
		{"run, missing worklist", []string{"run", missing + ".csv"}},
		{"doctor", []string{"doctor", "--ollama", bad, "--grounding-model", "g", "--draft-model", "d", "--db", missing}},
		{"doctor --json", []string{"doctor", "--json", "--ollama", bad, "--grounding-model", "g", "--draft-model", "d"}},
		{"parse --explain", []string{"parse", "draft", raw, "--explain"}},
		{"parse findings", []string{"parse", "findings", findings, "--explain"}},
		{"parse, missing file", []string{"parse", "findings", missing}},
		{"compare", []string{"compare", "--findings", findings, "--draft", raw}},
		{"eval", []string{"eval", "--truth", truth, "--pred", pred}},
		{"eval --json", []string{"eval", "--truth", truth, "--pred", pred, "--json"}},
		{"render --protocol text", []string{"render", img, "--protocol", "text", "--findings", findings}},
		{"render, missing image", []string{"render", missing + ".png", "--protocol", "text"}},
		{"export, missing store", []string{"export", "--db", missing + ".db"}},
		{"export jsonl", []string{"export", "--db", filepath.Join(dir, "good.db")}},
		{"export csv", []string{"export", "--db", filepath.Join(dir, "good.db"), "--format", "csv"}},
		{"demo, missing dir", []string{"demo", "--dir", missing}},
		{"unknown command", []string{"frob" + hostile}},
		{"model name completion", []string{"__complete", "run", "--ollama", bad, "--grounding-model", ""}},
		{"bad flag value", []string{"run", wl, "--urgent", hostile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, "", tt.args...)
			assertInert(t, "stdout", r.stdout)
			assertInert(t, "stderr", r.stderr)
			assert.NotEmpty(t, r.stdout+r.stderr, "the command said something")
		})
	}

	// A note and an annotator with hostile bytes, stored and exported.
	st, err := store.Open(context.Background(), filepath.Join(dir, "good.db"))
	require.NoError(t, err)
	_, err = st.SaveNote(context.Background(), audit.Note{ItemID: "id" + hostile, Annotator: "ann" + hostile, Text: "note" + hostile})
	require.NoError(t, err)
	require.NoError(t, st.Close())
	for _, format := range []string{"jsonl", "csv"} {
		r := invokeMain(t, "", "export", "--db", filepath.Join(dir, "good.db"), "--format", format)
		require.Equal(t, 0, r.code, r.stderr)
		assertInert(t, "export "+format, r.stdout)
		assertInert(t, "export "+format+" stderr", r.stderr)
	}
}

// TestHostileReviewExitLine: the line review prints after the workstation
// closes names the annotator and the store: both are sanitised.
func TestHostileReviewExitLine(t *testing.T) {
	dir := t.TempDir()
	wl := hostileWorklist(t, dir)
	srv := runServer(t)
	r := invokeMain(t, "q", "review", wl, "--ollama", srv.URL(), "--graphics", "text",
		"--annotator", "ann"+hostile, "--db", filepath.Join(dir, "s"+hostile+".db"))
	require.Equal(t, 0, r.code, r.stderr)
	i := strings.LastIndex(r.stdout, "cxr-auditor review: ")
	require.GreaterOrEqual(t, i, 0, r.stdout)
	assertInert(t, "review's exit line", r.stdout[i:])
	assertInert(t, "stderr", r.stderr)
}
