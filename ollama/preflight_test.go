package ollama

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// TestModelErrorFix: the fix is doctor's line (prompts.ImportCommand): the
// host named only when it is not Ollama's default, the source a marked
// placeholder, never "ollama create" over a name the host has, and a pull
// for the default draft model.
func TestModelErrorFix(t *testing.T) {
	const from = "<path-to-your-safetensors-folder>"
	tests := []struct {
		name    string
		err     ModelError
		want    string
		newName string
	}{
		{
			name: "missing on the default host",
			err:  ModelError{Stage: audit.StageGrounding, Model: "medgemma-cxr-grounding", Hosts: []string{prompts.DefaultHost}},
			want: "cxr-auditor doctor --modelfile grounding --from " + from + " > Modelfile.grounding && ollama create medgemma-cxr-grounding -f Modelfile.grounding",
		},
		{
			name: "missing on another host",
			err:  ModelError{Stage: audit.StageGrounding, Model: "medgemma-cxr-grounding", Hosts: []string{"http://gpu1:11434", "http://gpu2:11434"}},
			want: "cxr-auditor doctor --modelfile grounding --from " + from + " > Modelfile.grounding && OLLAMA_HOST=http://gpu1:11434 ollama create medgemma-cxr-grounding -f Modelfile.grounding",
		},
		{
			name:    "no vision: a new name",
			err:     ModelError{Stage: audit.StageGrounding, Model: "tiny", Hosts: []string{prompts.DefaultHost}, Capability: "vision", Has: []string{"completion"}},
			want:    "cxr-auditor doctor --modelfile grounding --from " + from + " > Modelfile.grounding && ollama create tiny-vision -f Modelfile.grounding",
			newName: "tiny-vision",
		},
		{
			name: "no vision: the new name is taken too",
			err: ModelError{Stage: audit.StageGrounding, Model: "tiny", Hosts: []string{"http://gpu1:11434"}, Capability: "vision", Has: []string{"completion"},
				Taken: []string{"tiny:latest", "tiny-vision:latest", "TINY-VISION-2"}},
			want:    "cxr-auditor doctor --modelfile grounding --from " + from + " > Modelfile.grounding && OLLAMA_HOST=http://gpu1:11434 ollama create tiny-vision-3 -f Modelfile.grounding",
			newName: "tiny-vision-3",
		},
		{
			name: "default draft model: pulled",
			err:  ModelError{Stage: audit.StageDraft, Model: prompts.DefaultDraftModel, Hosts: []string{"http://gpu1:11434"}},
			want: "OLLAMA_HOST=http://gpu1:11434 ollama pull " + prompts.DefaultDraftModel,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Fix())
			assert.NotContains(t, tt.err.Fix(), "edit its FROM line")
			assert.True(t, strings.HasSuffix(tt.err.Error(), "; fix: "+tt.want), tt.err.Error())
			if tt.newName != "" {
				assert.Equal(t, tt.newName, tt.err.NewName())
				assert.Contains(t, tt.err.Error(), "--grounding-model "+tt.newName+";")
			}
		})
	}
}

func TestFreeModelName(t *testing.T) {
	assert.Equal(t, "m-vision", FreeModelName("m-vision", nil))
	assert.Equal(t, "m-vision-2", FreeModelName("m-vision", []string{"m-vision:latest"}))
	assert.Equal(t, "m-vision", FreeModelName("m-vision", []string{"m-vision:q4"}), "another tag is another name")
}
