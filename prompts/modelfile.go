package prompts

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultHost is the Ollama server the ollama command talks to when
// OLLAMA_HOST is not set.
const DefaultHost = "http://127.0.0.1:11434"

// FromPlaceholder returns the placeholder for the model's source in the
// lines ImportCommand prints (and on the FROM line of the grounding
// example, which has no usable default).
func FromPlaceholder(kind string) string {
	if kind == KindDraft {
		return "<model-name-or-path>"
	}
	return "<path-to-your-safetensors-folder>"
}

// ModelfileFrom returns the example Modelfile of kind with its (first)
// FROM line pointing at from (a safetensors folder, a .gguf file or a model name), so
// that it can be used as it is. A from with a line break or a double quote
// is refused; one with spaces is quoted.
func ModelfileFrom(kind, from string) (string, error) {
	m, err := Modelfile(kind)
	if err != nil {
		return "", err
	}
	from = strings.TrimSpace(from)
	switch {
	case from == "":
		return "", errors.New("--from: empty path")
	case strings.ContainsAny(from, "\"\r\n"):
		return "", fmt.Errorf("--from %q: a path with a line break or a double quote cannot go on a FROM line", from)
	case strings.ContainsAny(from, " \t"):
		from = `"` + from + `"`
	}
	lines := strings.SplitAfter(m, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "FROM ") {
			lines[i] = "FROM " + from + "\n"
			break
		}
	}
	return strings.Join(lines, ""), nil
}

// hostPrefix is the "OLLAMA_HOST=... " an ollama command needs to reach
// host, or "" for the default host.
func hostPrefix(host string) string {
	if host == "" || host == DefaultHost {
		return ""
	}
	return "OLLAMA_HOST=" + shellQuote(host) + " "
}

// ImportCommand returns the shell line that makes model (a name the host
// does not have yet: ollama create would replace it) available on host,
// to be pasted as it is once the placeholder, if any, is replaced:
//
//   - the default draft model is pulled: "ollama pull nemotron-3-nano:4b";
//   - anything else is imported from the example Modelfile with its FROM
//     line filled in: "cxr-auditor doctor --modelfile KIND --from SOURCE >
//     Modelfile.KIND && ollama create NAME -f Modelfile.KIND", where SOURCE
//     is from, or FromPlaceholder(kind) when from is "".
//
// Each ollama command is prefixed with OLLAMA_HOST=host unless host is
// DefaultHost. Names and paths with characters a shell would interpret are
// single-quoted.
func ImportCommand(kind, model, host, from string) string {
	if _, err := Modelfile(kind); err != nil {
		return ""
	}
	if kind == KindDraft && model == DefaultDraftModel {
		return hostPrefix(host) + "ollama pull " + shellQuote(model)
	}
	source := FromPlaceholder(kind)
	if from != "" {
		source = shellQuote(from)
	}
	return fmt.Sprintf("cxr-auditor doctor --modelfile %s --from %s > %s && %s%s",
		kind, source, ModelfileName(kind), hostPrefix(host), CreateCommand(kind, model))
}
