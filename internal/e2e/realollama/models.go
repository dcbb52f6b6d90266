//go:build unix

package realollama

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/tinymodel"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// The names CreateModels gives the tiny models on a server.
const (
	// Vision is the gemma3 with a vision tower, tidy: capabilities
	// "completion" and "vision". The grounding model.
	Vision = "tiny-vision"
	// VisionB is another gemma3 with a vision tower, its weights drawn
	// from another seed: a second grounding model to compare with Vision.
	VisionB = "tiny-vision-b"
	// Text is the llama, tidy: capability "completion" only. The draft
	// model, and the grounding model that cannot see.
	Text = "tiny-text"
	// Wild is the llama with a purely random output head (see
	// tinymodel's doc): replies wander, as the captured wire cases do.
	Wild = "tiny-wild"
	// Stuck is the llama that repeats a letter inside a draft label's
	// span until the runner aborts it: as a draft model, a reply without
	// done:true every time.
	Stuck = "tiny-stuck"
)

// Models are the tiny models' GGUF files and Modelfiles, written once and
// created on any number of servers.
type Models struct {
	dir string
}

// modelSeed fixes the weights, so that runs of the suite see the same
// replies for the same inputs.
const modelSeed = 1

// WriteModels writes the tiny models into dir (which must exist): the
// vocabulary holds the words of the embedded prompt templates and of
// texts (the worklist's drafts, say), so that prompts cost about a token a
// word.
func WriteModels(dir string, texts ...string) (*Models, error) {
	words := tinymodel.WordsOf(append([]string{prompts.Grounding().Text, prompts.Draft().Text}, texts...)...)
	for _, m := range []struct {
		name  string
		write func(string, tinymodel.Config) error
		temp  tinymodel.Temperament
		seed  uint64
	}{
		{Vision, tinymodel.WriteVision, tinymodel.Tidy, modelSeed},
		{VisionB, tinymodel.WriteVision, tinymodel.Tidy, modelSeed + 1},
		{Text, tinymodel.WriteText, tinymodel.Tidy, modelSeed},
		{Wild, tinymodel.WriteText, tinymodel.Wild, modelSeed},
		{Stuck, tinymodel.WriteText, tinymodel.Stuck, modelSeed},
	} {
		gguf := filepath.Join(dir, m.name+".gguf")
		cfg := tinymodel.Config{Seed: m.seed, Words: words, Temperament: m.temp}
		if m.temp == tinymodel.Wild {
			cfg.Words = nil // the vocabulary of the captured wire cases
		}
		if err := m.write(gguf, cfg); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, m.name+".Modelfile"), []byte(tinymodel.Modelfile(gguf)), 0o644); err != nil {
			return nil, fmt.Errorf("realollama: %w", err)
		}
	}
	return &Models{dir: dir}, nil
}

// GGUF returns the path of model's GGUF file (Vision, VisionB, Text,
// Wild or Stuck).
func (m *Models) GGUF(model string) string {
	return filepath.Join(m.dir, model+".gguf")
}

// Modelfile returns the path of model's Modelfile (Vision, Text, Wild or
// Stuck).
func (m *Models) Modelfile(model string) string {
	return filepath.Join(m.dir, model+".Modelfile")
}

// CreateModels creates the named models (Vision, Text, Wild and Stuck
// when none is named) on s with `ollama create`.
func (s *Server) CreateModels(t testing.TB, m *Models, names ...string) {
	t.Helper()
	if len(names) == 0 {
		names = []string{Vision, Text, Wild, Stuck}
	}
	for _, n := range names {
		s.Create(t, n, m.Modelfile(n))
	}
}
