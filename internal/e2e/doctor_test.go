//go:build e2e && unix

package e2e_test

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/realollama"
)

// doctorReport is doctor --json's output.
type doctorReport struct {
	OK       bool `json:"ok"`
	Problems int  `json:"problems"`
	Checks   []struct {
		Check        string   `json:"check"`
		Target       string   `json:"target"`
		Status       string   `json:"status"`
		Message      string   `json:"message"`
		Fix          string   `json:"fix"`
		Digest       string   `json:"digest"`
		Capabilities []string `json:"capabilities"`
		Version      string   `json:"version"`
	} `json:"checks"`
}

// check returns the report's check of kind on target, failing t if there
// is none.
func (r doctorReport) check(t *testing.T, kind, target string) (status, message, fix string) {
	t.Helper()
	for _, c := range r.Checks {
		if c.Check == kind && c.Target == target {
			return c.Status, c.Message, c.Fix
		}
	}
	t.Fatalf("doctor reported no %s check of %s: %+v", kind, target, r.Checks)
	return "", "", ""
}

func TestDoctor(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	version, err := srv.Version()
	require.NoError(t, err)
	visionDigest, err := srv.Digest(realollama.Vision)
	require.NoError(t, err)

	t.Run("models ready", func(t *testing.T) {
		r := cxr(t, append([]string{"doctor", "--json", "--ollama", srv.URL()}, modelFlags(realollama.Vision, realollama.Text)...)...)
		var rep doctorReport
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
		assert.Equal(t, 0, r.code, r.stdout)
		assert.True(t, rep.OK)
		for _, c := range rep.Checks {
			switch c.Check {
			case "host":
				assert.Equal(t, version, c.Version, "doctor reports the server's version")
			case "grounding_model":
				assert.Equal(t, visionDigest, c.Digest, "the digest of the real server's /api/tags")
				assert.Contains(t, c.Capabilities, "vision")
			case "draft_model":
				assert.Equal(t, []string{"completion"}, c.Capabilities)
			}
		}
	})

	t.Run("num_ctx above the model's context length", func(t *testing.T) {
		// The text model was trained for 2048 tokens; the default asks for
		// more, which the server would silently cut.
		r := cxr(t, "doctor", "--json", "--ollama", srv.URL(), "--grounding-model", realollama.Vision, "--draft-model", realollama.Text)
		var rep doctorReport
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
		status, msg, _ := rep.check(t, "num_ctx", realollama.Text)
		assert.Equal(t, "warn", status)
		assert.Contains(t, msg, "will use 2048")
	})

	refused := []struct {
		name, grounding, want string
	}{
		// The text model answers a chat with an image as if there were
		// none (the server drops the image without an error).
		{"grounding model that cannot see", realollama.Text, `no "vision" capability`},
		{"missing grounding model", "nope-missing", "is not on"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			r := cxr(t, append([]string{"doctor", "--json", "--ollama", srv.URL()}, modelFlags(tc.grounding, realollama.Text)...)...)
			var rep doctorReport
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
			assert.Equal(t, 1, r.code)
			assert.False(t, rep.OK)
			status, msg, fix := rep.check(t, "grounding_model", tc.grounding)
			assert.Equal(t, "fail", status)
			assert.Contains(t, msg, tc.want)
			assert.Contains(t, fix, "ollama create", "the fix says how to create the model")
		})
	}

	t.Run("host down", func(t *testing.T) {
		url := deadURL(t)
		r := cxr(t, append([]string{"doctor", "--ollama", url}, modelFlags(realollama.Vision, realollama.Text)...)...)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stdout, "cannot reach Ollama at "+url)
		assert.Contains(t, r.stdout, "fix: OLLAMA_HOST="+strings.TrimPrefix(url, "http://")+" ollama serve")
	})
}

// deadURL returns the URL of a loopback port nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return fmt.Sprintf("http://%s", strings.TrimSpace(addr))
}
