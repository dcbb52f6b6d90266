package session

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// evalSeedLines are truth and prediction lines as eval reads them: boxes
// normalized and 0-1000, failed predictions, run's output whose draft
// stage failed, a pipeline result, an id not in the truth. Synthetic.
const evalSeedLines = `{"id":"a","findings":[{"label":"pneumothorax","box_2d":[0,0,0.5,0.5]}]}
{"id":"b","findings":[{"label":"pneumothorax"},{"label":"cardiomegaly"}]}
{"id":"c","findings":[]}
{"id":"d","findings":[{"label":"nodule_mass","box_2d":[500,500,600,600]}]}
{"id":"b","error":"grounding: no JSON in model output"}
{"id":"c","image":"c.png","findings":[{"label":"cardiomegaly"}],"draft_labels":[],"disagreements":[],"urgent":false,"provenance":{},"timings":{},"error":"draft: model not found"}
{"id":"zz","findings":[]}
{"id":"e","status":"done","findings":[{"label":"pleural_effusion","box_2d":[0.6,0.1,0.9,0.4]}],"draft_labels":[],"report":{"urgent":false,"disagreements":[]},"grounding":{"key":"k","stage":"grounding","raw":"[]","done":true}}`

// FuzzEvalPredLine: the prediction line parser never panics, and whatever
// it accepts is usable: an id, canonical labels only, valid boxes, and no
// findings on a failed prediction. (The truth parser's fuzz target is in
// worklist.)
func FuzzEvalPredLine(f *testing.F) {
	for _, l := range strings.Split(evalSeedLines, "\n") {
		f.Add([]byte(l))
	}
	f.Add([]byte(`{"id":"a","findings":"I cannot","error":"x"}`))
	f.Add([]byte(`{"id":"a","findings":[{"label":"ptx","box_2d":[1e308,0,-1,5]}],"grounding":{}}`))
	f.Add([]byte(`{"id":"","findings":null}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		pl, err := parsePredLine(line)
		if err != nil {
			return
		}
		require.NotEmpty(t, pl.id)
		for _, fd := range pl.findings {
			require.True(t, fd.Label.Valid(), fd.Label)
			if fd.Box != nil {
				require.True(t, fd.Box.Valid(), "%+v", *fd.Box)
			}
		}
		if pl.failed {
			require.Nil(t, pl.findings)
		}
	})
}
