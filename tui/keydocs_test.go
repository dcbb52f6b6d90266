package tui

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Markers around the generated key tables in the documents.
const (
	keysBegin = "<!-- keys:begin (generated from tui.DefaultKeyMap by go test ./tui -run TestDocsKeyTables -update) -->\n"
	keysEnd   = "<!-- keys:end -->"
)

// TestDocsKeyTables: README.md and docs/tui.md list exactly the keys of the
// key maps, mode by mode (they used to name / for the jump and miss the
// zoom keys); docs/tui.md lists the ohif profile's too. -update rewrites
// them.
func TestDocsKeyTables(t *testing.T) {
	ohif := strings.NewReplacer("keys:", "keys-ohif:", "tui.DefaultKeyMap", "tui.OHIFKeyMap")
	for _, tt := range []struct {
		doc, begin, end string
		km              KeyMap
	}{
		{"README.md", keysBegin, keysEnd, DefaultKeyMap()},
		{filepath.Join("docs", "tui.md"), keysBegin, keysEnd, DefaultKeyMap()},
		{filepath.Join("docs", "tui.md"), ohif.Replace(keysBegin), ohif.Replace(keysEnd), OHIFKeyMap()},
	} {
		t.Run(tt.doc+tt.begin[4:14], func(t *testing.T) {
			want := tt.km.KeyTables()
			path := filepath.Join("..", tt.doc)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			s := string(b)
			i, j := strings.Index(s, tt.begin), strings.Index(s, tt.end)
			require.True(t, i >= 0 && j > i, "%s has no generated key tables between %q and %q", tt.doc, tt.begin, tt.end)
			got := s[i+len(tt.begin) : j]
			if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" && got != want {
				require.NoError(t, os.WriteFile(path, []byte(s[:i+len(tt.begin)]+want+s[j:]), 0o644))
				return
			}
			assert.Equal(t, want, got, "%s: key tables differ from the key map; run go test ./tui -run TestDocsKeyTables -update", tt.doc)
		})
	}
}

// TestKeyTablesFollowModes: each mode's table lists the keys that work in
// it and no other (the verdict keys in the raw viewer, not in the note
// editor).
func TestKeyTablesFollowModes(t *testing.T) {
	s := DefaultKeyMap().KeyTables()
	section := func(title string) string {
		i := strings.Index(s, "**"+title)
		require.GreaterOrEqual(t, i, 0, title)
		rest := s[i+2:]
		if j := strings.Index(rest, "\n**"); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	browse := section("Browsing")
	for _, want := range []string{"| `+` | zoom in |", "| `:` | jump to id |", "| `/` | search ids and drafts |", "| `i` | image right |", "| `?` | all keys |"} {
		assert.Contains(t, browse, want)
	}
	assert.NotContains(t, browse, "save note")
	help := section("Help screen")
	assert.Contains(t, help, "| `?` `esc` | close help |")
	assert.NotContains(t, help, "image right")
	raw := section("Raw output viewer")
	assert.Contains(t, raw, "| `i` | image right |")
	assert.Contains(t, raw, "| `esc` `r` `q` | close |")
	assert.Contains(t, raw, "| `j` `↓` | scroll down |", "j scrolls in the viewer")
	assert.Contains(t, raw, "| `?` | all keys |")
	assert.NotContains(t, raw, "next item")
	assert.NotContains(t, raw, "zoom in")
	note := section("Note editor")
	assert.Contains(t, note, "| `ctrl+s` | save note |")
	assert.NotContains(t, note, "image right")
}
