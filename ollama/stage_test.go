package ollama

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Synthetic model outputs.
const (
	twoFindings = `[{"label":"pneumothorax","box_2d":[0.1,0.2,0.3,0.4]},{"label":"nodule_mass","box_2d":[0.5,0.5,0.6,0.6]}]`
	draftOutput = `[{"label":"pleural_effusion","status":"present","span":"small left effusion"}]`
)

var testPNG = []byte("\x89PNG synthetic test image")

// groundingServer serves a vision model answering twoFindings and a
// thinking draft model, with every reply synthetic.
func groundingServer(t *testing.T, grounding func(*api.ChatRequest) ollamatest.Reply) *ollamatest.Server {
	t.Helper()
	if grounding == nil {
		grounding = reply(twoFindings)
	}
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: testVision, Capabilities: []string{"completion", "vision"}, Respond: grounding},
		ollamatest.Model{Name: testDraft, Capabilities: []string{"completion", "thinking"}, Respond: func(*api.ChatRequest) ollamatest.Reply {
			return ollamatest.Reply{Content: draftOutput, Thinking: "The draft says effusion is present."}
		}},
		ollamatest.Model{Name: "plain-text", Capabilities: []string{"completion"}, Respond: reply(draftOutput)},
	)
	t.Cleanup(srv.Close)
	return srv
}

func reply(content string) func(*api.ChatRequest) ollamatest.Reply {
	return func(*api.ChatRequest) ollamatest.Reply { return ollamatest.Reply{Content: content} }
}

func TestGroundSuccessRecordsEverything(t *testing.T) {
	srv := groundingServer(t, nil)
	h := newHostFor(t, srv, hostTestOptions())
	rec, err := h.Ground(t.Context(), testVision, testPNG)
	require.NoError(t, err)
	assert.Equal(t, audit.StageGrounding, rec.Stage)
	assert.Equal(t, testVision, rec.Model)
	assert.Equal(t, srv.URL(), rec.Host)
	assert.Equal(t, DefaultOptions().ForStage(audit.StageGrounding).Canonical(), rec.Options, "the grounding stage's own num_predict")
	assert.Contains(t, rec.Options, `"num_predict":512`)
	assert.Equal(t, prompts.Grounding().Digest, rec.PromptDigest)
	assert.Equal(t, twoFindings, rec.Raw)
	assert.True(t, rec.Done)
	assert.Equal(t, "stop", rec.DoneReason)
	assert.Positive(t, rec.EvalCount)
	assert.Positive(t, rec.PromptEvalCount)
	assert.Positive(t, rec.TotalDuration)
	assert.Positive(t, rec.Wall)
	assert.False(t, rec.CreatedAt.IsZero())
	assert.Empty(t, rec.Error)
	assert.False(t, rec.Diagnostics.Salvaged)
	require.Len(t, rec.Findings, 2)
	assert.Equal(t, schema.Pneumothorax, rec.Findings[0].Label)
	assert.Equal(t, schema.Box{Y0: 0.1, X0: 0.2, Y1: 0.3, X1: 0.4}, *rec.Findings[0].Box)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	require.Len(t, reqs[0].Messages, 1)
	assert.Equal(t, prompts.Grounding().Text, reqs[0].Messages[0].Content)
	assert.Equal(t, []api.ImageData{testPNG}, reqs[0].Messages[0].Images)
	assert.JSONEq(t, string(schema.FindingsJSONSchema()), string(reqs[0].Format))
	require.NotNil(t, reqs[0].Stream)
	assert.True(t, *reqs[0].Stream)
}

func TestStageFaults(t *testing.T) {
	tests := []struct {
		name     string
		fault    ollamatest.Fault
		times    int
		content  string
		wantErr  error
		requests int
		check    func(t *testing.T, rec audit.StageRecord)
	}{
		{name: "404", fault: ollamatest.FaultNotFound, times: 1, wantErr: ErrModelNotFound, requests: 1},
		{name: "500 is not retried", fault: ollamatest.FaultServerError, times: 1, wantErr: ErrServer, requests: 1,
			check: func(t *testing.T, rec audit.StageRecord) {
				assert.Contains(t, rec.Error, ollamatest.ServerErrorMessage)
			}},
		{name: "503 twice then success", fault: ollamatest.FaultBusy, times: 2, requests: 3,
			check: func(t *testing.T, rec audit.StageRecord) {
				assert.Len(t, rec.Findings, 2)
				assert.False(t, rec.Diagnostics.Salvaged)
				assert.Equal(t, "retried", rec.Diagnostics.Notes[0].Kind)
				assert.Contains(t, rec.Diagnostics.Notes[0].Message, "attempt 3")
			}},
		{name: "503 beyond the retries", fault: ollamatest.FaultBusy, times: 10, wantErr: ErrBusy, requests: 4},
		{name: "stream cut is salvaged", fault: ollamatest.FaultStreamCut, times: 1, requests: 1,
			check: func(t *testing.T, rec audit.StageRecord) {
				assert.False(t, rec.Done)
				assert.True(t, rec.Diagnostics.Salvaged)
				assert.Equal(t, "incomplete", rec.Diagnostics.Notes[0].Kind)
				assert.True(t, strings.HasPrefix(twoFindings, rec.Raw))
				require.NotEmpty(t, rec.Findings)
				assert.Equal(t, schema.Pneumothorax, rec.Findings[0].Label)
			}},
		{name: "stream cut with nothing recoverable", fault: ollamatest.FaultStreamCut, times: 1, content: `[{"label":"pneumothorax"`, wantErr: ErrIncomplete, requests: 1,
			check: func(t *testing.T, rec audit.StageRecord) {
				assert.NotEmpty(t, rec.Raw)
				assert.True(t, strings.HasPrefix(`[{"label":"pneumothorax"`, rec.Raw), "raw output is kept")
				assert.Empty(t, rec.Findings)
			}},
		{name: "malformed line", fault: ollamatest.FaultMalformedLine, times: 1, wantErr: ErrServer, requests: 1,
			check: func(t *testing.T, rec audit.StageRecord) { assert.NotEmpty(t, rec.Raw, "what arrived is kept") }},
		{name: "error line after 200", fault: ollamatest.FaultErrorLine, times: 1, wantErr: ErrServer, requests: 1,
			check: func(t *testing.T, rec audit.StageRecord) {
				assert.Contains(t, rec.Error, ollamatest.ErrorLineMessage)
				assert.NotEmpty(t, rec.Raw)
			}},
		{name: "repetition abort is salvaged", fault: ollamatest.FaultRepetitionAbort, times: 1, requests: 1,
			check: func(t *testing.T, rec audit.StageRecord) {
				assert.False(t, rec.Done)
				assert.Empty(t, rec.DoneReason)
				assert.True(t, rec.Diagnostics.Salvaged)
				assert.True(t, strings.HasSuffix(rec.Raw, strings.Repeat("]", 31)))
				assert.Len(t, rec.Findings, 2)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := twoFindings
			if tt.content != "" {
				content = tt.content
			}
			srv := groundingServer(t, reply(content))
			srv.InjectFault(testVision, tt.fault, tt.times)
			h := newHostFor(t, srv, hostTestOptions())
			rec, err := h.Ground(t.Context(), testVision, testPNG)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, err.Error(), rec.Error)
				assert.Contains(t, rec.Error, "grounding with "+testVision)
			} else {
				require.NoError(t, err)
				assert.Empty(t, rec.Error)
			}
			assert.Len(t, srv.Requests(), tt.requests)
			if tt.check != nil {
				tt.check(t, rec)
			}
		})
	}
}

func TestDoneReasonLengthKeepsUrgentLabel(t *testing.T) {
	// num_predict cut the array inside the second entry's box: the urgent
	// pneumothorax before it must survive.
	cut := `[{"label":"nodule_mass","box_2d":[0.5,0.5,0.6,0.6]},{"label":"pneumothorax","box_2d":[0.1,0.`
	srv := groundingServer(t, func(*api.ChatRequest) ollamatest.Reply {
		return ollamatest.Reply{Content: cut, DoneReason: "length"}
	})
	h := newHostFor(t, srv, hostTestOptions())
	rec, err := h.Ground(t.Context(), testVision, testPNG)
	require.NoError(t, err)
	assert.True(t, rec.Done)
	assert.Equal(t, "length", rec.DoneReason)
	assert.True(t, rec.Diagnostics.Salvaged)
	assert.Equal(t, "truncated", rec.Diagnostics.Notes[0].Kind)
	var labels []schema.Label
	for _, f := range rec.Findings {
		labels = append(labels, f.Label)
	}
	assert.Contains(t, labels, schema.Pneumothorax)
	assert.Contains(t, labels, schema.NoduleMass)
}

func TestNumPredictCutByServer(t *testing.T) {
	opt := hostTestOptions()
	opt.GroundingPredict = 45 // tokens: the server cuts inside the second entry
	srv := groundingServer(t, nil)
	h := newHostFor(t, srv, opt)
	rec, err := h.Ground(t.Context(), testVision, testPNG)
	require.NoError(t, err)
	assert.Equal(t, "length", rec.DoneReason)
	assert.True(t, rec.Diagnostics.Salvaged)
	require.NotEmpty(t, rec.Findings)
	assert.Equal(t, schema.Pneumothorax, rec.Findings[0].Label)
}

func TestStallTimesOut(t *testing.T) {
	srv := groundingServer(t, nil)
	srv.InjectFault(testVision, ollamatest.FaultStall, 1)
	opt := hostTestOptions()
	opt.Timeout = 50 * time.Millisecond
	h := newHostFor(t, srv, opt)
	rec, err := h.Ground(t.Context(), testVision, testPNG)
	require.ErrorIs(t, err, ErrTimeout)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, ErrCanceled)
	assert.NotEmpty(t, rec.Raw, "the chunk before the stall is kept")
	assert.Len(t, srv.Requests(), 1, "a timeout is not retried")
}

func TestCancellationIsNotAResult(t *testing.T) {
	srv := groundingServer(t, nil)
	srv.InjectFault(testVision, ollamatest.FaultStall, 1)
	h := newHostFor(t, srv, hostTestOptions()) // 5 minute timeout: only the cancel ends it
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for srv.Stats(testVision).Served == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	rec, err := h.Ground(ctx, testVision, testPNG)
	require.ErrorIs(t, err, ErrCanceled)
	require.ErrorIs(t, err, context.Canceled)
	assert.NotEmpty(t, rec.Error)
	assert.Empty(t, rec.Findings)
	assert.Len(t, srv.Requests(), 1, "a cancellation is not retried")
}

func TestParseDraftThinking(t *testing.T) {
	srv := groundingServer(t, nil)
	h := newHostFor(t, srv, hostTestOptions())

	rec, err := h.ParseDraft(t.Context(), testDraft, "Small left effusion.", true)
	require.NoError(t, err)
	assert.Equal(t, audit.StageDraft, rec.Stage)
	assert.Equal(t, prompts.Draft().Digest, rec.PromptDigest)
	assert.Equal(t, "The draft says effusion is present.", rec.Thinking)
	require.Len(t, rec.Labels, 1)
	assert.Equal(t, schema.DraftLabel{Label: schema.PleuralEffusion, Status: schema.StatusPresent, Span: "small left effusion"}, rec.Labels[0])

	rec, err = h.ParseDraft(t.Context(), testDraft, "Small left effusion.", false)
	require.NoError(t, err)
	assert.Empty(t, rec.Thinking, "think:false is sent explicitly, so a thinking model does not think")

	// think=true on a model without "thinking": Ollama answers 400; the
	// host asks again without thinking and notes it.
	rec, err = h.ParseDraft(t.Context(), "plain-text", "Small left effusion.", true)
	require.NoError(t, err)
	assert.Len(t, rec.Labels, 1)
	assert.Equal(t, "think_unsupported", rec.Diagnostics.Notes[0].Kind)

	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	assert.True(t, reqs[0].Think.Bool())
	require.NotNil(t, reqs[1].Think)
	assert.False(t, reqs[1].Think.Bool())
	assert.True(t, reqs[2].Think.Bool())
	assert.False(t, reqs[3].Think.Bool())
	assert.JSONEq(t, string(schema.DraftJSONSchema()), string(reqs[0].Format))
	assert.Contains(t, reqs[0].Messages[len(reqs[0].Messages)-1].Content, "Small left effusion.")
}

func TestParseDraftRejectsEmptyDraftWithoutCalling(t *testing.T) {
	srv := groundingServer(t, nil)
	h := newHostFor(t, srv, hostTestOptions())
	rec, err := h.ParseDraft(t.Context(), testDraft, " \t\n", true)
	require.ErrorIs(t, err, prompts.ErrEmptyDraft)
	assert.Equal(t, err.Error(), rec.Error)
	assert.Equal(t, prompts.Draft().Digest, rec.PromptDigest)
	assert.Empty(t, srv.Requests())
}

func TestOptionsIdenticalAcrossCalls(t *testing.T) {
	srv := groundingServer(t, nil)
	h := newHostFor(t, srv, hostTestOptions())
	ctx := t.Context()
	require.NoError(t, h.Preload(ctx, testVision))
	require.NoError(t, h.Preload(ctx, testDraft))
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			_, err := h.Ground(ctx, testVision, testPNG)
			assert.NoError(t, err)
		})
		wg.Go(func() {
			_, err := h.ParseDraft(ctx, testDraft, "No acute findings.", true)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	reqs := srv.Requests()
	require.Len(t, reqs, 8)
	// The runner options (num_ctx) are the same on every request, so
	// Ollama never reloads a model; num_predict is each stage's own.
	want := map[string]any{"temperature": 0.0, "seed": 42.0, "num_ctx": 8192.0, "num_predict": 1024.0}
	for i, r := range reqs {
		w := want
		if r.Model == testVision && len(r.Messages) > 0 {
			w = map[string]any{"temperature": 0.0, "seed": 42.0, "num_ctx": 8192.0, "num_predict": 512.0}
		}
		assert.Equal(t, w, r.Options, "request %d", i)
		require.NotNil(t, r.KeepAlive, "request %d", i)
		assert.Equal(t, 30*time.Minute, r.KeepAlive.Duration, "request %d", i)
	}
}

// BenchmarkHostGround is one grounding round trip against ollamatest with
// zero model latency: the client's overhead (request encoding with the
// base64 image, HTTP, NDJSON decoding, parsing) plus the test server's
// decoding of the request. A padded 896x896 PNG is about 200 KiB.
func BenchmarkHostGround(b *testing.B) {
	srv := ollamatest.NewServer(ollamatest.Model{Name: testVision, Capabilities: []string{"completion", "vision"}, Respond: reply(twoFindings)})
	b.Cleanup(srv.Close)
	h, err := NewHost(srv.URL(), hostTestOptions())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, size := range []int{1 << 10, 200 << 10} {
		png := make([]byte, size)
		b.Run(fmt.Sprintf("image=%dKiB", size>>10), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h.Ground(ctx, testVision, png); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
