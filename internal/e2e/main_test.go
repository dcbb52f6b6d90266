//go:build e2e && unix

package e2e_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/realollama"
)

// Set by TestMain.
var (
	// binary is the cxr-auditor executable under test.
	binary string
	// models are the tiny models' files, created on each server.
	models *realollama.Models
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	if _, err := realollama.Binary(); err != nil {
		// Every test skips with the same message; say it once here too.
		fmt.Fprintf(os.Stderr, "e2e: skipping the real-server suite: %v\n", err)
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "cxr-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	if binary = os.Getenv("E2E_CXR_AUDITOR"); binary != "" {
		// A build to test as it is (a release, or an older commit to show
		// a defect the suite catches).
		fmt.Fprintf(os.Stderr, "e2e: testing %s (E2E_CXR_AUDITOR)\n", binary)
	} else {
		binary = filepath.Join(dir, "cxr-auditor")
		build := exec.Command("go", "build", "-o", binary, "github.com/cxr-auditor/cxr-auditor/cmd/cxr-auditor")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: building cxr-auditor: %v\n%s", err, out)
			return 1
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "models"), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	var texts []string
	for _, c := range cases {
		texts = append(texts, c.draft)
	}
	// The synthetic model project's prompts (TestRunSendsTheImportedPrompts)
	// cost a token a word too.
	for _, f := range []string{"prompts.py", "inference.py"} {
		b, err := os.ReadFile(filepath.Join(synthProject, "src", "cxr_auditor", f))
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		texts = append(texts, string(b))
	}
	if models, err = realollama.WriteModels(filepath.Join(dir, "models"), texts...); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: built cxr-auditor and wrote the tiny models in %v\n", time.Since(start).Round(time.Millisecond))
	return m.Run()
}

// serverWithModels starts a real server with the tiny models (all, or
// those named) created on it.
func serverWithModels(t *testing.T, names ...string) *realollama.Server {
	t.Helper()
	start := time.Now()
	s := realollama.Start(t)
	s.CreateModels(t, models, names...)
	t.Logf("ollama serve on %s with models ready in %v", s.Addr(), time.Since(start).Round(time.Millisecond))
	return s
}

// secondServer starts another real server sharing first's model store:
// the same models with the same digests, as hosts that share a store do.
func secondServer(t *testing.T, first *realollama.Server) *realollama.Server {
	t.Helper()
	s := realollama.Start(t, realollama.SharingModels(first))
	t.Logf("second ollama serve on %s, sharing the models of %s", s.Addr(), first.Addr())
	return s
}

// testCase is one worklist row.
type testCase struct {
	id, image, draft string
}

// cases is the worklist the tests run: synthetic phantoms (drawn by code,
// not patients) in four encodings, with drafts.
var cases = []testCase{
	{"c1-normal", "phantom-normal.png", "No acute cardiopulmonary abnormality. Heart size is normal."},
	{"c2-nodule", "phantom-nodule.jpg", "Right upper lobe nodule. No pleural effusion."},
	{"c3-ptx", "phantom-ptx-mono1.dcm", "Lungs are clear. No pneumothorax."},
	{"c4-effusion", "phantom-effusion-16bit.png", "Small right pleural effusion."},
}

// worklist writes cases (the first n, or all when n is 0) as a CSV
// worklist in a new directory, beside copies of their images, and returns
// its path. The store goes beside it.
func worklist(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	if n == 0 || n > len(cases) {
		n = len(cases)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	require.NoError(t, w.Write([]string{"id", "image", "draft"}))
	for _, c := range cases[:n] {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "phantoms", c.image))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, c.image), data, 0o644))
		require.NoError(t, w.Write([]string{c.id, c.image, c.draft}))
	}
	w.Flush()
	require.NoError(t, w.Error())
	path := filepath.Join(dir, "cases.csv")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	return path
}

// result is what one cxr-auditor command did.
type result struct {
	stdout, stderr string
	code           int
	wall           time.Duration
}

// commandTimeout bounds one command: long enough for a busy 2-core machine,
// short enough that a hang fails the test rather than the suite's timeout.
const commandTimeout = 4 * time.Minute

// cxr runs the cxr-auditor binary with args (stdin empty) in a clean
// environment: its own HOME, no OLLAMA_HOST (hosts are named with
// --ollama), not a terminal.
func cxr(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = cleanEnv(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &stdout, &stderr, strings.NewReader("")
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), wall: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("cxr-auditor %s: %v\nstderr:\n%s", strings.Join(args, " "), err, r.stderr)
	}
	require.NoError(t, ctx.Err(), "cxr-auditor %s did not finish within %v", strings.Join(args, " "), commandTimeout)
	t.Logf("cxr-auditor %s: exit %d in %v", strings.Join(args, " "), r.code, r.wall.Round(time.Millisecond))
	return r
}

// cleanEnv is the environment of the binary under test: PATH, TERM and
// a HOME of the test's own, nothing else (no OLLAMA_HOST, no graphics
// overrides).
func cleanEnv(t *testing.T) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TERM=xterm-256color", "USER=e2e"}
}

// modelFlags are the flags every run, review and doctor gets: the tiny
// models, and a context that fits both (the text model's is 2048 tokens).
func modelFlags(grounding, draft string) []string {
	return []string{"--grounding-model", grounding, "--draft-model", draft, "--num-ctx", "2048"}
}
