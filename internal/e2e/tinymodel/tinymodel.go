// Package tinymodel writes tiny random-weight models as GGUF files that a
// real Ollama server loads and runs, so that the workstation can be tested
// end to end against `ollama serve` on a CPU in seconds. The weights are
// random; no real weights are used or needed. The models know nothing
// about radiographs.
//
// Two architectures are written, with the settings seen working on Ollama
// v0.24.0 (the project's shared real-ollama.md lists them):
//
//   - Vision: a gemma3 with a vision tower, served on Ollama's own engine
//     with the capabilities "completion" and "vision"; images are really
//     consumed (256 prompt tokens each). Its vocabulary has the 262,144
//     entries Gemma 3 requires (the engine uses fixed ids for the image
//     markers), most of them empty fillers, which cost nothing when a
//     "format" grammar is applied.
//   - Text: a llama (2 blocks, 64 wide, a few hundred SentencePiece tokens),
//     served on llama.cpp's runner with the capability "completion" only: it
//     cannot see images and it cannot think. The draft model, and the
//     grounding model that must be refused.
//
// # Speed
//
// A CPU shared by several test suites makes every token count, so:
//   - Config.Words adds whole words (and their prefixes, which
//     SentencePiece's merges need) to the vocabulary: a prompt made of them
//     tokenizes into about a token a word instead of one a character, and
//     prompt evaluation shrinks accordingly.
//   - The gemma3's output head covers only the text tokens (the fillers and
//     image markers can never be generated), so a step computes a few
//     hundred logits, not 262,144.
//
// # Temperament
//
// By default the output head is tidy: a hidden bias makes the models
// prefer to stop as soon as the JSON they are made to write (with Ollama's
// "format") is complete, never to emit whitespace, and to keep strings and
// numbers short, while the random weights, and so the image and the text,
// pick what is written. Replies are short valid JSON arrays, often with a
// finding or two, and, at temperature 0, the same for the same input.
// Other temperaments (Config.Temperament):
//   - Wild leaves the head purely random, like an untrained model: replies
//     wander (whitespace runs, numbers that overflow float64, done_reason
//     "length", repetition aborts), as captured in the shared
//     ollama-wire-observed.txt.
//   - Stuck is tidy, except that inside a free JSON string (a draft label's
//     "span") it repeats one letter until Ollama's runner aborts the
//     generation (31 equal tokens in a row): a reply without done:true,
//     every time. A deterministic failure, for tests of how one is kept.
//
// The weights are a deterministic function of the Config: every tensor
// draws from its own generator, seeded from Seed and its name, so the file
// is the same whatever order the writer visits the tensors in.
package tinymodel

import (
	"fmt"
	"os"
	"strings"
	"unicode"

	"github.com/ollama/ollama/fs/ggml"
)

// Config chooses a model's weights and vocabulary.
type Config struct {
	// Seed fixes the random weights.
	Seed uint64
	// Words are added to the vocabulary as whole tokens, each with and
	// without SentencePiece's leading space ("▁word" and "word"). Text made
	// of them costs about a token a word. Words are split on anything that
	// is not a letter, digit or '_'; duplicates are ignored.
	Words []string
	// Temperament shapes the replies (see the package doc); the zero
	// value is Tidy.
	Temperament Temperament
}

// Temperament is how a model's output head shapes its replies.
type Temperament int

// The temperaments.
const (
	// Tidy: short valid JSON under a "format"; stops when it can.
	Tidy Temperament = iota
	// Wild: a purely random head; replies wander.
	Wild
	// Stuck: tidy, but repeats one letter inside a free string until
	// the runner aborts the generation.
	Stuck
)

// WordsOf returns the words of texts, for Config.Words.
func WordsOf(texts ...string) []string {
	var out []string
	for _, t := range texts {
		out = append(out, strings.FieldsFunc(t, func(r rune) bool { return !isWordRune(r) })...)
	}
	return out
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// Modelfile returns a Modelfile that imports the GGUF at ggufPath for
// `ollama create`, with a plain role-prefixed template that both tiny
// models accept, and one CPU thread per runner. ggufPath should be
// absolute, or relative to the Modelfile's directory.
//
// Why one thread: for models this small a step is mostly thread barriers,
// and a barrier waits for the slowest thread. On this project's shared
// 2-core machine under load (load average ~10, 2026-11-28) a grounding call
// took 9.9-13 s with Ollama's default of 2 threads and 2.0-2.2 s with one.
func Modelfile(ggufPath string) string {
	return "FROM " + ggufPath + "\n" +
		`TEMPLATE """{{- range .Messages }}{{ .Role }}: {{ .Content }}
{{ end }}assistant: """` + "\n" +
		"PARAMETER num_thread 1\n"
}

// WriteVision writes the gemma3 vision model to path (creating or
// truncating it). Its /api/show capabilities are ["completion","vision"].
func WriteVision(path string, c Config) error {
	kv, ts := visionModel(c)
	return write(path, kv, ts)
}

// WriteText writes the llama text model to path (creating or truncating
// it). Its /api/show capabilities are ["completion"].
func WriteText(path string, c Config) error {
	kv, ts := textModel(c)
	return write(path, kv, ts)
}

func write(path string, kv ggml.KV, ts []*ggml.Tensor) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("tinymodel: %w", err)
	}
	if err := ggml.WriteGGUF(f, kv, ts); err != nil {
		f.Close()
		return fmt.Errorf("tinymodel: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("tinymodel: %w", err)
	}
	return nil
}

func textModel(c Config) (ggml.KV, []*ggml.Tensor) {
	const (
		blocks = 2
		embd   = 64
		heads  = 4
		ff     = 128
	)
	var v vocab
	v.add("<unk>", 0, tokUnknown)
	v.add("<s>", 0, tokControl)
	v.add("</s>", 0, tokControl)
	v.eos = []int{2}
	v.text(c.Words)
	n := uint64(len(v.tokens))

	kv := ggml.KV{
		"general.architecture":                   "llama",
		"general.name":                           "tiny-random-llama",
		"llama.block_count":                      uint32(blocks),
		"llama.context_length":                   uint32(2048),
		"llama.embedding_length":                 uint32(embd),
		"llama.feed_forward_length":              uint32(ff),
		"llama.attention.head_count":             uint32(heads),
		"llama.attention.head_count_kv":          uint32(heads),
		"llama.attention.layer_norm_rms_epsilon": float32(1e-5),
		"llama.rope.dimension_count":             uint32(embd / heads),
		"llama.rope.freq_base":                   float32(10000),
		"llama.vocab_size":                       uint32(n),
		"tokenizer.ggml.bos_token_id":            uint32(1),
		"tokenizer.ggml.eos_token_id":            uint32(2),
		"tokenizer.ggml.unknown_token_id":        uint32(0),
		"tokenizer.ggml.add_bos_token":           true,
		"tokenizer.ggml.add_eos_token":           false,
	}
	v.kv(kv)

	t := tensors{seed: c.Seed}
	// llama.cpp wants the output head as wide as the vocabulary.
	t.embedding("token_embd.weight", embd, n, n, c.Temperament, 4)
	t.ones("output_norm.weight", embd)
	t.head("output.weight", embd, v, int(n), c.Temperament)
	for i := range blocks {
		b := fmt.Sprintf("blk.%d.", i)
		t.ones(b+"attn_norm.weight", embd)
		t.random(b+"attn_q.weight", embd, embd)
		t.random(b+"attn_k.weight", embd, embd)
		t.random(b+"attn_v.weight", embd, embd)
		t.random(b+"attn_output.weight", embd, embd)
		t.ones(b+"ffn_norm.weight", embd)
		t.random(b+"ffn_gate.weight", embd, ff)
		t.random(b+"ffn_up.weight", embd, ff)
		t.random(b+"ffn_down.weight", ff, embd)
	}
	return kv, t.list
}

// Gemma 3's fixed token ids: its engine inserts these around an image.
const (
	gemmaVocabSize    = 262144
	gemmaStartOfTurn  = 105
	gemmaEndOfTurn    = 106
	gemmaStartOfImage = 255999
)

// visionModel is the gemma3 with a vision tower (see the package doc).
func visionModel(c Config) (ggml.KV, []*ggml.Tensor) {
	const (
		blocks   = 2
		embd     = 64
		heads    = 4
		headDim  = 16
		ff       = 128
		vBlocks  = 1
		vEmbd    = 32
		vFF      = 64
		vHeads   = 2
		imgSize  = 64
		patch    = 4
		channels = 3
	)
	patches := uint64((imgSize / patch) * (imgSize / patch))

	var v vocab
	v.add("<pad>", 0, tokControl)
	v.add("<eos>", 0, tokControl)
	v.add("<bos>", 0, tokControl)
	v.add("<unk>", 0, tokUnknown)
	for i := 0; len(v.tokens) < gemmaStartOfTurn; i++ {
		v.add(fmt.Sprintf("<unused%d>", i), 0, tokUnused)
	}
	v.add("<start_of_turn>", 0, tokUnused)
	v.add("<end_of_turn>", 0, tokUnused)
	v.eos = []int{1, gemmaEndOfTurn}
	v.add("\n", -1, tokNormal)
	v.add("\n\n", -1, tokNormal)
	v.text(c.Words)
	// The output head: every token up to here can be generated; the
	// fillers and image markers that follow cannot.
	head := len(v.tokens)
	// Fillers are empty: a "format" grammar skips an empty piece at once,
	// where it would match 262,144 strings against the grammar each step.
	for len(v.tokens) < gemmaStartOfImage {
		v.add("", -1000, tokUnused)
	}
	v.add("<start_of_image>", 0, tokUnused)
	v.add("<end_of_image>", 0, tokUnused)
	for len(v.tokens) < gemmaVocabSize {
		v.add("", -1000, tokUnused)
	}

	kv := ggml.KV{
		"general.architecture":                       "gemma3",
		"general.name":                               "tiny-random-gemma3-vision",
		"gemma3.block_count":                         uint32(blocks),
		"gemma3.context_length":                      uint32(8192),
		"gemma3.embedding_length":                    uint32(embd),
		"gemma3.feed_forward_length":                 uint32(ff),
		"gemma3.attention.head_count":                uint32(heads),
		"gemma3.attention.head_count_kv":             uint32(heads),
		"gemma3.attention.key_length":                uint32(headDim),
		"gemma3.attention.value_length":              uint32(headDim),
		"gemma3.attention.layer_norm_rms_epsilon":    float32(1e-6),
		"gemma3.attention.sliding_window":            uint32(1024),
		"gemma3.rope.local.freq_base":                float32(10000),
		"gemma3.rope.freq_base":                      float32(1e6),
		"gemma3.vision.block_count":                  uint32(vBlocks),
		"gemma3.vision.embedding_length":             uint32(vEmbd),
		"gemma3.vision.feed_forward_length":          uint32(vFF),
		"gemma3.vision.image_size":                   uint32(imgSize),
		"gemma3.vision.patch_size":                   uint32(patch),
		"gemma3.vision.num_channels":                 uint32(channels),
		"gemma3.vision.attention.head_count":         uint32(vHeads),
		"gemma3.vision.attention.layer_norm_epsilon": float32(1e-6),
		"gemma3.mm.tokens_per_image":                 uint32(patches),
		"tokenizer.ggml.bos_token_id":                uint32(2),
		"tokenizer.ggml.eos_token_id":                uint32(1),
		"tokenizer.ggml.unknown_token_id":            uint32(3),
		"tokenizer.ggml.padding_token_id":            uint32(0),
		"tokenizer.ggml.add_bos_token":               true,
		"tokenizer.ggml.add_eos_token":               false,
		"tokenizer.ggml.add_space_prefix":            false,
	}
	v.kv(kv)

	t := tensors{seed: c.Seed}
	// Gemma scales embeddings by sqrt(64) = 8 and adds unit-RMS block
	// outputs: a constant of 2 dominates the hidden state.
	t.embedding("token_embd.weight", embd, gemmaVocabSize, uint64(head), c.Temperament, 2)
	t.ones("output_norm.weight", embd)
	t.head("output.weight", embd, v, head, c.Temperament)
	for i := range blocks {
		b := fmt.Sprintf("blk.%d.", i)
		t.ones(b+"attn_norm.weight", embd)
		t.random(b+"attn_q.weight", embd, heads*headDim)
		t.ones(b+"attn_q_norm.weight", headDim)
		t.random(b+"attn_k.weight", embd, heads*headDim)
		t.ones(b+"attn_k_norm.weight", headDim)
		t.random(b+"attn_v.weight", embd, heads*headDim)
		t.random(b+"attn_output.weight", heads*headDim, embd)
		t.ones(b+"post_attention_norm.weight", embd)
		t.ones(b+"ffn_norm.weight", embd)
		t.random(b+"ffn_gate.weight", embd, ff)
		t.random(b+"ffn_up.weight", embd, ff)
		t.random(b+"ffn_down.weight", ff, embd)
		t.ones(b+"post_ffw_norm.weight", embd)
	}
	t.random("v.patch_embedding.weight", patch, patch, channels, vEmbd)
	t.zeros("v.patch_embedding.bias", vEmbd)
	t.random("v.position_embedding.weight", vEmbd, patches)
	t.ones("v.post_layernorm.weight", vEmbd)
	t.zeros("v.post_layernorm.bias", vEmbd)
	for i := range vBlocks {
		b := fmt.Sprintf("v.blk.%d.", i)
		t.ones(b+"layer_norm1.weight", vEmbd)
		t.zeros(b+"layer_norm1.bias", vEmbd)
		for _, p := range []string{"attn_q", "attn_k", "attn_v", "attn_output"} {
			t.random(b+p+".weight", vEmbd, vEmbd)
			t.zeros(b+p+".bias", vEmbd)
		}
		t.ones(b+"layer_norm2.weight", vEmbd)
		t.zeros(b+"layer_norm2.bias", vEmbd)
		t.random(b+"mlp.fc1.weight", vEmbd, vFF)
		t.zeros(b+"mlp.fc1.bias", vFF)
		t.random(b+"mlp.fc2.weight", vFF, vEmbd)
		t.zeros(b+"mlp.fc2.bias", vEmbd)
	}
	t.ones("mm.mm_soft_emb_norm.weight", vEmbd)
	t.random("mm.mm_input_projection.weight", embd, vEmbd)
	return kv, t.list
}
