package replay

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

func TestParseRecording(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Record
		wantErr string
	}{
		{"empty", "", nil, ""},
		{"blank lines and BOM", "\ufeff\n{\"id\":\"a\",\"stage\":\"draft\",\"content\":\"[]\"}\n\n",
			[]Record{{ID: "a", Stage: StageDraft, Content: "[]", Line: 2}}, ""},
		{"all fields", `{"id":" a ","stage":"grounding","content":"x","thinking":"t","done_reason":"length","fault":"stream_cut"}`,
			[]Record{{ID: "a", Stage: StageGrounding, Content: "x", Thinking: "t", DoneReason: "length", Fault: "stream_cut", Line: 1}}, ""},
		{"empty id", `{"id":"","stage":"draft"}`, nil, `test.jsonl:1: empty "id"`},
		{"not an object", `[1,2]`, nil, "test.jsonl:1: not a recording object"},
		{"trailing data", `{"id":"a","stage":"draft"} {}`, nil, "test.jsonl:1: trailing data"},
		{"unknown stage", "\n" + `{"id":"a","stage":"x"}`, nil, `test.jsonl:2: a: unknown stage "x"`},
		{"duplicate", `{"id":"a","stage":"draft"}` + "\n" + `{"id":"a","stage":"draft"}`, nil,
			"test.jsonl:2: a: draft stage recorded twice (first on line 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRecording(context.Background(), strings.NewReader(tt.in), "test.jsonl")
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.True(t, strings.HasPrefix(err.Error(), tt.wantErr), "%q does not start with %q", err, tt.wantErr)
				var le *LineError
				require.ErrorAs(t, err, &le)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseRecordingCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := strings.Repeat(`{"id":"a","stage":"draft"}`+"\n", 300)
	_, err := parseRecording(ctx, strings.NewReader(in), "test.jsonl")
	require.ErrorIs(t, err, context.Canceled)
}

func TestWriteRecordingRoundTrips(t *testing.T) {
	recs := []Record{
		{ID: "a", Stage: StageGrounding, Content: "```json\n[{\"label\": \"no_finding\"}]\n```", DoneReason: "length"},
		{ID: "a", Stage: StageDraft, Content: "[]", Thinking: "<none> & done", Fault: "busy"},
	}
	var b strings.Builder
	require.NoError(t, WriteRecording(&b, recs))
	assert.Contains(t, b.String(), "<none> & done", "HTML characters are not escaped")
	got, err := parseRecording(context.Background(), strings.NewReader(b.String()), "x")
	require.NoError(t, err)
	recs[0].Line, recs[1].Line = 1, 2
	assert.Equal(t, recs, got)
}

func TestParseFault(t *testing.T) {
	for f := ollamatest.FaultNone; f <= ollamatest.FaultRepetitionAbort; f++ {
		got, ok := parseFault(f.String())
		assert.True(t, ok, f.String())
		assert.Equal(t, f, got)
	}
	got, ok := parseFault("")
	assert.True(t, ok)
	assert.Equal(t, ollamatest.FaultNone, got)
	_, ok = parseFault("fault(99)")
	assert.False(t, ok)
}

func TestRangePick(t *testing.T) {
	r := Range{Min: time.Second, Max: 3 * time.Second}
	seen := map[time.Duration]bool{}
	for _, id := range []string{"demo-01", "demo-02", "demo-03", "demo-04", "demo-05", "demo-06"} {
		d := r.pick(id + "/grounding")
		assert.GreaterOrEqual(t, d, r.Min, id)
		assert.LessOrEqual(t, d, r.Max, id)
		assert.Equal(t, d, r.pick(id+"/grounding"), "deterministic per key")
		seen[d] = true
	}
	assert.Greater(t, len(seen), 3, "different items take different times")
	assert.Equal(t, time.Duration(0), Range{}.pick("x"))
	assert.Equal(t, 2*time.Second, Range{Min: 2 * time.Second, Max: time.Second}.pick("x"), "Max below Min counts as Min")
	assert.Equal(t, time.Duration(0), Range{Min: -time.Second}.pick("x"))
}

func TestLineError(t *testing.T) {
	base := errors.New("boom")
	e := &LineError{File: "f.jsonl", Line: 3, Err: base}
	assert.Equal(t, "f.jsonl:3: boom", e.Error())
	assert.ErrorIs(t, e, base)
	assert.Equal(t, "f.jsonl: boom", (&LineError{File: "f.jsonl", Err: base}).Error())
}

func FuzzParseRecording(f *testing.F) {
	f.Add(`{"id":"a","stage":"grounding","content":"[]"}`)
	f.Add("\ufeff{\"id\":\"a\",\"stage\":\"draft\",\"content\":\"x\",\"fault\":\"busy\"}\n\n{\"id\":\"a\",\"stage\":\"draft\"}")
	f.Add(`{"id":"a","stage":"draft","done_reason":"length","thinking":"\u001b[2J"}`)
	f.Add("{\"id\":")
	f.Fuzz(func(t *testing.T, in string) {
		recs, err := parseRecording(context.Background(), strings.NewReader(in), "fuzz.jsonl")
		if err != nil {
			var le *LineError
			require.ErrorAs(t, err, &le)
			require.Positive(t, le.Line)
			require.Nil(t, recs)
			return
		}
		seen := map[[2]string]bool{}
		for _, r := range recs {
			require.NotEmpty(t, r.ID)
			require.Contains(t, []string{StageGrounding, StageDraft}, r.Stage)
			_, ok := parseFault(r.Fault)
			require.True(t, ok)
			k := [2]string{r.ID, r.Stage}
			require.False(t, seen[k])
			seen[k] = true
		}
	})
}
