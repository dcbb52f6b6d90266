package ollamatest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{`{"findings": []}`, []string{"{", `"`, "find", "ings", `"`, ":", " ", "[", "]", "}"}},
		{"a  \n\tb", []string{"a", "  \n\t", "b"}},
		{"épanchement", []string{"épan", "chem", "ent"}},
		{"\xff", []string{"\xff"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tokenize(tt.in), "%q", tt.in)
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", `{"findings":[{"label":"pneumothorax","box_2d":[1,2,3,4]}]}`, "a \n b", "\xff\xfe", "日本語テキスト"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := tokenize(s)
		require.Equal(t, s, strings.Join(toks, ""))
		for _, tok := range toks {
			require.NotEmpty(t, tok)
		}
	})
}

func TestCheckFormat(t *testing.T) {
	tests := []struct {
		format string
		ok     bool
		msg    string
	}{
		{``, true, ""},
		{`null`, true, ""},
		{`""`, true, ""},
		{`"json"`, true, ""},
		{`{"type":"object"}`, true, ""},
		{`{"$defs":{"a":{"type":"string"}},"properties":{"x":{"$ref":"#/$defs/a"}}}`, true, ""},
		{`{"$ref":"#/$defs/a~1b"}`, false, "invalid JSON schema in format"},
		{`{"$defs":{"a/b":{}},"$ref":"#/$defs/a~1b"}`, true, ""},
		{`"yaml"`, false, `invalid format: "\"yaml\""; expected "json" or a valid JSON Schema object`},
		{`42`, false, `invalid format: "42"; expected "json" or a valid JSON Schema object`},
		{`{"type":`, false, "invalid JSON schema in format"},
	}
	for _, tt := range tests {
		msg, ok := checkFormat(json.RawMessage(tt.format))
		assert.Equal(t, tt.ok, ok, tt.format)
		assert.Equal(t, tt.msg, msg, tt.format)
	}
}

func FuzzCheckFormat(f *testing.F) {
	for _, s := range []string{`"json"`, `{"$ref":"#/a"}`, `{"a":[{"$ref":"#"}]}`, `[]`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		msg, ok := checkFormat(json.RawMessage(s))
		if ok {
			require.Empty(t, msg)
		} else {
			require.NotEmpty(t, msg)
		}
	})
}
