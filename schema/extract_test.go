package schema

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bx(y0, x0, y1, x1 float64) *Box { return &Box{Y0: y0, X0: x0, Y1: y1, X1: x1} }

func conf(v float64) *float64 { return &v }

type findingsCase struct {
	name     string
	raw      string
	want     []Finding
	err      error    // sentinel the error must wrap; nil means success
	salvaged bool     // expected Diagnostics.Salvaged
	kinds    []string // note kinds that must be present
}

func findingsCases() []findingsCase {
	pt := `[{"label":"pneumothorax","box_2d":[0.1,0.2,0.3,0.4]}]`
	ptWant := []Finding{{Label: Pneumothorax, Box: bx(0.1, 0.2, 0.3, 0.4)}}
	return []findingsCase{
		{name: "clean", raw: pt, want: ptWant},
		{name: "clean without box", raw: `[{"label":"cardiomegaly"}]`, want: []Finding{{Label: Cardiomegaly}}},
		{name: "null box", raw: `[{"label":"cardiomegaly","box_2d":null}]`, want: []Finding{{Label: Cardiomegaly}}},
		{name: "the pinned prompt's shape", raw: `[{"label": "pleural_effusion", "box_2d": [0.62, 0.08, 0.94, 0.40], "confidence": 0.78, "evidence": "blunting at the left angle"},` +
			` {"label": "pneumothorax", "box_2d": null, "confidence": 0.5, "evidence": "faint pleural line"}]`,
			want: []Finding{{Label: PleuralEffusion, Box: bx(0.62, 0.08, 0.94, 0.40), Confidence: conf(0.78), Evidence: "blunting at the left angle"},
				{Label: Pneumothorax, Confidence: conf(0.5), Evidence: "faint pleural line"}}},
		{name: "no_finding with null box and extras", raw: `[{"label": "no_finding", "box_2d": null, "confidence": 0.90, "evidence": "clear lung fields"}]`,
			want: []Finding{{Label: NoFinding, Confidence: conf(0.9), Evidence: "clear lung fields"}}},
		{name: "exact duplicates collapse to the first, extras and all", raw: `[{"label":"nodule_mass","box_2d":[0.1,0.1,0.2,0.2],"confidence":0.9,"evidence":"first"},` +
			`{"label":"nodule_mass","box_2d":[0.1,0.1,0.2,0.2],"confidence":0.3,"evidence":"second"},{"label":"nodule_mass","box_2d":[0.5,0.5,0.6,0.6]},{"label":"lung_opacity_consolidation","box_2d":[0.1,0.1,0.2,0.2]}]`,
			want: []Finding{{Label: NoduleMass, Box: bx(0.1, 0.1, 0.2, 0.2), Confidence: conf(0.9), Evidence: "first"}, {Label: NoduleMass, Box: bx(0.5, 0.5, 0.6, 0.6)},
				{Label: LungOpacity, Box: bx(0.1, 0.1, 0.2, 0.2)}},
			salvaged: true, kinds: []string{"deduplicated"}},
		{name: "bad extras dropped, finding kept, not salvage", raw: `[{"label":"cardiomegaly","confidence":1.5,"evidence":7},{"label":"pneumothorax","confidence":"high","evidence":null},` +
			`{"label":"nodule_mass","confidence":"0.25","evidence":"spiculated\u001b[31m edge"}]`,
			want:  []Finding{{Label: Cardiomegaly}, {Label: Pneumothorax}, {Label: NoduleMass, Confidence: conf(0.25), Evidence: "spiculated [31m edge"}},
			kinds: []string{"dropped_confidence", "dropped_evidence", "sanitized_evidence"}},
		{name: "a bad box costs the box, not the finding or its extras", raw: `[{"label":"pleural_effusion","box_2d":[0.5,0.5,0.5,0.5],"confidence":0.6,"evidence":"fluid"}]`,
			want: []Finding{{Label: PleuralEffusion, Confidence: conf(0.6), Evidence: "fluid"}}, salvaged: true, kinds: []string{"dropped_box"}},
		{name: "cut-off evidence of the last entry", raw: `[{"label":"cardiomegaly","confidence":0.7,"evidence":"enlarged hea`,
			want: []Finding{{Label: Cardiomegaly, Confidence: conf(0.7)}}, salvaged: true, kinds: []string{"truncated"}},
		{name: "0-1000 scale is not salvage", raw: `[{"label":"nodule_mass","box_2d":[100,200,300,400]}]`,
			want: []Finding{{Label: NoduleMass, Box: bx(0.1, 0.2, 0.3, 0.4)}}, kinds: []string{"rescaled_box"}},
		{name: "prose around", raw: "Here is the result:\n" + pt + "\nHope this helps.", want: ptWant, salvaged: true, kinds: []string{"surrounding_text"}},
		{name: "code fence", raw: "```json\n" + pt + "\n```\n", want: ptWant, salvaged: true, kinds: []string{"code_fence"}},
		{name: "think block with brackets", raw: `<think>Is it [{"label":"cardiomegaly"}]? see [1], {odd</think>` + "\n" + pt,
			want: ptWant, salvaged: true, kinds: []string{"stripped_thought"}},
		{name: "medgemma thought span", raw: "<unused94>thought\nThe [left] apex {\"label\":\"nodule_mass\"} hmm ]]<unused95>" + pt,
			want: ptWant, salvaged: true, kinds: []string{"stripped_thought"}},
		{name: "unterminated thought after answer", raw: pt + "<unused94>thought\nwait, maybe [{\"label\":\"cardiomegaly\"}",
			want: ptWant, salvaged: true, kinds: []string{"stripped_thought"}},
		{name: "unterminated thought holding the only answer", raw: "<unused94>thought\nThe answer is " + pt,
			want: ptWant, salvaged: true, kinds: []string{"stripped_thought", "answer_in_thought"}},
		{name: "orphan closing tag", raw: `maybe [{"label":"cardiomegaly"}]</think>` + pt,
			want: ptWant, salvaged: true, kinds: []string{"stripped_thought"}},
		{name: "final answer marker wins over later lists",
			raw:  "Candidates: [{\"label\":\"cardiomegaly\"}]\nFinal Answer: " + pt + "\nFor reference: [{\"label\":\"nodule_mass\"}]",
			want: ptWant, salvaged: true, kinds: []string{"several_candidates"}},
		{name: "without a marker the last list wins", raw: "Draft: [{\"label\":\"cardiomegaly\"}]\nCorrected: " + pt,
			want: ptWant, salvaged: true, kinds: []string{"several_candidates"}},
		{name: "findings wrapper", raw: `{"findings":` + pt + `}`, want: ptWant},
		{name: "labels wrapper", raw: `{"labels":` + pt + `}`, want: ptWant},
		{name: "draft_labels wrapper", raw: `{"draft_labels":` + pt + `}`, want: ptWant},
		{name: "results wrapper", raw: `{"Results":` + pt + `}`, want: ptWant},
		{name: "list under an unknown key", raw: `{"meta":[{"x":1}],"answer":{"items":` + pt + `}}`, want: ptWant, salvaged: true, kinds: []string{"nested_list"}},
		{name: "list in a list", raw: `[` + pt + `]`, want: ptWant, salvaged: true, kinds: []string{"nested_list"}},
		{name: "bare object", raw: `{"label":"pneumothorax","box_2d":[0.1,0.2,0.3,0.4]}`, want: ptWant, salvaged: true, kinds: []string{"single_object"}},
		{name: "bare objects one per line", raw: "{\"label\":\"pneumothorax\"}\n{\"label\":\"cardiomegaly\"}\n",
			want: []Finding{{Label: Pneumothorax}, {Label: Cardiomegaly}}, salvaged: true, kinds: []string{"single_object"}},
		{name: "truncated keeps complete objects and the cut-off label",
			raw:  `[{"label":"cardiomegaly","box_2d":[0.1,0.2,0.3,0.4]},{"label":"pneumothorax","box_2d":[0.1,0.`,
			want: []Finding{{Label: Cardiomegaly, Box: bx(0.1, 0.2, 0.3, 0.4)}, {Label: Pneumothorax}}, salvaged: true,
			kinds: []string{"truncated", "dropped_box"}},
		{name: "truncated right after the label", raw: `[{"label":"cardiomegaly"},{"label":"pneumothorax"`,
			want: []Finding{{Label: Cardiomegaly}, {Label: Pneumothorax}}, salvaged: true, kinds: []string{"truncated"}},
		{name: "truncated inside the label", raw: `[{"label":"cardiomegaly"},{"label":"pneumot`,
			want: []Finding{{Label: Cardiomegaly}}, salvaged: true, kinds: []string{"truncated"}},
		{name: "truncated after a complete box", raw: `[{"label":"pneumothorax","box_2d":[0.1,0.2,0.3,0.4]`,
			want: ptWant, salvaged: true, kinds: []string{"truncated"}},
		{name: "degenerate repetition", raw: degenerate(degenerateFinding, 8<<10),
			want: []Finding{{Label: NoduleMass, Box: bx(0.1, 0.1, 0.2, 0.2)}}, salvaged: true, kinds: []string{"deduplicated", "truncated"}},
		{name: "same label different boxes kept", raw: `[{"label":"nodule_mass","box_2d":[0.1,0.1,0.2,0.2]},{"label":"nodule_mass","box_2d":[0.5,0.5,0.6,0.6]}]`,
			want: []Finding{{Label: NoduleMass, Box: bx(0.1, 0.1, 0.2, 0.2)}, {Label: NoduleMass, Box: bx(0.5, 0.5, 0.6, 0.6)}}},
		{name: "python quotes literals and trailing commas", raw: `[{'label': 'pneumothorax', 'box_2d': [0.1, 0.2, 0.3, 0.4,], 'sure': True, 'note': None},]`,
			want: ptWant, salvaged: true, kinds: []string{"repaired_syntax"}},
		{name: "missing comma between objects", raw: `[{"label":"pneumothorax"} {"label":"cardiomegaly"}]`,
			want: []Finding{{Label: Pneumothorax}, {Label: Cardiomegaly}}, salvaged: true, kinds: []string{"repaired_syntax"}},
		{name: "one coordinate over 1 rescales the whole box", raw: `[{"label":"nodule_mass","box_2d":[0.5,0.2,600,0.4]}]`,
			want: []Finding{{Label: NoduleMass, Box: bx(0.0005, 0.0002, 0.6, 0.0004)}}, kinds: []string{"rescaled_box"}},
		{name: "inverted corners reordered", raw: `[{"label":"nodule_mass","box_2d":[0.3,0.4,0.1,0.2]}]`,
			want: []Finding{{Label: NoduleMass, Box: bx(0.1, 0.2, 0.3, 0.4)}}, salvaged: true, kinds: []string{"reordered_box"}},
		{name: "small overshoot clamped", raw: `[{"label":"pleural_effusion","box_2d":[-0.01,0.2,1.0,0.4]}]`,
			want: []Finding{{Label: PleuralEffusion, Box: bx(0, 0.2, 1, 0.4)}}, salvaged: true, kinds: []string{"clamped_box"}},
		// A normalized box a little outside [0,1] is clamped, not
		// read as 0-1000 coordinates (which made it a thousandth of the image).
		{name: "normalized overshoot is not 0-1000", raw: `[{"label":"pleural_effusion","box_2d":[-0.1, 0.2, 1.3, 0.5]}]`,
			want: []Finding{{Label: PleuralEffusion, Box: bx(0, 0.2, 1, 0.5)}}, salvaged: true, kinds: []string{"clamped_box"}},
		{name: "0-1000 overshoot clamped", raw: `[{"label":"pleural_effusion","box_2d":[500,200,1030,400]}]`,
			want: []Finding{{Label: PleuralEffusion, Box: bx(0.5, 0.2, 1, 0.4)}}, salvaged: true, kinds: []string{"clamped_box", "rescaled_box"}},
		{name: "far outside dropped", raw: `[{"label":"pleural_effusion","box_2d":[0.1,0.2,3000,0.4]}]`,
			want: []Finding{{Label: PleuralEffusion}}, salvaged: true, kinds: []string{"dropped_box"}},
		{name: "zero area dropped", raw: `[{"label":"pleural_effusion","box_2d":[0.2,0.2,0.2,0.4]}]`,
			want: []Finding{{Label: PleuralEffusion}}, salvaged: true, kinds: []string{"dropped_box"}},
		{name: "NaN dropped", raw: `[{"label":"pleural_effusion","box_2d":[NaN,0.2,0.3,0.4]}]`,
			want: []Finding{{Label: PleuralEffusion}}, salvaged: true, kinds: []string{"dropped_box"}},
		{name: "Infinity dropped", raw: `[{"label":"pleural_effusion","box_2d":[0.1,-Infinity,0.3,0.4]}]`,
			want: []Finding{{Label: PleuralEffusion}}, salvaged: true, kinds: []string{"dropped_box"}},
		{name: "string coordinate dropped", raw: `[{"label":"pleural_effusion","box_2d":["0.1",0.2,0.3,0.4]}]`,
			want: []Finding{{Label: PleuralEffusion}}, salvaged: true, kinds: []string{"dropped_box"}},
		{name: "three coordinates dropped", raw: `[{"label":"pleural_effusion","box_2d":[0.1,0.2,0.3]}]`,
			want: []Finding{{Label: PleuralEffusion}}, salvaged: true, kinds: []string{"dropped_box"}},
		{name: "object box dropped", raw: `[{"label":"pleural_effusion","box_2d":{"y0":0.1}}]`,
			want: []Finding{{Label: PleuralEffusion}}, salvaged: true, kinds: []string{"dropped_box"}},
		{name: "overflow drops only that box", raw: `[{"label":"pleural_effusion","box_2d":[0.1,1e999,0.3,0.4]},` + pt[1:],
			want: []Finding{{Label: PleuralEffusion}, ptWant[0]}, salvaged: true, kinds: []string{"dropped_box"}},
		{name: "alternative key names", raw: `[{"finding":"PTX","bbox":[0.1,0.2,0.3,0.4]},{"name":"Cardiomegaly","box":[0.5,0.5,0.6,0.6],"confidence":0.9,"evidence":"x"},{"label":"mass","box2d":[0.7,0.7,0.8,0.8]}]`,
			want:     []Finding{ptWant[0], {Label: Cardiomegaly, Box: bx(0.5, 0.5, 0.6, 0.6), Confidence: conf(0.9), Evidence: "x"}, {Label: NoduleMass, Box: bx(0.7, 0.7, 0.8, 0.8)}},
			salvaged: true, kinds: []string{"normalized_label"}},
		{name: "unknown and control-character labels dropped", raw: `[{"label":"pneumonia"},{"label":"\u001b[2Jpneumothorax"},{"label":"cardiomegaly"}]`,
			want: []Finding{{Label: Cardiomegaly}}, salvaged: true, kinds: []string{"dropped_label"}},
		{name: "entry without label dropped", raw: `[{"box_2d":[0.1,0.2,0.3,0.4]},{"label":7},{"label":"cardiomegaly"}]`,
			want: []Finding{{Label: Cardiomegaly}}, salvaged: true, kinds: []string{"dropped_entry"}},
		{name: "non-object elements skipped", raw: `[1, "pneumothorax", {"label":"cardiomegaly"}]`,
			want: []Finding{{Label: Cardiomegaly}}, salvaged: true, kinds: []string{"dropped_entry"}},
		{name: "no_finding loses to a positive", raw: `[{"label":"no_finding"},{"label":"pneumothorax","box_2d":[0.1,0.2,0.3,0.4]}]`,
			want: ptWant, salvaged: true, kinds: []string{"conflicting_no_finding"}},
		{name: "no_finding alone kept", raw: `[{"label":"no_finding"}]`, want: []Finding{{Label: NoFinding}}},
		{name: "every entry dropped is an empty list", raw: `[{"label":"pneumonia"},{"label":"atelectasis"}]`,
			want: []Finding{}, salvaged: true, kinds: []string{"dropped_label"}},
		{name: "empty list", raw: `[]`, want: []Finding{}},

		// Real server outputs.
		{name: "real absurd coordinates", raw: realAbsurdCoords,
			want: []Finding{{Label: LungOpacity}, {Label: NoduleMass}}, salvaged: true, kinds: []string{"dropped_box"}},
		{name: "real overflow", raw: realOverflow, want: []Finding{{Label: PleuralEffusion}}, salvaged: true, kinds: []string{"dropped_box"}},
		{name: "real truncated", raw: realTruncated, want: []Finding{{Label: LungOpacity}, {Label: Cardiomegaly}}, salvaged: true,
			kinds: []string{"truncated", "dropped_box", "deduplicated"}},
		{name: "real wrapped", raw: realWrapped, want: []Finding{{Label: NoduleMass}}},
		{name: "real no_finding with positive", raw: realNoFinding, want: []Finding{{Label: PleuralEffusion}}, salvaged: true,
			kinds: []string{"conflicting_no_finding", "dropped_box"}},
		{name: "real empty", raw: realEmpty, want: []Finding{}},
		{name: "real empty wrapped", raw: realEmptyWrapped, want: []Finding{}},

		// Errors.
		{name: "empty input", raw: "", err: ErrNoJSON},
		{name: "whitespace", raw: " \n\t ", err: ErrNoJSON},
		{name: "prose only", raw: "The lungs are clear. No [acute] findings.", err: ErrNoJSON},
		{name: "binary garbage", raw: garbage(), err: ErrNoJSON},
		{name: "thought only", raw: "<think>nothing to say</think>", err: ErrNoJSON},
		{name: "wrong shape object", raw: `{"answer":"pneumothorax"}`, err: ErrUnexpectedShape},
		{name: "wrong shape array", raw: `see [1, 2, 3]`, err: ErrUnexpectedShape},
	}
}

func TestExtractFindings(t *testing.T) {
	for _, tt := range findingsCases() {
		t.Run(tt.name, func(t *testing.T) {
			got, diag, err := ExtractFindings(tt.raw)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			require.Len(t, got, len(tt.want))
			for i := range tt.want {
				assert.Equal(t, tt.want[i].Label, got[i].Label, "finding %d", i)
				if tt.want[i].Box == nil {
					assert.Nil(t, got[i].Box, "finding %d", i)
					continue
				}
				require.NotNil(t, got[i].Box, "finding %d", i)
				w, g := *tt.want[i].Box, *got[i].Box
				assert.InDelta(t, w.Y0, g.Y0, 1e-12)
				assert.InDelta(t, w.X0, g.X0, 1e-12)
				assert.InDelta(t, w.Y1, g.Y1, 1e-12)
				assert.InDelta(t, w.X1, g.X1, 1e-12)
			}
			assert.Equal(t, tt.salvaged, diag.Salvaged, "notes: %+v", diag.Notes)
			assertKinds(t, diag, tt.kinds)
			if !tt.salvaged && len(tt.kinds) == 0 {
				assert.Empty(t, diag.Notes)
			}
		})
	}
}

func assertKinds(t *testing.T, d Diagnostics, kinds []string) {
	t.Helper()
	have := map[string]bool{}
	for _, n := range d.Notes {
		have[n.Kind] = true
	}
	for _, k := range kinds {
		assert.True(t, have[k], "want a %q note, got %+v", k, d.Notes)
	}
}

func TestExtractErrorsQuoteWhatWasSeen(t *testing.T) {
	_, _, err := ExtractFindings("\x1b[2J no json here")
	require.ErrorIs(t, err, ErrNoJSON)
	assert.Contains(t, err.Error(), `"\x1b[2J no json here"`)
	assert.NotContains(t, err.Error(), "\x1b")

	_, _, err = ExtractDraftLabels(strings.Repeat("x", 1000))
	require.ErrorIs(t, err, ErrNoJSON)
	assert.Contains(t, err.Error(), "1000 bytes")
	assert.Less(t, len(err.Error()), 200)
}

func TestDiagnosticsNeverCarryControlCharacters(t *testing.T) {
	_, diag, err := ExtractFindings(`[{"label":"\u001b]0;pwned\u0007"},{"label":"pneumothorax"}]`)
	require.NoError(t, err)
	require.NotEmpty(t, diag.Notes)
	for _, n := range diag.Notes {
		assert.NotContains(t, n.Message, "\x1b")
		assert.NotContains(t, n.Message, "\x07")
	}
}

func TestDegenerateNotesAreFolded(t *testing.T) {
	raw := degenerate(`{"label":"pneumonia"}`, 16<<10)
	got, diag, err := ExtractFindings(raw)
	require.NoError(t, err)
	assert.Empty(t, got)
	assert.Less(t, len(diag.Notes), 5, "identical notes must fold into one")
	assert.Contains(t, diag.Notes[0].Message, "times)")
}

type draftCase struct {
	name     string
	raw      string
	want     []DraftLabel
	err      error
	salvaged bool
	kinds    []string
}

func draftCases() []draftCase {
	clean := `[{"label":"pneumothorax","status":"present","span":"small left apical pneumothorax"},` +
		`{"label":"pleural_effusion","status":"absent","span":"no pleural effusion"},` +
		`{"label":"nodule_mass","status":"uncertain","span":"cannot exclude a nodule"}]`
	cleanWant := []DraftLabel{
		{Label: Pneumothorax, Status: StatusPresent, Span: "small left apical pneumothorax"},
		{Label: PleuralEffusion, Status: StatusAbsent, Span: "no pleural effusion"},
		{Label: NoduleMass, Status: StatusUncertain, Span: "cannot exclude a nodule"},
	}
	return []draftCase{
		{name: "clean", raw: clean, want: cleanWant},
		{name: "empty", raw: "[]", want: []DraftLabel{}},
		{name: "status spellings", raw: `[{"label":"PTX","status":"Positive","span":"PTX"},{"label":"effusion","status":"ruled out","span":"x"},{"label":"nodule","status":"can't exclude","span":"y"},{"label":"cardiomegaly","status":false,"span":"z"}]`,
			want:     []DraftLabel{{Pneumothorax, StatusPresent, "PTX"}, {PleuralEffusion, StatusAbsent, "x"}, {NoduleMass, StatusUncertain, "y"}, {Cardiomegaly, StatusAbsent, "z"}},
			salvaged: true, kinds: []string{"normalized_label"}},
		{name: "missing or unknown status dropped", raw: `[{"label":"pneumothorax","span":"a"},{"label":"cardiomegaly","status":"maybe","span":"b"},{"label":"nodule_mass","status":"present","span":"c"}]`,
			want: []DraftLabel{{NoduleMass, StatusPresent, "c"}}, salvaged: true, kinds: []string{"dropped_status"}},
		{name: "missing span is empty", raw: `[{"label":"cardiomegaly","status":"present"}]`, want: []DraftLabel{{Cardiomegaly, StatusPresent, ""}}},
		{name: "span trimmed verbatim", raw: `[{"label":"cardiomegaly","status":"present","span":"  Heart size is ENLARGED.  "}]`,
			want: []DraftLabel{{Cardiomegaly, StatusPresent, "Heart size is ENLARGED."}}},
		{name: "span control characters replaced", raw: `[{"label":"cardiomegaly","status":"present","span":"heart\u001b[31m enlarged"}]`,
			want: []DraftLabel{{Cardiomegaly, StatusPresent, "heart [31m enlarged"}}, salvaged: true, kinds: []string{"sanitized_span"}},
		{name: "no_finding dropped when a positive is present", raw: `[{"label":"no_finding","status":"present","span":"No acute findings."},{"label":"pneumothorax","status":"present","span":"Small left pneumothorax"}]`,
			want: []DraftLabel{{Pneumothorax, StatusPresent, "Small left pneumothorax"}}, salvaged: true, kinds: []string{"conflicting_no_finding"}},
		{name: "no_finding kept beside a hedge", raw: `[{"label":"no_finding","status":"present","span":"No acute findings."},{"label":"pneumothorax","status":"uncertain","span":"cannot exclude tiny pneumothorax"}]`,
			want: []DraftLabel{{NoFinding, StatusPresent, "No acute findings."}, {Pneumothorax, StatusUncertain, "cannot exclude tiny pneumothorax"}}},
		{name: "degenerate repetition", raw: degenerate(degenerateDraft, 8<<10),
			want: []DraftLabel{{Pneumothorax, StatusPresent, "small left apical pneumothorax"}}, salvaged: true, kinds: []string{"deduplicated", "truncated"}},
		{name: "truncated in span keeps label and status", raw: `[{"label":"cardiomegaly","status":"absent","span":"normal heart"},{"label":"pneumothorax","status":"present","span":"small left ap`,
			want: []DraftLabel{{Cardiomegaly, StatusAbsent, "normal heart"}, {Pneumothorax, StatusPresent, ""}}, salvaged: true, kinds: []string{"truncated"}},
		{name: "degenerate cut inside the span", raw: "[" + strings.Repeat(degenerateDraft+",", 50) + degenerateDraft[:len(degenerateDraft)-10],
			want: []DraftLabel{{Pneumothorax, StatusPresent, "small left apical pneumothorax"}}, salvaged: true, kinds: []string{"deduplicated", "truncated"}},
		{name: "truncated before status drops the entry", raw: `[{"label":"cardiomegaly","status":"absent","span":"normal heart"},{"label":"pneumothorax","sta`,
			want: []DraftLabel{{Cardiomegaly, StatusAbsent, "normal heart"}}, salvaged: true, kinds: []string{"truncated"}},
		{name: "draft_labels wrapper with thinking", raw: "<think>The draft says [pneumothorax]...</think>\n{\"draft_labels\": " + clean + "}",
			want: cleanWant, salvaged: true, kinds: []string{"stripped_thought"}},
		{name: "final answer marker", raw: "Reasoning: [{\"label\":\"cardiomegaly\",\"status\":\"present\",\"span\":\"x\"}]\nFinal Answer:\n```json\n" + clean + "\n```",
			want: cleanWant, salvaged: true},
		{name: "python style", raw: `[{'label': 'pneumothorax', 'status': 'present', 'span': 'small left apical pneumothorax', 'confidence': None},]`,
			want: cleanWant[:1], salvaged: true, kinds: []string{"repaired_syntax"}},
		{name: "bare object", raw: `{"label":"pneumothorax","status":"present","span":"small left apical pneumothorax"}`,
			want: cleanWant[:1], salvaged: true, kinds: []string{"single_object"}},
		{name: "prose only", raw: "The draft mentions a pneumothorax.", err: ErrNoJSON},
		{name: "binary garbage", raw: garbage(), err: ErrNoJSON},
		{name: "wrong shape", raw: `{"status":"ok"}`, err: ErrUnexpectedShape},
	}
}

func TestExtractDraftLabels(t *testing.T) {
	for _, tt := range draftCases() {
		t.Run(tt.name, func(t *testing.T) {
			got, diag, err := ExtractDraftLabels(tt.raw)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.salvaged, diag.Salvaged, "notes: %+v", diag.Notes)
			assertKinds(t, diag, tt.kinds)
		})
	}
}

func TestSentinelsAreDistinct(t *testing.T) {
	assert.False(t, errors.Is(ErrNoJSON, ErrUnexpectedShape))
}
