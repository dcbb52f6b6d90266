package session

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostileModelfileFromChecksThePath: doctor --modelfile grounding --from
// /models/nope printed a Modelfile Ollama then refused with "invalid
// model name". A path is now checked (and made absolute); a model name is
// left to Ollama.
func TestHostileModelfileFromChecksThePath(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt")
	require.NoError(t, os.Mkdir(ckpt, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(ckpt, "model.safetensors"), []byte("x"), 0o644))
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	gguf := filepath.Join(dir, "m.gguf")
	require.NoError(t, os.WriteFile(gguf, []byte("GGUF\x03\x00"), 0o644))
	notGGUF := filepath.Join(dir, "x.gguf")
	require.NoError(t, os.WriteFile(notGGUF, []byte("<html>"), 0o644))
	t.Chdir(dir)

	cases := []struct{ from, want, err string }{
		{"/models/nope", "", "no such file or folder"},
		{empty, "", "no .safetensors file"},
		{notGGUF, "", "not a GGUF file"},
		{ckpt, "FROM " + ckpt, ""},
		{"./m.gguf", "FROM " + gguf, ""},
		{"medgemma:4b", "FROM medgemma:4b", ""},
	}
	for _, tc := range cases {
		text, err := Modelfile("grounding", tc.from)
		if tc.err != "" {
			require.ErrorIs(t, err, ErrUsage, tc.from)
			assert.Contains(t, err.Error(), tc.err)
			continue
		}
		require.NoError(t, err, tc.from)
		assert.Contains(t, text, tc.want)
	}
}
