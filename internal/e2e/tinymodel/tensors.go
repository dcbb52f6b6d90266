package tinymodel

import (
	"encoding/binary"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/ollama/ollama/fs/ggml"
)

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
