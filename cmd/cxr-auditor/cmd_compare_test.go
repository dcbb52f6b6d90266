package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompareCommand(t *testing.T) {
	// Synthetic case: the image shows a pneumothorax the draft denies, and a
	// cardiomegaly the draft never mentions.
	findings := writeTemp(t, "findings.json", `[{"label":"pneumothorax","box_2d":[0.1,0.6,0.4,0.9]},{"label":"cardiomegaly"}]`)
	draft := writeTemp(t, "draft.json", `[{"label":"pneumothorax","status":"absent","span":"No pneumothorax."}]`)
	rawF := writeTemp(t, "raw-findings.txt", rawFindings)
	rawD := writeTemp(t, "raw-draft.txt", rawDraft)
	junk := writeTemp(t, "junk.json", "not json at all")
	const ptx = `{"label":"pneumothorax","kind":"contradicted_by_image","urgent":%s,"draft_spans":["No pneumothorax."],"boxes":[[0.1,0.6,0.4,0.9]]}`
	const cardio = `{"label":"cardiomegaly","kind":"missed_in_draft","urgent":%s,"draft_spans":[],"boxes":[]}`
	const ptxUrgent = `"urgent_findings":[{"label":"pneumothorax","boxes":[[0.1,0.6,0.4,0.9]],"draft_agrees":false,"draft_spans":["No pneumothorax."]}]`
	const cardioUrgent = `"urgent_findings":[{"label":"cardiomegaly","boxes":[],"draft_agrees":false,"draft_spans":[]}]`

	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantCode   int
		wantJSON   string // compared as JSON when wantCode is 0
		wantStderr string
	}{
		{
			name:     "default whitelist",
			args:     []string{"compare", "--findings", findings, "--draft", draft},
			wantJSON: `{"urgent":true,"disagreements":[` + fmt.Sprintf(ptx, "true") + `,` + fmt.Sprintf(cardio, "false") + `],` + ptxUrgent + `}`,
		},
		{
			name:     "empty whitelist: nothing urgent",
			args:     []string{"compare", "--findings", findings, "--draft", draft, "--urgent", ""},
			wantJSON: `{"urgent":false,"disagreements":[` + fmt.Sprintf(ptx, "false") + `,` + fmt.Sprintf(cardio, "false") + `],"urgent_findings":[]}`,
		},
		{
			name:     "custom whitelist",
			args:     []string{"compare", "--findings", findings, "--draft", draft, "--urgent", "cardiomegaly"},
			wantJSON: `{"urgent":true,"disagreements":[` + fmt.Sprintf(ptx, "false") + `,` + fmt.Sprintf(cardio, "true") + `],` + cardioUrgent + `}`,
		},
		{
			name:  "raw model output works, draft from stdin",
			stdin: rawDraft,
			args:  []string{"compare", "--findings", rawF, "--draft", "-"},
			wantJSON: `{"urgent":true,"disagreements":[
				{"label":"pleural_effusion","kind":"unsupported_by_image","urgent":false,"draft_spans":["Small <left> effusion & atelectasis."],"boxes":[]},
				` + fmt.Sprintf(ptx, "true") + `,` + fmt.Sprintf(cardio, "false") + `],` + ptxUrgent + `}`,
		},
		{
			name:     "canonical findings with a raw draft",
			args:     []string{"compare", "--findings", findings, "--draft", rawD},
			wantJSON: `{"urgent":true,"disagreements":[{"label":"pleural_effusion","kind":"unsupported_by_image","urgent":false,"draft_spans":["Small <left> effusion & atelectasis."],"boxes":[]},` + fmt.Sprintf(ptx, "true") + `,` + fmt.Sprintf(cardio, "false") + `],` + ptxUrgent + `}`,
		},
		{name: "missing --draft", args: []string{"compare", "--findings", findings}, wantCode: 2, wantStderr: "both --findings and --draft are required"},
		{name: "both stdin", args: []string{"compare", "--findings", "-", "--draft", "-"}, wantCode: 2, wantStderr: "cannot both read stdin"},
		{name: "unknown urgent label", args: []string{"compare", "--findings", findings, "--draft", draft, "--urgent", "fracture"}, wantCode: 2, wantStderr: `unknown label "fracture"`},
		{name: "stray argument", args: []string{"compare", "--findings", findings, "--draft", draft, "extra"}, wantCode: 2, wantStderr: `unexpected argument "extra"`},
		{name: "missing findings file names it", args: []string{"compare", "--findings", "/nonexistent/f.json", "--draft", draft}, wantCode: 1, wantStderr: "/nonexistent/f.json"},
		{name: "unparseable draft names it", args: []string{"compare", "--findings", findings, "--draft", junk}, wantCode: 1, wantStderr: junk + ": no draft labels recoverable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, tt.stdin, tt.args...)
			require.Equal(t, tt.wantCode, r.code, "stderr: %s", r.stderr)
			if tt.wantJSON != "" {
				assert.JSONEq(t, tt.wantJSON, r.stdout)
				assert.Empty(t, r.stderr)
				var v any
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &v), "one JSON document")
			} else {
				assert.Empty(t, r.stdout)
			}
			assert.Contains(t, r.stderr, tt.wantStderr)
		})
	}
}

// TestCompareCommandAgreement: a draft that agrees with the image prints an
// empty disagreement list, never null.
func TestCompareCommandAgreement(t *testing.T) {
	findings := writeTemp(t, "f.json", `[{"label":"cardiomegaly"}]`)
	draft := writeTemp(t, "d.json", `[{"label":"cardiomegaly","status":"present","span":"Enlarged heart."}]`)
	r := invokeMain(t, "", "compare", "--findings", findings, "--draft", draft)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, `{"urgent":false,"disagreements":[],"urgent_findings":[]}`+"\n", r.stdout)
}

// An image pneumothorax the draft reports: no disagreement, but an urgent
// item with its urgent finding, as the served app flags it.
func TestCompareCommandUrgentAgreed(t *testing.T) {
	findings := writeTemp(t, "f.json", `[{"label":"pneumothorax","box_2d":[0.1,0.6,0.4,0.9],"confidence":0.8,"evidence":"pleural line"}]`)
	draft := writeTemp(t, "d.json", `[{"label":"pneumothorax","status":"present","span":"Small right pneumothorax."}]`)
	r := invokeMain(t, "", "compare", "--findings", findings, "--draft", draft)
	require.Equal(t, 0, r.code, r.stderr)
	assert.JSONEq(t, `{"urgent":true,"disagreements":[],"urgent_findings":[{"label":"pneumothorax","boxes":[[0.1,0.6,0.4,0.9]],"draft_agrees":true,"draft_spans":["Small right pneumothorax."]}]}`, r.stdout)
}
