package session

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// modelFrom checks doctor --from before it goes into a Modelfile's FROM
// line and returns it as that line should say it. A path (it has a
// slash, starts with "." or "~", or ends in .gguf) must be a folder with
// .safetensors files or a GGUF file, and is made absolute: Ollama reads
// a relative FROM against the Modelfile's folder, wherever it is saved,
// and a path that does not exist is read as a model name, failing only at
// `ollama create` with "invalid model name". Anything else is a model
// name, left to Ollama.
func modelFrom(from string) (string, error) {
	if !looksLikePath(from) {
		return from, nil
	}
	p := from
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("--from %s: %w", from, err)
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("--from %s: no such file or folder; give a folder of .safetensors files, a .gguf file, or a model name Ollama has (ollama list)", from)
	case err != nil:
		return "", fmt.Errorf("--from %s: %w", from, err)
	case st.IsDir():
		m, _ := filepath.Glob(filepath.Join(abs, "*.safetensors"))
		if len(m) == 0 {
			return "", fmt.Errorf("--from %s: the folder has no .safetensors file; give the folder of a Hugging Face checkpoint, or a .gguf file", from)
		}
	case !st.Mode().IsRegular():
		return "", fmt.Errorf("--from %s: not a regular file or a folder", from)
	default:
		if !isGGUF(abs) {
			return "", fmt.Errorf("--from %s: not a GGUF file (it does not start with \"GGUF\"); give a .gguf file or a folder of .safetensors files", from)
		}
	}
	return abs, nil
}

// looksLikePath reports whether from names a file rather than a model.
func looksLikePath(from string) bool {
	return strings.ContainsAny(from, `/\`) || strings.HasPrefix(from, ".") || strings.HasPrefix(from, "~") ||
		strings.HasSuffix(strings.ToLower(from), ".gguf")
}

// isGGUF reports whether the file at path starts with GGUF's magic.
func isGGUF(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	n, _ := f.Read(magic[:])
	return n == 4 && bytes.Equal(magic[:], []byte("GGUF"))
}
