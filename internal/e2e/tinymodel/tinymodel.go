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
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
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

// Token types of a SentencePiece vocabulary, as GGUF stores them.
const (
	tokNormal  int32 = 1
	tokUnknown int32 = 2
	tokControl int32 = 3
	tokUnused  int32 = 5
	tokByte    int32 = 6
)

// spmSpace is SentencePiece's visible space.
const spmSpace = "▁"

// vocab is a tokenizer vocabulary under construction.
type vocab struct {
	tokens []string
	scores []float32
	types  []int32
	seen   map[string]bool
	eos    []int // ids the model ends with
}

func (v *vocab) add(tok string, score float32, typ int32) {
	if tok != "" {
		if v.seen == nil {
			v.seen = map[string]bool{}
		}
		v.seen[tok] = true
	}
	v.tokens = append(v.tokens, tok)
	v.scores = append(v.scores, score)
	v.types = append(v.types, typ)
}

// text adds the 256 byte-fallback tokens, "▁" and the printable ASCII
// characters, so that any text tokenizes, then every prefix of every word
// with and without "▁" (SentencePiece merges two pieces only into a piece
// the vocabulary has). Longer pieces score higher, so they merge first.
func (v *vocab) text(words []string) {
	for b := range 256 {
		v.add(fmt.Sprintf("<0x%02X>", b), 0, tokByte)
	}
	v.add(spmSpace, -1, tokNormal)
	for c := '!'; c <= '~'; c++ {
		v.add(string(c), -1, tokNormal)
	}
	for _, w := range WordsOf(words...) {
		for _, base := range []string{spmSpace + w, w} {
			for i := range base {
				if p := base[:i+len(firstRune(base[i:]))]; !v.seen[p] {
					v.add(p, float32(len(p)), tokNormal)
				}
			}
		}
	}
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

func (v *vocab) kv(kv ggml.KV) {
	kv["tokenizer.ggml.model"] = "llama"
	kv["tokenizer.ggml.tokens"] = v.tokens
	kv["tokenizer.ggml.scores"] = v.scores
	kv["tokenizer.ggml.token_type"] = v.types
}

// textModel is the llama: 2 blocks, n_embd 64, 4 heads, n_ff 128, context
// 2048.
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

// Token biases of the tidy head, in units of the hidden bias dimension
// (see tensors.head). A difference of 0.25 is a preference the input can
// overturn; 0.5 and more is nearly a rule.
const (
	biasStop  = 2    // end of text: stop as soon as the grammar allows
	biasSpace = -2   // whitespace: never by choice
	biasOpen  = 0.6  // "{": an array usually holds a finding
	biasQuote = 1.5  // '"': strings stay empty or short, even after a repeat penalty
	biasClose = 0.25 // "]" "}": end a list or an object rather than go on
	biasComma = 0    // ",": go on
	biasChar  = -1   // a letter, digit or sign: one at a time, when the grammar needs it
	// A word: never by choice. Thousands of them would otherwise
	// outnumber the few tokens a preference favours, and one would win by
	// chance.
	biasWord = -2
)

// The stuck head's letter, and its biases: the letter wins inside a
// string, and a closing quote never does.
const (
	stuckLetter    = "j"
	biasStuck      = 1.5
	biasStuckQuote = -1
)

// tidyBias is the tidy (or stuck) head's bias for token id of v.
func tidyBias(v vocab, id int, temp Temperament) float32 {
	if slices.Contains(v.eos, id) {
		return biasStop
	}
	tok := v.tokens[id]
	if temp == Stuck {
		switch tok {
		case stuckLetter:
			return biasStuck
		case `"`:
			return biasStuckQuote
		}
	}
	switch tok {
	case "{":
		return biasOpen
	case `"`:
		return biasQuote
	case "]", "}":
		return biasClose
	case ",":
		return biasComma
	case "<0x09>", "<0x0A>", "<0x0D>", "<0x20>":
		return biasSpace
	}
	switch rest := strings.TrimLeft(tok, spmSpace+"\n"); {
	case rest == "":
		return biasSpace // "▁", "\n", "\n\n"
	case len([]rune(tok)) > 1:
		return biasWord
	}
	return biasChar
}

// tensors collects F32 tensors. Shapes are in GGUF order: the first
// dimension is the innermost (a linear layer's input width).
type tensors struct {
	seed uint64
	list []*ggml.Tensor
}

func (t *tensors) add(name string, fill func(i uint64) float32, shape ...uint64) {
	n := uint64(1)
	for _, d := range shape {
		n *= d
	}
	t.list = append(t.list, &ggml.Tensor{Name: name, Kind: 0, Shape: shape, WriterTo: f32Writer{n: n, zeroFrom: n, fill: fill}})
}

func (t *tensors) ones(name string, shape ...uint64) {
	t.add(name, func(uint64) float32 { return 1 }, shape...)
}

func (t *tensors) zeros(name string, shape ...uint64) {
	t.add(name, func(uint64) float32 { return 0 }, shape...)
}

// rng returns the generator of tensor name.
func (t *tensors) rng(name string) *rand.Rand {
	h := fnv.New64a()
	_, _ = io.WriteString(h, name)
	return rand.New(rand.NewPCG(t.seed, h.Sum64()))
}

// random fills a weight with normal values of standard deviation
// 0.5/sqrt(fan_in), fan_in being the product of all dimensions but the
// last.
func (t *tensors) random(name string, shape ...uint64) {
	fanIn := uint64(1)
	for _, d := range shape[:len(shape)-1] {
		fanIn *= d
	}
	rng := t.rng(name)
	std := 0.5 / math.Sqrt(float64(fanIn))
	t.add(name, func(uint64) float32 { return float32(rng.NormFloat64() * std) }, shape...)
}

// embedding is a token embedding [embd, n]: random for the first rows
// tokens, zero for the rest (fillers that never occur, and image markers,
// whose embedding means nothing to a model that knows nothing; zeros are
// written in bulk, which keeps the 262,144-row table cheap to write).
// Unless wild, the first dimension of every random row is bias: a constant
// the hidden state carries to the output head, which reads each token's
// bias from it.
func (t *tensors) embedding(name string, embd, n, rows uint64, temp Temperament, bias float32) {
	wild := temp == Wild
	rng := t.rng(name)
	std := 0.5 / math.Sqrt(float64(embd))
	fill := func(i uint64) float32 {
		x := float32(rng.NormFloat64() * std)
		if !wild && i%embd == 0 {
			return bias
		}
		return x
	}
	t.list = append(t.list, &ggml.Tensor{Name: name, Kind: 0, Shape: []uint64{embd, n},
		WriterTo: f32Writer{n: embd * n, zeroFrom: embd * rows, fill: fill}})
}

// head is the output head [embd, rows] for the first rows tokens of v. A
// wild head is random like any weight. A tidy one puts tidyBias in the
// first dimension of each token's row, where the hidden state holds its
// constant (see embedding), and noise elsewhere, at a scale where a bias of
// 0.25 is a preference the input can overturn and a bias of 2 is a rule.
func (t *tensors) head(name string, embd uint64, v vocab, rows int, temp Temperament) {
	if temp == Wild {
		t.random(name, embd, uint64(rows))
		return
	}
	rng := t.rng(name)
	t.add(name, func(i uint64) float32 {
		x := float32(rng.NormFloat64() * 0.25)
		if i%embd == 0 {
			return tidyBias(v, int(i/embd), temp)
		}
		return x
	}, embd, uint64(rows))
}

// f32Writer writes n little-endian float32 values: fill(0) …
// fill(zeroFrom-1), in order and once (the generator behind fill has
// state), then zeros.
type f32Writer struct {
	n, zeroFrom uint64
	fill        func(i uint64) float32
}

func (w f32Writer) WriteTo(dst io.Writer) (int64, error) {
	const chunk = 16 << 10
	buf := make([]byte, 0, 4*chunk)
	var total int64
	write := func(b []byte) error {
		n, err := dst.Write(b)
		total += int64(n)
		return err
	}
	for i := uint64(0); i < w.zeroFrom; {
		buf = buf[:0]
		for ; i < w.zeroFrom && len(buf) < cap(buf); i++ {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(w.fill(i)))
		}
		if err := write(buf); err != nil {
			return total, err
		}
	}
	clear(buf[:cap(buf)])
	for left := 4 * (w.n - w.zeroFrom); left > 0; {
		n := min(left, uint64(cap(buf)))
		if err := write(buf[:n]); err != nil {
			return total, err
		}
		left -= n
	}
	return total, nil
}
