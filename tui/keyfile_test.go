package tui

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeyFileSwapsIAndV: a reader's file that swaps i and v: v records
// "image right", i inverts, and the help line, the help screen and the
// key tables are generated from the file's map.
func TestKeyFileSwapsIAndV(t *testing.T) {
	km, err := ParseKeyFile("keys.yaml", []byte("# mine\nbrowse:\n  image_right: v\n  invert: i\n"), DefaultKeyMap())
	require.NoError(t, err)
	assert.Equal(t, []string{"v"}, km.ImageRight.Keys())
	assert.Equal(t, []string{"i"}, km.Invert.Keys())

	f := newFixture(3, 3)
	f.engine.done()
	cfg := f.config()
	cfg.KeyMap = &km
	h := newHarness(t, cfg, 120, 40)
	assert.Contains(t, h.screen(), "v image right", "the help line")
	h.key("i")
	assert.True(t, lastView(f).Invert, "i inverts")
	assert.Empty(t, verdictsOf(f))
	h.key("v")
	require.Len(t, verdictsOf(f), 1)
	assert.Equal(t, "image_right", string(verdictsOf(f)[0].Decision))
	h.key("?")
	s := h.screen()
	assert.Regexp(t, `v +image right`, s, "the help screen")
	assert.Regexp(t, `i +invert`, s)

	tables := km.KeyTables()
	assert.Contains(t, tables, "| `v` | image right |")
	assert.Contains(t, tables, "| `i` | invert |")
}

// TestKeyFileProblemsNamed: a key file's problems name the line.
func TestKeyFileProblemsNamed(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"clash with a built-in key", "browse:\n  invert: d\n",
			[]string{"line 2: \"d\" is the key of both", "draft_right (built in)", "invert (line 2)", "in browse"}},
		{"clash inside the file", "browse:\n  invert: h\n  boxes: h\n",
			[]string{"line 3: \"h\" is the key of both boxes (line 3) and invert (line 2)"}},
		{"misspelt name", "browse:\n  imgae_right: e\n", []string{"line 2: unknown key name \"imgae_right\"", "did you mean image_right?"}},
		{"wrong section", "raw:\n  invert: i\n", []string{"line 2: invert belongs in section browse, not raw"}},
		{"unknown section", "brows:\n  invert: i\n", []string{"line 1: unknown section \"brows\""}},
		{"unknown profile", "profile: osirix\n", []string{"line 1: unknown key profile \"osirix\" (profiles: default, ohif)"}},
		{"not a key", "browse:\n  invert: {a: b}\n", []string{"line 2: invert: want a key or a list of keys"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseKeyFile("keys.yaml", []byte(tt.file), DefaultKeyMap())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "key map keys.yaml: ")
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	_, err := ParseKeyFile("keys.yaml", []byte("browse: [\n"), DefaultKeyMap())
	require.Error(t, err, "bad YAML")
	assert.Contains(t, err.Error(), "keys.yaml")
}

// clashes lists the keys two bindings of one mode share in km.
func clashes(km KeyMap) []string {
	all := map[string]int{}
	for _, b := range bindingNames {
		all[b.name] = 1
	}
	e := &KeyFileError{}
	e.conflicts(km, all)
	return e.Problems
}

// TestProfilesHaveNoClash: no key of a built-in profile does two things
// in one mode.
func TestProfilesHaveNoClash(t *testing.T) {
	for _, name := range KeyProfileNames() {
		km, err := KeyProfile(name)
		require.NoError(t, err)
		assert.Empty(t, clashes(km), name)
	}
}

// TestOHIFProfile: i inverts, z zooms, number keys pick presets, verdicts
// on e/d/b/U and u undoes; the help and key tables say so.
func TestOHIFProfile(t *testing.T) {
	km, err := ParseKeyFile("keys.yaml", []byte("profile: ohif\n"), DefaultKeyMap())
	require.NoError(t, err)
	f := newFixture(3, 3)
	f.engine.done()
	cfg := f.config()
	cfg.KeyMap = &km
	h := newHarness(t, cfg, 120, 40)
	h.keys("i", "z", "3")
	v := lastView(f)
	assert.True(t, v.Invert, "i inverts")
	assert.Greater(t, v.Zoom, 1.0, "z zooms in")
	assert.Equal(t, WindowPreset(2), v.Preset, "3 is the third preset")
	assert.Empty(t, verdictsOf(f), "no viewer key writes a verdict")
	h.key("e")
	require.Len(t, verdictsOf(f), 1)
	h.key("u")
	assert.Empty(t, verdictsOf(f), "u undoes")
	assert.Contains(t, h.screen(), "e image right • d draft right • b both wrong")

	tables := km.KeyTables()
	for _, want := range []string{"| `i` | invert |", "| `z` `+` | zoom in |", "| `e` | image right |",
		"| `d` | draft right |", "| `U` | unsure |", "| `u` | undo |", "| `space` | reset window |"} {
		assert.Contains(t, tables, want)
	}
	assert.False(t, strings.Contains(tables, "| `v` | invert |"))
}
