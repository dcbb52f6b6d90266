package session

import (
	"fmt"
	"io"
	"os"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// ReadInput reads the file at path, or stdin for "" or "-", and returns
// its bytes and the name errors give it. A file is checked first
// (CheckInput): a named pipe would block the open.
func ReadInput(env Env, path string) ([]byte, string, error) {
	if path == "" || path == "-" {
		b, err := io.ReadAll(env.Stdin)
		if err != nil {
			return nil, "stdin", fmt.Errorf("read stdin: %w", err)
		}
		return b, "stdin", nil
	}
	if err := CheckInput(path); err != nil {
		return nil, path, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		// The *PathError already names the file.
		return nil, path, fmt.Errorf("read input: %w", err)
	}
	return b, path, nil
}

// ReadFindings reads canonical (or raw model) findings from path with the
// tolerant parser; errors name the file.
func ReadFindings(env Env, path string) ([]schema.Finding, error) {
	raw, name, err := ReadInput(env, path)
	if err != nil {
		return nil, err
	}
	fs, _, err := schema.ExtractFindings(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: no findings recoverable: %w", name, err)
	}
	return fs, nil
}

// ReadDraftLabels reads canonical (or raw model) draft labels from path
// with the tolerant parser; errors name the file.
func ReadDraftLabels(env Env, path string) ([]schema.DraftLabel, error) {
	raw, name, err := ReadInput(env, path)
	if err != nil {
		return nil, err
	}
	ds, _, err := schema.ExtractDraftLabels(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: no draft labels recoverable: %w", name, err)
	}
	return ds, nil
}

// isStdin reports whether path names stdin ("-").
func isStdin(path string) bool { return path == "-" }
