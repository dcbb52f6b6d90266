package tinymodel

import (
	"fmt"

	"github.com/ollama/ollama/fs/ggml"
)

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
