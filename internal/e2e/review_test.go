//go:build e2e && unix

package e2e_test

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/realollama"
)

// exportCSV runs `export --format csv` on the worklist's store and returns
// its rows, each a map from column name to cell.
func exportCSV(t *testing.T, wl string) []map[string]string {
	t.Helper()
	r := cxr(t, "export", wl, "--format", "csv")
	require.Equal(t, 0, r.code, r.stderr)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, rows, "no header")
	var out []map[string]string
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, name := range rows[0] {
			m[name] = row[i]
		}
		out = append(out, m)
	}
	return out
}

// TestReviewAndExport runs a worklist, opens the workstation on it in a
// real terminal, records a verdict, quits, and exports: the verdict is in
// both export formats, and the workstation sent no chat for results the
// run had stored.
func TestReviewAndExport(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	wl := worklist(t, 0)
	run := cxr(t, append([]string{"run", wl, "--ollama", srv.URL()}, modelFlags(realollama.Vision, realollama.Text)...)...)
	require.Equal(t, 0, run.code, run.stderr)
	// The workstation resumes at the first item needing a verdict: the
	// first, in worklist order, with a disagreement.
	byID := map[string]runLine{}
	for _, l := range parseRun(t, run.stdout) {
		byID[l.ID] = l
	}
	first := ""
	for _, id := range caseIDs(0) {
		if len(byID[id].Disagreements) > 0 {
			first = id
			break
		}
	}
	require.NotEmpty(t, first, "no item disagrees with its draft; nothing to adjudicate")
	label := byID[first].Disagreements[0].Label

	chats := srv.Requests("POST", "/api/chat")
	term := openTerminal(t, 120, 40, append([]string{"review", wl, "--ollama", srv.URL(), "--graphics", "text", "--annotator", "e2e"},
		modelFlags(realollama.Vision, realollama.Text)...)...)
	term.waitFor("resumed at "+first, label, "verdict: — (i/d/b/u)")
	term.press("i") // image right
	term.waitFor("saved ✓")
	term.press("q")
	require.Equal(t, "0", term.exitStatus())
	term.waitFor("1 verdict and 0 notes saved this session as e2e")
	assert.Equal(t, chats, srv.Requests("POST", "/api/chat"), "the stored results were shown without a model call")

	t.Run("export csv", func(t *testing.T) {
		found := false
		for _, row := range exportCSV(t, wl) {
			if row["id"] == first && row["label"] == label {
				assert.Equal(t, "e2e", row["annotator"])
				assert.Equal(t, "image_right", row["decision"])
				assert.Equal(t, "done", row["status"])
				found = true
			}
		}
		assert.True(t, found, "no row for %s %s", first, label)
	})

	t.Run("export jsonl", func(t *testing.T) {
		r := cxr(t, "export", wl, "--format", "jsonl")
		require.Equal(t, 0, r.code, r.stderr)
		n := 0
		sc := bufio.NewScanner(strings.NewReader(r.stdout))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			n++
			var item struct {
				ID            string `json:"id"`
				Disagreements []struct {
					Label    string `json:"label"`
					Verdicts []struct {
						Annotator string `json:"annotator"`
						Decision  string `json:"decision"`
					} `json:"verdicts"`
				} `json:"disagreements"`
			}
			require.NoError(t, json.Unmarshal(sc.Bytes(), &item), sc.Text())
			if item.ID != first {
				continue
			}
			require.NotEmpty(t, item.Disagreements)
			require.Len(t, item.Disagreements[0].Verdicts, 1, sc.Text())
			assert.Equal(t, "e2e", item.Disagreements[0].Verdicts[0].Annotator)
			assert.Equal(t, "image_right", item.Disagreements[0].Verdicts[0].Decision)
		}
		assert.Equal(t, len(cases), n, "one line per item")
	})
}
