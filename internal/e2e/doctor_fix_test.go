//go:build e2e && unix

package e2e_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/realollama"
)

// placeholder is how doctor marks what a user must fill in: <words>.
var placeholder = regexp.MustCompile(`<[a-z][a-z-]*>`)

// doctorJSON runs doctor --json with args and returns its report.
func doctorJSON(t *testing.T, args ...string) (doctorReport, result) {
	t.Helper()
	r := cxr(t, append([]string{"doctor", "--json"}, args...)...)
	var rep doctorReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	return rep, r
}

// shell is a user's shell: `cxr-auditor` and `ollama` on PATH, a home of
// its own, in dir.
func shell(t *testing.T, dir string) []string {
	t.Helper()
	bin := t.TempDir()
	ollama, err := realollama.Binary()
	require.NoError(t, err)
	require.NoError(t, os.Symlink(binary, filepath.Join(bin, "cxr-auditor")))
	require.NoError(t, os.Symlink(ollama, filepath.Join(bin, "ollama")))
	return []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + dir, "TERM=dumb"}
}

// paste runs fix in sh as a user who pasted it would, after filling in its
// one placeholder (which must be want) with value. It fails t if the
// command fails.
func paste(t *testing.T, fix, want, value string) {
	t.Helper()
	require.Equal(t, []string{want}, placeholder.FindAllString(fix, -1), "the only thing to fill in is marked: %s", fix)
	cmdline := strings.ReplaceAll(fix, want, value)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", cmdline)
	cmd.Dir, cmd.Env = dir, shell(t, dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", cmdline, out)
	t.Logf("pasted: %s", cmdline)
}

// TestDoctorFixesPaste runs the fix doctor prints for each problem, as a
// user pasting it into a shell would (filling in only what it marks as a
// placeholder), and checks that doctor is then satisfied.
func TestDoctorFixesPaste(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	host := []string{"--ollama", srv.URL()}

	t.Run("missing grounding model", func(t *testing.T) {
		rep, r := doctorJSON(t, append(host, modelFlags("tiny-cxr", realollama.Text)...)...)
		require.Equal(t, 1, r.code)
		_, _, fix := rep.check(t, "grounding_model", "tiny-cxr")
		// The served model's safetensors folder, or a GGUF of it: here
		// the tiny model's GGUF.
		paste(t, fix, "<path-to-your-safetensors-folder>", models.GGUF(realollama.Vision))
		rep, r = doctorJSON(t, append(host, modelFlags("tiny-cxr", realollama.Text)...)...)
		assert.Equal(t, 0, r.code, r.stdout)
		assert.True(t, rep.OK)
	})

	t.Run("grounding model that cannot see", func(t *testing.T) {
		before, err := srv.Digest(realollama.Text)
		require.NoError(t, err)
		rep, r := doctorJSON(t, append(host, modelFlags(realollama.Text, realollama.Text)...)...)
		require.Equal(t, 1, r.code)
		_, msg, fix := rep.check(t, "grounding_model", realollama.Text)
		paste(t, fix, "<path-to-your-safetensors-folder>", models.GGUF(realollama.Vision))
		after, err := srv.Digest(realollama.Text)
		require.NoError(t, err)
		assert.Equal(t, before, after, "the fix did not create over the model it names")
		// The message names the new model to pass.
		m := regexp.MustCompile(`--grounding-model (\S+)`).FindStringSubmatch(msg)
		require.NotNil(t, m, msg)
		rep, r = doctorJSON(t, append(host, modelFlags(m[1], realollama.Text)...)...)
		assert.Equal(t, 0, r.code, r.stdout)
		assert.True(t, rep.OK)
	})

	t.Run("missing draft model", func(t *testing.T) {
		rep, r := doctorJSON(t, append(host, modelFlags(realollama.Vision, "tiny-reader")...)...)
		require.Equal(t, 1, r.code)
		_, _, fix := rep.check(t, "draft_model", "tiny-reader")
		paste(t, fix, "<model-name-or-path>", models.GGUF(realollama.Text))
		rep, r = doctorJSON(t, append(host, modelFlags(realollama.Vision, "tiny-reader")...)...)
		assert.Equal(t, 0, r.code, r.stdout)
		assert.True(t, rep.OK)
	})

	t.Run("host down", func(t *testing.T) {
		url := deadURL(t)
		rep, r := doctorJSON(t, "--ollama", url, "--grounding-model", realollama.Vision, "--draft-model", realollama.Text)
		require.Equal(t, 1, r.code)
		_, _, fix := rep.check(t, "host", url)
		require.Empty(t, placeholder.FindAllString(fix, -1), fix)
		// The fix starts a server: run it in the background, in a process
		// group of its own, and end that group when done.
		dir := t.TempDir()
		cmd := exec.Command("sh", "-c", fix)
		cmd.Dir, cmd.Env = dir, shell(t, dir)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		require.NoError(t, cmd.Start())
		t.Cleanup(func() {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
		})
		deadline := time.Now().Add(time.Minute)
		for {
			rep, _ = doctorJSON(t, "--ollama", url, "--grounding-model", realollama.Vision, "--draft-model", realollama.Text)
			if status, _, _ := rep.check(t, "host", url); status == "ok" {
				break
			}
			require.True(t, time.Now().Before(deadline), "the pasted %q never answered at %s", fix, url)
			time.Sleep(200 * time.Millisecond)
		}
	})
}
