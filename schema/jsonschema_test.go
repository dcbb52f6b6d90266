package schema

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validate checks v against the subset of JSON Schema the two schemas use
// (type, enum, properties, required, additionalProperties, items,
// minItems, maxItems, minimum, maximum). It fails on any other keyword, so
// the schemas cannot silently grow something this test does not check.
func validate(schema map[string]any, v any, path string) error {
	for k := range schema {
		switch k {
		case "type", "enum", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "minimum", "maximum", "anyOf":
		default:
			return fmt.Errorf("%s: unsupported schema keyword %q", path, k)
		}
	}
	if alts, ok := schema["anyOf"].([]any); ok {
		var errs []error
		for _, a := range alts {
			err := validate(a.(map[string]any), v, path)
			if err == nil {
				return nil
			}
			errs = append(errs, err)
		}
		return fmt.Errorf("%s: matches no alternative of anyOf: %v", path, errs)
	}
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if e == v {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("%s: %v not in enum %v", path, v, enum)
		}
	}
	switch schema["type"] {
	case "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: want array, got %T", path, v)
		}
		if m, ok := schema["minItems"].(float64); ok && float64(len(a)) < m {
			return fmt.Errorf("%s: %d items < minItems %v", path, len(a), m)
		}
		if m, ok := schema["maxItems"].(float64); ok && float64(len(a)) > m {
			return fmt.Errorf("%s: %d items > maxItems %v", path, len(a), m)
		}
		items, _ := schema["items"].(map[string]any)
		for i, e := range a {
			if err := validate(items, e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case "object":
		o, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want object, got %T", path, v)
		}
		props, _ := schema["properties"].(map[string]any)
		req, _ := schema["required"].([]any)
		for _, r := range req {
			if _, ok := o[r.(string)]; !ok {
				return fmt.Errorf("%s: missing required %q", path, r)
			}
		}
		for k, pv := range o {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if schema["additionalProperties"] == false {
					return fmt.Errorf("%s: unexpected property %q", path, k)
				}
				continue
			}
			if err := validate(ps, pv, path+"."+k); err != nil {
				return err
			}
		}
	case "null":
		if v != nil {
			return fmt.Errorf("%s: want null, got %T", path, v)
		}
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: want string, got %T", path, v)
		}
	case "number":
		f, ok := v.(float64)
		if !ok {
			return fmt.Errorf("%s: want number, got %T", path, v)
		}
		if m, ok := schema["minimum"].(float64); ok && f < m {
			return fmt.Errorf("%s: %v < minimum %v", path, f, m)
		}
		if m, ok := schema["maximum"].(float64); ok && f > m {
			return fmt.Errorf("%s: %v > maximum %v", path, f, m)
		}
	default:
		return fmt.Errorf("%s: unsupported type %v", path, schema["type"])
	}
	return nil
}

func decodeSchema(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	require.True(t, json.Valid(raw), "schema is not valid JSON: %s", raw)
	require.NotContains(t, string(raw), "$ref", "a real Ollama server rejects $ref in format")
	require.NotContains(t, string(raw), "$defs")
	var s map[string]any
	require.NoError(t, json.Unmarshal(raw, &s))
	return s
}

func toGeneric(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var g any
	require.NoError(t, json.Unmarshal(b, &g))
	return g
}

func TestFindingsJSONSchema(t *testing.T) {
	s := decodeSchema(t, FindingsJSONSchema())
	assert.Equal(t, string(FindingsJSONSchema()), string(FindingsJSONSchema()), "bytes must be deterministic")

	var all []Finding
	for i, l := range Labels() {
		f := float64(i) / 10
		all = append(all, Finding{Label: l, Box: &Box{Y0: f, X0: f, Y1: f + 0.1, X1: f + 0.2}}, Finding{Label: l},
			Finding{Label: l, Confidence: &f, Evidence: "seen"})
	}
	require.NoError(t, validate(s, toGeneric(t, all), "$"))
	require.NoError(t, validate(s, toGeneric(t, []Finding{}), "$"))

	// The shape the model project's pinned prompt asks for.
	for _, doc := range []string{
		`[{"label":"pleural_effusion","box_2d":[0.62,0.08,0.94,0.40],"confidence":0.78,"evidence":"blunted angle"}]`,
		`[{"label":"no_finding","box_2d":null,"confidence":0.9,"evidence":"clear lungs"}]`,
	} {
		var v any
		require.NoError(t, json.Unmarshal([]byte(doc), &v))
		assert.NoError(t, validate(s, v, "$"), doc)
	}

	bad := []struct {
		name string
		doc  string
	}{
		{"unknown label", `[{"label":"pneumonia"}]`},
		{"missing label", `[{"box_2d":[0,0,1,1]}]`},
		{"three coordinates", `[{"label":"pneumothorax","box_2d":[0,0,1]}]`},
		{"coordinate over 1", `[{"label":"pneumothorax","box_2d":[0,0,1,2]}]`},
		{"extra field", `[{"label":"pneumothorax","score":1}]`},
		{"confidence over 1", `[{"label":"pneumothorax","confidence":1.5}]`},
		{"evidence not a string", `[{"label":"pneumothorax","evidence":3}]`},
		{"box neither array nor null", `[{"label":"pneumothorax","box_2d":"none"}]`},
		{"wrapper object", `{"findings":[]}`},
	}
	for _, b := range bad {
		var v any
		require.NoError(t, json.Unmarshal([]byte(b.doc), &v))
		assert.Error(t, validate(s, v, "$"), b.name)
	}
}

func TestDraftJSONSchema(t *testing.T) {
	s := decodeSchema(t, DraftJSONSchema())
	var all []DraftLabel
	for _, l := range Labels() {
		for _, st := range []Status{StatusPresent, StatusAbsent, StatusUncertain} {
			all = append(all, DraftLabel{Label: l, Status: st, Span: "phrase"})
		}
	}
	require.NoError(t, validate(s, toGeneric(t, all), "$"))

	bad := []string{
		`[{"label":"pneumothorax","status":"maybe","span":""}]`,
		`[{"label":"pneumothorax","status":"present"}]`,
		`[{"label":"ptx","status":"present","span":""}]`,
	}
	for _, doc := range bad {
		var v any
		require.NoError(t, json.Unmarshal([]byte(doc), &v))
		assert.Error(t, validate(s, v, "$"), doc)
	}
}

// The canonical outputs of the extractors must satisfy the schemas they are
// asked for, so a result can be replayed through a strict consumer.
func TestExtractedOutputValidates(t *testing.T) {
	fs := decodeSchema(t, FindingsJSONSchema())
	for _, tt := range findingsCases() {
		got, _, err := ExtractFindings(tt.raw)
		if err != nil {
			continue
		}
		assert.NoError(t, validate(fs, toGeneric(t, got), "$"), tt.name)
	}
	ds := decodeSchema(t, DraftJSONSchema())
	for _, tt := range draftCases() {
		got, _, err := ExtractDraftLabels(tt.raw)
		if err != nil {
			continue
		}
		assert.NoError(t, validate(ds, toGeneric(t, got), "$"), tt.name)
	}
}
