package tinymodel_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ollama/ollama/fs/ggml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/tinymodel"
)

// decode reads back a GGUF the package wrote.
func decode(t *testing.T, path string) *ggml.GGML {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	g, err := ggml.Decode(f, -1)
	require.NoError(t, err)
	return g
}

func tensorShapes(g *ggml.GGML) map[string][]uint64 {
	out := map[string][]uint64{}
	for _, t := range g.Tensors().Items() {
		out[t.Name] = t.Shape
	}
	return out
}

func TestWriteVision(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.gguf")
	require.NoError(t, tinymodel.WriteVision(path, tinymodel.Config{Seed: 1, Words: []string{"radiograph"}}))
	g := decode(t, path)
	kv := g.KV()
	assert.Equal(t, "gemma3", kv.Architecture())
	// Ollama reports "vision" for a model whose GGUF has a vision tower.
	assert.Equal(t, uint32(1), kv.Uint("vision.block_count"))
	tokens := kv.Strings("tokenizer.ggml.tokens")
	require.Len(t, tokens, 262144, "Gemma 3's engine uses fixed ids up to 256000")
	assert.Equal(t, "<start_of_turn>", tokens[105])
	assert.Equal(t, "<end_of_turn>", tokens[106])
	assert.Equal(t, "<start_of_image>", tokens[255999])
	assert.Equal(t, "<end_of_image>", tokens[256000])
	assert.Contains(t, tokens, "▁radiograph", "a word and its prefixes are whole tokens")
	assert.Contains(t, tokens, "▁radiogr")
	assert.Contains(t, tokens, "radiograph")

	shapes := tensorShapes(g)
	assert.Equal(t, []uint64{64, 262144}, shapes["token_embd.weight"])
	head := shapes["output.weight"]
	require.Len(t, head, 2)
	assert.Equal(t, uint64(64), head[0])
	assert.Less(t, head[1], uint64(1000), "the output head covers the text tokens only")
	assert.Equal(t, "", tokens[head[1]], "the tokens past the head are empty fillers")
	assert.Equal(t, []uint64{4, 4, 3, 32}, shapes["v.patch_embedding.weight"])
	assert.Equal(t, []uint64{32, 256}, shapes["v.position_embedding.weight"])
	assert.Equal(t, []uint64{64, 32}, shapes["mm.mm_input_projection.weight"])
	for _, name := range []string{"blk.1.post_ffw_norm.weight", "v.blk.0.mlp.fc2.bias", "mm.mm_soft_emb_norm.weight"} {
		assert.Contains(t, shapes, name)
	}
}

func TestWriteText(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, c tinymodel.Config) []byte {
		path := filepath.Join(dir, name)
		require.NoError(t, tinymodel.WriteText(path, c))
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		return b
	}
	tidy := write("tidy.gguf", tinymodel.Config{Seed: 1})
	assert.Equal(t, tidy, write("again.gguf", tinymodel.Config{Seed: 1}), "the same Config writes the same bytes")
	assert.NotEqual(t, tidy, write("seed2.gguf", tinymodel.Config{Seed: 2}))
	assert.NotEqual(t, tidy, write("wild.gguf", tinymodel.Config{Seed: 1, Temperament: tinymodel.Wild}))
	assert.NotEqual(t, tidy, write("stuck.gguf", tinymodel.Config{Seed: 1, Temperament: tinymodel.Stuck}))

	g := decode(t, filepath.Join(dir, "tidy.gguf"))
	kv := g.KV()
	assert.Equal(t, "llama", kv.Architecture())
	assert.False(t, kv.Uint("vision.block_count") > 0, "no vision tower")
	tokens := kv.Strings("tokenizer.ggml.tokens")
	assert.Len(t, tokens, 3+256+1+94, "specials, bytes, ▁ and printable ASCII: the vocabulary of the captured wire cases")
	shapes := tensorShapes(g)
	assert.Equal(t, []uint64{64, uint64(len(tokens))}, shapes["output.weight"], "llama.cpp wants the head as wide as the vocabulary")
	assert.Equal(t, []uint64{128, 64}, shapes["blk.1.ffn_down.weight"])
}

func TestWordsOf(t *testing.T) {
	got := tinymodel.WordsOf(`Output ONLY a JSON array: {"label": "no_finding"}.`, "box_2d, y0")
	assert.Equal(t, []string{"Output", "ONLY", "a", "JSON", "array", "label", "no_finding", "box_2d", "y0"}, got)
}

func TestModelfile(t *testing.T) {
	mf := tinymodel.Modelfile("/models/tiny.gguf")
	lines := strings.Split(mf, "\n")
	assert.Equal(t, "FROM /models/tiny.gguf", lines[0])
	assert.Contains(t, lines, `{{ end }}assistant: """`)
	assert.Contains(t, lines, "PARAMETER num_thread 1")
}
