package session

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// Synthetic data only: generated images and drafts.

const (
	runGroundModel = "test-grounding"
	runDraftModel  = "test-draft"
)

// runServer serves synthetic replies: a pneumothorax in every image, a
// draft that denies it (one urgent disagreement per item).
func runServer(t testing.TB) *ollamatest.Server {
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		for _, m := range req.Messages {
			if len(m.Images) > 0 {
				return ollamatest.Reply{Content: `[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8]}]`}
			}
		}
		return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"absent","span":"No pneumothorax."}]`}
	}
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: respond},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: respond},
	)
	t.Cleanup(srv.Close)
	return srv
}

// writeRunImage writes a small synthetic PNG whose first pixel is seed.
func writeRunImage(t testing.TB, path string, seed int) {
	img := image.NewGray(image.Rect(0, 0, 32, 24))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.SetGray(0, 0, color.Gray{Y: uint8(seed)})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// runResult is what a Run wrote and its exit status, as the command
// would exit (0, 1, 2, 128 + a signal).
type runResult struct {
	stdout, stderr string
	code           int
}

// runWorklistOn runs the worklist wl on the test server srv, as
// "cxr-auditor run wl --ollama srv ... --out out" does.
func runWorklistOn(t *testing.T, srv *ollamatest.Server, wl, out string) runResult {
	t.Helper()
	h, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	env := Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	err = Run(context.Background(), env, RunConfig{
		Config: Config{Worklist: wl, Hosts: []*ollama.Host{h}, GroundingModel: runGroundModel, DraftModel: runDraftModel,
			Capacity: 1},
		Out: out, Share: "auto", Lease: time.Minute,
	})
	r := runResult{stdout: stdout.String(), stderr: stderr.String()}
	var ee ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.Code
	case errors.Is(err, ErrUsage):
		r.code = 2
	case err != nil:
		r.code = 1
		r.stderr += err.Error()
	}
	return r
}
