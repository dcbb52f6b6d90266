package wire

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

func TestOriginAllowed(t *testing.T) {
	allowed := []string{"http://localhost", "http://localhost:*", "app://*"}
	tests := []struct {
		origin string
		want   bool
	}{
		{"http://localhost", true},
		{"http://localhost:3000", true},
		{"http://localhost:", true},
		{"http://localhostx", false},
		{"app://", true},
		{"app://anything/at/all", true},
		{"chrome-extension://abc", true},
		{"http://evil.example", false},
		{"null", false},
		{"", false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, originAllowed(tc.origin, allowed), tc.origin)
	}
}

func TestHostAllowed(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"127.0.0.1:11434", true},
		{"[::1]:11434", true},
		{"[::1]", false}, // Ollama parses "[::1]" without a port as a name
		{"localhost", true},
		{"LocalHost:80", true},
		{"x.localhost", true},
		{"gpu1.local:11434", true},
		{"gpu1.internal", true},
		{"10.0.0.5:11434", true},
		{"0.0.0.0", true},
		{"", true},
		{"gpu1.example.org:11434", false},
		{"8.8.8.8:11434", false},
		{"local", false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, hostAllowed(tc.host), tc.host)
	}
}

// FuzzAccessChecks: the Host and Origin checks never panic, and a
// loopback address is always allowed whatever port it names.
func FuzzAccessChecks(f *testing.F) {
	for _, s := range []string{"127.0.0.1:11434", "[::1]:1", "gpu1.local", "evil.example:80", "http://localhost:*", ":", "[", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = hostAllowed(s)
		_ = originAllowed(s, []string{"http://localhost:*", "*", "a*b"})
		require.True(t, hostAllowed("127.0.0.1:"+s) || strings.ContainsAny(s, ":[]"), "loopback with port %q", s)
	})
}
