package schema

import (
	"encoding/json"
)

// The schemas are built from Labels() so they cannot drift from the
// vocabulary, and are self-contained on purpose: no $ref, no $defs. A real
// Ollama server answers HTTP 500 "invalid JSON schema in format" for a
// dangling $ref, and its grammar converter handles inline schemas best.
// encoding/json sorts map keys, so the bytes are deterministic, which matters
// because the schema is part of what a cached result was produced with.

func labelEnum() []string {
	ls := Labels()
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = string(l)
	}
	return out
}

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps, slices, strings and numbers built above: cannot fail.
		panic("schema: marshal JSON schema: " + err.Error())
	}
	return b
}

// FindingsJSONSchema returns the JSON Schema sent as Ollama's `format` for
// the grounding stage: an array of objects {label, box_2d, confidence,
// evidence}, label one of the six canonical labels (required), box_2d four
// numbers in [0,1] ([y0,x0,y1,x1], see BoxFormat) or null, confidence a
// number in [0,1], evidence a string: the shape the model project's pinned
// prompt asks for, so that a model trained on it is not held off it. It is
// self-contained (no $ref) and its bytes are identical on every call; the
// slice is new on every call.
func FindingsJSONSchema() json.RawMessage {
	return mustMarshal(map[string]any{
		"type": "array",
		"items": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"label": map[string]any{"type": "string", "enum": labelEnum()},
				"box_2d": map[string]any{"anyOf": []any{
					map[string]any{
						"type":     "array",
						"items":    map[string]any{"type": "number", "minimum": 0, "maximum": 1},
						"minItems": 4,
						"maxItems": 4,
					},
					map[string]any{"type": "null"},
				}},
				"confidence": map[string]any{"type": "number", "minimum": 0, "maximum": 1},
				"evidence":   map[string]any{"type": "string"},
			},
			"required":             []string{"label"},
			"additionalProperties": false,
		},
	})
}

// DraftJSONSchema returns the JSON Schema sent as Ollama's `format` for the
// draft stage: an array of objects {label, status, span}, all required,
// label one of the six canonical labels, status one of present, absent,
// uncertain, span a string. It is self-contained (no $ref) and its bytes are
// identical on every call; the slice is new on every call.
func DraftJSONSchema() json.RawMessage {
	return mustMarshal(map[string]any{
		"type": "array",
		"items": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"label":  map[string]any{"type": "string", "enum": labelEnum()},
				"status": map[string]any{"type": "string", "enum": []string{string(StatusPresent), string(StatusAbsent), string(StatusUncertain)}},
				"span":   map[string]any{"type": "string"},
			},
			"required":             []string{"label", "status", "span"},
			"additionalProperties": false,
		},
	})
}
