package session

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// Synthetic data only.

// The corrected truth export --truth writes and the truth eval
// --corrected reads agree: eval gives the same figures on both, and
// they differ from the uncorrected truth's.
func TestCorrectedTruthExportAndEval(t *testing.T) {
	dir := t.TempDir()
	truth, pred, db := filepath.Join(dir, "truth.jsonl"), filepath.Join(dir, "pred.jsonl"), filepath.Join(dir, "s.cxr.db")
	require.NoError(t, os.WriteFile(truth, []byte(`{"id":"a","findings":[{"label":"nodule_mass","box_2d":[0.1,0.1,0.2,0.2]}]}
{"id":"b","findings":[]}
`), 0o644))
	require.NoError(t, os.WriteFile(pred, []byte(`{"id":"a","findings":[]}
{"id":"b","findings":[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8]}]}
`), 0o644))
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	require.NoError(t, err)
	box := schema.Box{Y0: 0.2, X0: 0.5, Y1: 0.6, X1: 0.8}
	for _, c := range []audit.TruthCorrection{
		{ItemID: "a", Action: audit.CorrectRemove, Label: schema.NoduleMass, Findings: []schema.Finding{}, Annotator: "r"},
		{ItemID: "b", Action: audit.CorrectAccept, Label: schema.Pneumothorax, Findings: []schema.Finding{{Label: schema.Pneumothorax, Box: &box}}, Annotator: "r"},
	} {
		_, err := st.SaveTruthCorrection(ctx, c)
		require.NoError(t, err)
	}
	require.NoError(t, st.Close())

	env := func(out *bytes.Buffer) Env {
		return Env{Stdout: out, Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	}
	var exported bytes.Buffer
	require.NoError(t, Export(ctx, env(&exported), ExportConfig{Truth: truth, DB: db}))
	lines := strings.Split(strings.TrimSpace(exported.String()), "\n")
	require.Len(t, lines, 3)
	var prov struct{ Provenance TruthProvenance }
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &prov))
	assert.Equal(t, 2, prov.Provenance.Corrections)
	assert.Equal(t, truth, prov.Provenance.Truth)
	assert.JSONEq(t, `{"id":"a","findings":[]}`, lines[1])
	corrected := filepath.Join(dir, "corrected.jsonl")
	require.NoError(t, os.WriteFile(corrected, exported.Bytes(), 0o644))

	eval := func(f EvalConfig) string {
		var out bytes.Buffer
		f.Preds, f.Protocol, f.IoU, f.Resamples, f.Seed, f.Level, f.JSON = []string{pred}, "item", 0.3, 200, 1, 0.95, true
		f.Urgent = schema.DefaultUrgent()
		require.NoError(t, Eval(ctx, env(&out), f))
		return out.String()
	}
	fromFile := eval(EvalConfig{Truth: corrected})
	fromStore := eval(EvalConfig{Truth: truth, Corrected: true, DB: db})
	original := eval(EvalConfig{Truth: truth})
	assert.JSONEq(t, fromFile, fromStore, "eval --corrected agrees with the exported file")
	assert.NotEqual(t, original, fromStore)
	var rep struct {
		MacroF1 struct{ Value float64 } `json:"macro_f1"`
	}
	require.NoError(t, json.Unmarshal([]byte(fromStore), &rep))
	assert.InDelta(t, 1.0, rep.MacroF1.Value, 1e-9, "the corrected truth is what the model found")
}
