package tui

import (
	"image/color"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eachStyle calls f with the path and value of every lipgloss.Style in s
// (the pane groups and the help's).
func eachStyle(s Styles, f func(name string, st lipgloss.Style)) {
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		for i := 0; i < v.NumField(); i++ {
			name := prefix + v.Type().Field(i).Name
			switch fv := v.Field(i); fv.Interface().(type) {
			case lipgloss.Style:
				f(name, fv.Interface().(lipgloss.Style))
			default:
				if fv.Kind() == reflect.Struct {
					walk(name+".", fv)
				}
			}
		}
	}
	walk("", reflect.ValueOf(s))
}

func isNoColor(c color.Color) bool {
	_, ok := c.(lipgloss.NoColor)
	return c == nil || ok
}

// TestStylesContrast: every style's text has a contrast ratio of at least
// 4.5:1 (WCAG 2), computed from the actual colours, on the backgrounds its
// palette is for: a dark one (black to #303030), a light one (#E8E8E8 to
// white), and, before the terminal says, both black and white. Text on a
// filled background (the URGENT badge, the banners) is checked against
// that fill. (Dim grey on white, the help on mlterm, was about 2:1.)
func TestStylesContrast(t *testing.T) {
	for _, tc := range []struct {
		name string
		bg   Background
		on   []string
	}{
		{"dark", BackgroundDark, []string{"#000000", "#1C1C1C", "#303030"}},
		{"light", BackgroundLight, []string{"#FFFFFF", "#F5F5F5", "#E8E8E8"}},
		{"unknown", BackgroundUnknown, []string{"#000000", "#FFFFFF"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			eachStyle(NewStylesFor(tc.bg, colorprofile.TrueColor), func(name string, st lipgloss.Style) {
				fg, bg := st.GetForeground(), st.GetBackground()
				if st.GetReverse() {
					assert.True(t, isNoColor(fg) && isNoColor(bg), "%s: reversed styles swap the terminal's own colours only", name)
					return
				}
				if isNoColor(fg) {
					assert.True(t, isNoColor(bg), "%s: text on a fill needs its own colour", name)
					return // the terminal's own foreground on its own background
				}
				n++
				if !isNoColor(bg) {
					assert.GreaterOrEqual(t, contrast(fg, bg), 4.5, "%s on its fill", name)
					return
				}
				for _, hex := range tc.on {
					assert.GreaterOrEqual(t, contrast(fg, lipgloss.Color(hex)), 4.5, "%s on %s", name, hex)
				}
			})
			require.Greater(t, n, 20, "the walk found the styles")
		})
	}
}

// TestBannersInkContrasts: the banners and the URGENT badge carry white or
// black text, whichever contrasts with their fill (the demo and research
// banners were dark text on red in mlterm).
func TestBannersInkContrasts(t *testing.T) {
	for _, bg := range []Background{BackgroundDark, BackgroundLight, BackgroundUnknown} {
		s := NewStylesFor(bg, colorprofile.TrueColor)
		for _, st := range []lipgloss.Style{s.Status.Research, s.Disagreement.Urgent} {
			fill := st.GetBackground()
			white, black := contrast(lipgloss.Color("#FFFFFF"), fill), contrast(lipgloss.Color("#000000"), fill)
			assert.Equal(t, max(white, black), contrast(st.GetForeground(), fill))
		}
	}
	assert.Equal(t, lipgloss.Color("#FFFFFF"), inkOn(lipgloss.Color("#C00000"), colorprofile.TrueColor))
	assert.Equal(t, lipgloss.Color("#000000"), inkOn(lipgloss.Color("#E69F00"), colorprofile.TrueColor))
}

// TestRedMeansErrorsAndUrgent: in 16 colours (where the amber and orange
// of the true-colour palettes used to become red), only errors and URGENT
// are red, and URGENT is the only style with a red fill.
func TestRedMeansErrorsAndUrgent(t *testing.T) {
	allowed := map[string]bool{
		"Worklist.Urgent": true, "Worklist.Error": true, "Disagreement.Urgent": true, "Disagreement.Unsaved": true,
		"Image.Error": true, "Status.Error": true, "TooSmall": true,
	}
	eachStyle(NewStylesFor(BackgroundUnknown, colorprofile.ANSI), func(name string, st lipgloss.Style) {
		red := st.GetForeground() == lipgloss.Red || st.GetBackground() == lipgloss.Red
		assert.Equal(t, allowed[name], red, "%s", name)
		if st.GetBackground() == lipgloss.Red {
			assert.Equal(t, "Disagreement.Urgent", name)
			assert.True(t, st.GetBold())
		}
	})
}

// TestNoBoldBlackIn16Colours: in 16 colours no style draws bold black
// text (xterm's boldColors and many themes make it dark grey: the demo and
// research banners were dark grey on yellow in xterm).
func TestNoBoldBlackIn16Colours(t *testing.T) {
	eachStyle(NewStylesFor(BackgroundUnknown, colorprofile.ANSI), func(name string, st lipgloss.Style) {
		if st.GetForeground() == lipgloss.Black {
			assert.False(t, st.GetBold(), "%s: bold black", name)
		}
	})
	assert.Equal(t, lipgloss.Black, NewStylesFor(BackgroundDark, colorprofile.ANSI).Status.Research.GetForeground())
}

// TestHelpReadableBeforeBackgroundKnown: until the terminal says its
// background (plain tmux never does), the help's descriptions are in the
// terminal's own foreground, not the mid grey that reads at 4.5:1 on both
// (a tmux screenshot showed it dark grey); once known, the dim colour.
func TestHelpReadableBeforeBackgroundKnown(t *testing.T) {
	s := NewStylesFor(BackgroundUnknown, colorprofile.TrueColor)
	assert.True(t, isNoColor(s.Help.ShortDesc.GetForeground()))
	assert.True(t, isNoColor(s.Help.FullDesc.GetForeground()))
	d := NewStylesFor(BackgroundDark, colorprofile.TrueColor)
	assert.Equal(t, darkPalette.dim, d.Help.ShortDesc.GetForeground())
}

// TestASCIIScreen: in ASCII mode every cell of every screen is ASCII and
// the layout is the same (each glyph becomes one ASCII character).
func TestASCIIScreen(t *testing.T) {
	for _, keys := range [][]string{nil, {"?"}, {"a", "x"}, {"r"}, {"G"}, {"/"}} {
		f := newFixture(8, 6)
		f.store.results["case-0008"] = errResult("case-0008")
		f.engine.done()
		uni := newHarness(t, f.config(), 120, 40)
		cfg := f.config()
		cfg.ASCII = true
		asc := newHarness(t, cfg, 120, 40)
		uni.keys(keys...)
		asc.keys(keys...)
		s := asc.screen()
		for i, r := range s {
			require.Less(t, r, rune(0x80), "%v: non-ASCII %q at byte %d: %q", keys, r, i, s[max(0, i-30):min(len(s), i+10)])
		}
		ul, al := strings.Split(uni.screen(), "\n"), strings.Split(s, "\n")
		require.Equal(t, len(ul), len(al))
		for i := range ul {
			assert.Equal(t, ansi.StringWidth(ul[i]), len(al[i]), "%v line %d keeps its width", keys, i)
		}
	}
}

func TestWantASCII(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	assert.False(t, WantASCII(env("LANG", "en_GB.UTF-8")))
	assert.False(t, WantASCII(env("LC_ALL", "C.utf8", "LANG", "C")))
	assert.True(t, WantASCII(env("LANG", "C")))
	assert.True(t, WantASCII(env("LC_CTYPE", "en_US.ISO-8859-1", "LANG", "en_US.UTF-8")))
	assert.True(t, WantASCII(env()), "unset is the C locale")
	assert.True(t, WantASCII(env(EnvASCII, "1", "LANG", "en_GB.UTF-8")))
	assert.False(t, WantASCII(env(EnvASCII, "0", "LANG", "C")))
}
