package ollama

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// TestHTTPErrorWithEmptyBody: an HTTP error status without a body is an
// HTTP error naming the status code, not an "incomplete" reply.
func TestHTTPErrorWithEmptyBody(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadGateway} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			canned := newCannedServer(t)
			canned.serve(status, nil)
			h, err := NewHost(canned.srv.URL, hostTestOptions())
			require.NoError(t, err)
			rec, err := h.Ground(t.Context(), testVision, testPNG)
			require.ErrorIs(t, err, ErrServer)
			assert.NotErrorIs(t, err, ErrIncomplete)
			assert.Contains(t, err.Error(), fmt.Sprint(status))
			assert.Equal(t, err.Error(), rec.Error)
			assert.False(t, rec.Deterministic, "a server error may pass")
		})
	}
}

// TestReplyOverTheLimit: a server streaming megabytes of output is cut off
// at MaxReplyBytes with a clear error, and only the reply's beginning is
// kept (it once took a run to 1.4 GB and its store to 350 MB).
func TestReplyOverTheLimit(t *testing.T) {
	const chunks = 50
	chunk := strings.Repeat("x", 1<<20)
	var written atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		for range chunks {
			line := fmt.Sprintf(`{"model":"m","message":{"role":"assistant","content":%q},"done":false}`+"\n", chunk)
			if _, err := w.Write([]byte(line)); err != nil {
				return
			}
			_ = http.NewResponseController(w).Flush()
			written.Add(1)
		}
		_, _ = w.Write([]byte(`{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}` + "\n"))
	}))
	t.Cleanup(srv.Close)
	h, err := NewHost(srv.URL, hostTestOptions())
	require.NoError(t, err)
	rec, err := h.Ground(t.Context(), testVision, testPNG)
	require.ErrorIs(t, err, ErrOutputTooLarge)
	assert.Contains(t, err.Error(), "1048576 bytes")
	assert.LessOrEqual(t, len(rec.Raw), keptRawBytes)
	assert.NotEmpty(t, rec.Raw)
	assert.True(t, rec.Deterministic)
	srv.Close() // waits for the handler: it stopped when the client left
	assert.Less(t, written.Load(), int64(chunks), "reading stopped at the limit")
}

// TestReplyFailuresSayWhyAndWhetherTheyRepeat: each way a reply can fail
// says why in words a user can act on, and whether calling again with the
// same provenance would give the same reply.
func TestReplyFailuresSayWhyAndWhetherTheyRepeat(t *testing.T) {
	tests := []struct {
		name          string
		fault         ollamatest.Fault
		content       string
		numPredict    int
		wantErr       error
		wantWords     []string
		deterministic bool
	}{
		{name: "clean", content: twoFindings, deterministic: true},
		{name: "cut at num_predict", content: twoFindings, numPredict: 1, wantErr: ErrNoOutput,
			wantWords: []string{"cut at num_predict=1 (done_reason length)", "raise --num-predict-grounding"}, deterministic: true},
		{name: "unusable output", content: "I cannot see any image.", wantErr: ErrNoOutput,
			wantWords: []string{"no usable findings list", "check that " + testVision + " is the grounding model"}, deterministic: true},
		{name: "repetition abort with nothing usable", fault: ollamatest.FaultRepetitionAbort, content: `[{"label":"pneumo`,
			wantErr: ErrIncomplete, wantWords: []string{"kept repeating one token", "same input gives the same reply"}, deterministic: true},
		{name: "repetition abort salvaged", fault: ollamatest.FaultRepetitionAbort, content: twoFindings, deterministic: true},
		{name: "stream cut salvaged", fault: ollamatest.FaultStreamCut, content: twoFindings, deterministic: false},
		{name: "stream cut with nothing usable", fault: ollamatest.FaultStreamCut, content: `[{"label":"pneumothorax"`,
			wantErr: ErrIncomplete, wantWords: []string{"connection closed", "called again on the next run"}},
		{name: "server error", fault: ollamatest.FaultServerError, content: twoFindings, wantErr: ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := groundingServer(t, reply(tt.content))
			srv.InjectFault(testVision, tt.fault, 1)
			opt := hostTestOptions()
			opt.Attempts = AttemptsOne // what one reply says; ladder_test.go climbs
			if tt.numPredict != 0 {
				opt.GroundingPredict = tt.numPredict
			}
			h := newHostFor(t, srv, opt)
			rec, err := h.Ground(t.Context(), testVision, testPNG)
			if tt.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, err.Error(), rec.Error)
			}
			for _, w := range tt.wantWords {
				assert.Contains(t, rec.Error, w)
			}
			assert.Equal(t, tt.deterministic, rec.Deterministic)
		})
	}

	t.Run("a refused draft", func(t *testing.T) {
		h := newHostFor(t, groundingServer(t, nil), hostTestOptions())
		rec, err := h.ParseDraft(t.Context(), testDraft, "   ", false)
		require.Error(t, err)
		assert.True(t, rec.Deterministic, "the same draft is refused again")
	})
}
