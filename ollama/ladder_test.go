package ollama

import (
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

const prose = "The radiograph shows a small apical pneumothorax on the right."

// proseUnlessCorrected answers prose to a prompt without the corrective
// suffix and ok to one with it, as a model that narrates until told not to.
func proseUnlessCorrected(ok string) func(*api.ChatRequest) ollamatest.Reply {
	suffix := prompts.Corrective().Text
	return func(req *api.ChatRequest) ollamatest.Reply {
		if strings.HasSuffix(req.Messages[len(req.Messages)-1].Content, suffix) {
			return ollamatest.Reply{Content: ok}
		}
		return ollamatest.Reply{Content: prose}
	}
}

func TestLadderProseThenJSONOnTheCorrectiveRetry(t *testing.T) {
	srv := groundingServer(t, proseUnlessCorrected(twoFindings))
	h := newHostFor(t, srv, hostTestOptions())
	rec, err := h.Ground(t.Context(), testVision, testPNG)
	require.NoError(t, err)
	require.Len(t, rec.Findings, 2, "the second attempt's findings")
	assert.Equal(t, twoFindings, rec.Raw)
	require.Len(t, rec.Attempts, 2, "both attempts recorded")
	first, second := rec.Attempts[0], rec.Attempts[1]
	assert.Equal(t, 1, first.N)
	assert.False(t, first.Corrective)
	assert.Equal(t, prose, first.Raw)
	assert.Contains(t, first.Error, "no usable findings list")
	assert.Equal(t, audit.Attempt{N: 2, Corrective: true, Seed: 42, Raw: twoFindings, Done: true, DoneReason: "stop",
		EvalCount: second.EvalCount, Wall: second.Wall}, second)
	assert.Equal(t, first.Wall+second.Wall, rec.Wall)
	assert.Equal(t, "ladder", rec.Diagnostics.Notes[0].Kind)
	assert.Contains(t, rec.Diagnostics.Notes[0].Message, "answered on attempt 2 of the retry ladder (greedy with the corrective suffix)")
	assert.False(t, rec.Diagnostics.Salvaged, "the answer itself needed no salvage")

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, prompts.Grounding().Text, reqs[0].Messages[0].Content)
	assert.Equal(t, prompts.Grounding().Text+prompts.Corrective().Text, reqs[1].Messages[0].Content, "the suffix appended, nothing else changed")
	assert.Equal(t, reqs[0].Options, reqs[1].Options, "still greedy")
	assert.Equal(t, []api.ImageData{testPNG}, reqs[1].Messages[0].Images)
}

func TestLadderSamplesOnTheThirdGroundingAttempt(t *testing.T) {
	srv := groundingServer(t, reply(prose))
	h := newHostFor(t, srv, hostTestOptions())
	rec, err := h.Ground(t.Context(), testVision, testPNG)
	require.ErrorIs(t, err, ErrNoOutput)
	require.Len(t, rec.Attempts, 3)
	assert.Equal(t, audit.Attempt{N: 3, Corrective: true, Temperature: 0.4, TopP: 0.9, Seed: 42, Raw: prose, Done: true, DoneReason: "stop",
		EvalCount: rec.Attempts[2].EvalCount, Wall: rec.Attempts[2].Wall, Error: rec.Error}, rec.Attempts[2], "the seed is recorded")
	assert.True(t, rec.Deterministic, "stored as the failure it is")
	assert.Contains(t, rec.Diagnostics.Notes[0].Message, "no usable list after 3 attempts of the retry ladder (the last sampling at temperature 0.4, top_p 0.9, seed 42")

	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, map[string]any{"temperature": 0.4, "top_p": 0.9, "seed": 42.0, "num_ctx": 8192.0, "num_predict": 512.0}, reqs[2].Options)
	assert.Equal(t, reqs[1].Messages[0].Content, reqs[2].Messages[0].Content)
}

func TestLadderOneAttemptStoresTheFailure(t *testing.T) {
	srv := groundingServer(t, proseUnlessCorrected(twoFindings))
	opt := hostTestOptions()
	opt.Attempts = AttemptsOne
	rec, err := newHostFor(t, srv, opt).Ground(t.Context(), testVision, testPNG)
	require.ErrorIs(t, err, ErrNoOutput)
	assert.Empty(t, rec.Attempts, "one attempt: the record is the attempt")
	assert.Equal(t, prose, rec.Raw)
	assert.True(t, rec.Deterministic)
	assert.Len(t, srv.Requests(), 1)
}

func TestLadderDraftTwoAttemptsWithTheSystemMessage(t *testing.T) {
	srv := ollamatest.NewServer(ollamatest.Model{Name: testDraft, Capabilities: []string{"completion", "thinking"}, Respond: reply(prose)})
	t.Cleanup(srv.Close)
	rec, err := newHostFor(t, srv, hostTestOptions()).ParseDraft(t.Context(), testDraft, "Small right pneumothorax.", true)
	require.ErrorIs(t, err, ErrNoOutput)
	require.Len(t, rec.Attempts, 2)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	want, err := prompts.DraftPrompt("Small right pneumothorax.")
	require.NoError(t, err)
	for i, r := range reqs {
		require.Len(t, r.Messages, 2, "request %d", i)
		assert.Equal(t, api.Message{Role: "system", Content: prompts.DraftSystem().Text}, r.Messages[0])
		assert.Equal(t, "user", r.Messages[1].Role)
		assert.Equal(t, 1024.0, r.Options["num_predict"], "the draft stage's own budget")
	}
	assert.Equal(t, want, reqs[0].Messages[1].Content)
	assert.Equal(t, want+prompts.Corrective().Text, reqs[1].Messages[1].Content)
	assert.Equal(t, 0.0, reqs[1].Options["temperature"], "the draft ladder never samples")
}

// Failures the same request would not repeat are never climbed past: the
// scheduler retries them (another host, a later run).
func TestLadderDoesNotClimbTransientFailures(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault ollamatest.Fault
		want  error
	}{
		{"server error", ollamatest.FaultServerError, ErrServer},
		{"connection cut before anything usable", ollamatest.FaultStreamCut, ErrIncomplete},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := groundingServer(t, reply(`[{"label":"pneumothorax"`))
			srv.InjectFault(testVision, tt.fault, 1)
			rec, err := newHostFor(t, srv, hostTestOptions()).Ground(t.Context(), testVision, testPNG)
			require.ErrorIs(t, err, tt.want)
			assert.Empty(t, rec.Attempts)
			assert.Len(t, srv.Requests(), 1)
		})
	}
}

func TestLadderKey(t *testing.T) {
	d := prompts.Corrective().Digest
	assert.Equal(t, "", LadderKey(AttemptsOne, audit.StageGrounding, d), "one attempt keys as before ladders")
	assert.Equal(t, "", LadderKey("", audit.StageDraft, d))
	assert.Equal(t, "served/3/sample=0.4,0.9/corrective="+d, LadderKey(AttemptsServed, audit.StageGrounding, d))
	assert.Equal(t, "served/2/sample=0.4,0.9/corrective="+d, LadderKey(AttemptsServed, audit.StageDraft, d))
	assert.NotEqual(t, LadderKey(AttemptsServed, audit.StageDraft, d), LadderKey(AttemptsServed, audit.StageDraft, prompts.Digest([]byte("x"))))
}
