package prompts

import (
	"strings"
	"testing"

	"github.com/ollama/ollama/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fromOf parses a Modelfile with Ollama's own parser and returns its FROM
// arguments.
func fromOf(t *testing.T, modelfile string) []string {
	t.Helper()
	f, err := parser.ParseFile(strings.NewReader(modelfile))
	require.NoError(t, err, modelfile)
	var out []string
	for _, c := range f.Commands {
		if c.Name == "model" {
			out = append(out, c.Args)
		}
	}
	return out
}

func TestModelfileFrom(t *testing.T) {
	for _, tt := range []struct {
		kind, from, want string
	}{
		{KindGrounding, "/models/medgemma-cxr", "/models/medgemma-cxr"},
		{KindGrounding, "./weights/model.gguf", "./weights/model.gguf"},
		{KindGrounding, "/models/My Models/medgemma", "/models/My Models/medgemma"},
		{KindDraft, "/models/reader.gguf", "/models/reader.gguf"},
		{KindDraft, "qwen3:4b", "qwen3:4b"},
	} {
		m, err := ModelfileFrom(tt.kind, tt.from)
		require.NoError(t, err)
		assert.Equal(t, []string{tt.want}, fromOf(t, m), "Ollama's parser reads the FROM line")
		assert.NotContains(t, m, "\nFROM <", "the placeholder is gone")
	}
	for _, bad := range []string{"", "a\nFROM b", `a"b`} {
		_, err := ModelfileFrom(KindGrounding, bad)
		require.Error(t, err, "%q", bad)
	}
	_, err := ModelfileFrom("vision", "/x")
	require.Error(t, err)
	// The examples as embedded parse too; the grounding one says what to
	// replace.
	assert.Equal(t, []string{"<path-to-your-safetensors-folder>"}, fromOf(t, modelfileGrounding))
	assert.Equal(t, []string{"nemotron-3-nano:4b"}, fromOf(t, modelfileDraft))
}

func TestImportCommand(t *testing.T) {
	for _, tt := range []struct {
		name, kind, model, host, from, want string
	}{
		{"grounding, default host", KindGrounding, DefaultGroundingModel, DefaultHost, "",
			"cxr-auditor doctor --modelfile grounding --from <path-to-your-safetensors-folder> > Modelfile.grounding && ollama create medgemma-cxr-grounding -f Modelfile.grounding"},
		{"grounding, another host", KindGrounding, DefaultGroundingModel, "http://gpu1:11434", "",
			"cxr-auditor doctor --modelfile grounding --from <path-to-your-safetensors-folder> > Modelfile.grounding && OLLAMA_HOST=http://gpu1:11434 ollama create medgemma-cxr-grounding -f Modelfile.grounding"},
		{"grounding, known source", KindGrounding, "cxr-g2", "http://gpu1:11434", "/models/My Model",
			"cxr-auditor doctor --modelfile grounding --from '/models/My Model' > Modelfile.grounding && OLLAMA_HOST=http://gpu1:11434 ollama create cxr-g2 -f Modelfile.grounding"},
		{"default draft is pulled", KindDraft, DefaultDraftModel, "http://10.0.0.5:11434", "",
			"OLLAMA_HOST=http://10.0.0.5:11434 ollama pull nemotron-3-nano:4b"},
		{"other draft is created", KindDraft, "reader", "", "",
			"cxr-auditor doctor --modelfile draft --from <model-name-or-path> > Modelfile.draft && ollama create reader -f Modelfile.draft"},
		{"shell characters are quoted", KindDraft, "it's", "http://h:1/x y", "",
			`cxr-auditor doctor --modelfile draft --from <model-name-or-path> > Modelfile.draft && OLLAMA_HOST='http://h:1/x y' ollama create 'it'\''s' -f Modelfile.draft`},
		{"unknown kind", "vision", "x", "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ImportCommand(tt.kind, tt.model, tt.host, tt.from))
		})
	}
}
