package wire

import (
	"encoding/json"
	"fmt"
	"strings"
)

// checkFormat validates "format" as Ollama's runner does, returning its
// error message when invalid.
func checkFormat(format json.RawMessage) (string, bool) {
	switch f := strings.TrimSpace(string(format)); f {
	case "", "null", `""`, `"json"`:
		return "", true
	default:
		if f[0] != '{' {
			return fmt.Sprintf("invalid format: %q; expected \"json\" or a valid JSON Schema object", f), false
		}
		var root map[string]any
		if err := json.Unmarshal([]byte(f), &root); err != nil || !refsResolve(root, root) {
			return "invalid JSON schema in format", false
		}
		return "", true
	}
}

// refsResolve reports whether every local "$ref" ("#/a/b") in v points at
// something in root, since a dangling reference makes Ollama reject the
// schema.
func refsResolve(root map[string]any, v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if ref, ok := x.(string); k == "$ref" && ok && !resolvePointer(root, ref) {
				return false
			}
			if !refsResolve(root, x) {
				return false
			}
		}
	case []any:
		for _, x := range t {
			if !refsResolve(root, x) {
				return false
			}
		}
	}
	return true
}

func resolvePointer(root map[string]any, ref string) bool {
	if ref == "#" {
		return true
	}
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return true // remote references are not checked
	}
	var cur any = root
	for _, part := range strings.Split(path, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		obj, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = obj[part]; !ok {
			return false
		}
	}
	return true
}
