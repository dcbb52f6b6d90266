package tui

import (
	"image/color"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/render"
)

// answered is a palette as a terminal answers the probe (synthetic copies
// of the terminals' default colours).
func answered(t *testing.T, fg, bg string, ansiRGB map[int]string) render.Palette {
	t.Helper()
	p := render.Palette{ANSI: map[int]color.Color{}}
	parse := func(s string) color.Color {
		c, ok := render.ParseXColor(s)
		require.True(t, ok, s)
		return c
	}
	p.Fg, p.Bg = parse(fg), parse(bg)
	for n, s := range ansiRGB {
		p.ANSI[n] = parse(s)
	}
	return p
}

// mltermLight and xtermDark are the colours mlterm 3.9 (black on white)
// and xterm (the dark set-up term-shot uses) answer to OSC 10, 11 and 4.
func mltermLight(t *testing.T) render.Palette {
	return answered(t, "#000000", "#FFFFFF", map[int]string{
		0: "#000000", 1: "#CD0000", 2: "#00CD00", 3: "#CDCD00", 4: "#0000EE", 6: "#00CDCD", 7: "#E5E5E5",
		9: "#FF0000", 10: "#00FF00", 11: "#FFFF00", 12: "#5C5CFF", 14: "#00FFFF", 15: "#FFFFFF",
	})
}

func xtermDark(t *testing.T) render.Palette {
	return answered(t, "#E5E5E5", "#000000", map[int]string{
		0: "#000000", 1: "#CD0000", 2: "#00CD00", 3: "#CDCD00", 4: "#0000EE", 6: "#00CDCD", 7: "#E5E5E5",
		9: "#FF0000", 10: "#00FF00", 11: "#FFFF00", 12: "#5C5CFF", 14: "#00FFFF", 15: "#FFFFFF",
	})
}

// rgbOf is the RGB the terminal draws c with: its own foreground or
// background for no colour, its reported RGB for an ANSI colour.
func rgbOf(t *testing.T, c, own color.Color, tp render.Palette) color.Color {
	if isNoColor(c) {
		return own
	}
	if b, ok := c.(ansi.BasicColor); ok {
		rgb, ok := tp.ANSI[int(b)]
		require.True(t, ok, "ANSI colour %d was not measured", b)
		return rgb
	}
	return c
}

// TestMeasuredInksContrast: with the colours mlterm's light and xterm's
// dark palettes answer, every style's text reads at 4.5:1 or more on the
// real RGB, in 16 colours and in true colour, bold text also in the
// bright form terminals draw it with. (mlterm's cyan and yellow were
// 1.25:1 and 1.07:1 on its white.)
func TestMeasuredInksContrast(t *testing.T) {
	for _, tc := range []struct {
		name string
		tp   func(*testing.T) render.Palette
		bg   Background
	}{
		{"mlterm light", mltermLight, BackgroundLight},
		{"xterm dark", xtermDark, BackgroundDark},
	} {
		for _, prof := range []colorprofile.Profile{colorprofile.ANSI, colorprofile.TrueColor} {
			t.Run(tc.name+" "+prof.String(), func(t *testing.T) {
				tp := tc.tp(t)
				require.Equal(t, tc.bg, backgroundOf(tp))
				n := 0
				eachStyle(newStyles(backgroundOf(tp), prof, tp), func(name string, st lipgloss.Style) {
					if st.GetReverse() || name == "Pane.Border" {
						return // the terminal's own colours swapped; a frame line, not text
					}
					fg := rgbOf(t, st.GetForeground(), tp.Fg, tp)
					bg := rgbOf(t, st.GetBackground(), tp.Bg, tp)
					n++
					assert.GreaterOrEqual(t, contrast(fg, bg), minTextContrast, "%s: %v on %v", name, fg, bg)
					if b, ok := st.GetForeground().(ansi.BasicColor); ok && st.GetBold() && b < 8 && isNoColor(st.GetBackground()) {
						bright := rgbOf(t, b+8, nil, tp)
						assert.GreaterOrEqual(t, contrast(bright, bg), minTextContrast, "%s: bold drawn bright, %v on %v", name, bright, bg)
					}
				})
				require.Greater(t, n, 20)
			})
		}
	}
}

// TestMeasuredInksPrefersIntended: an intended colour that reads is kept
// (xterm's cyan on black), one that does not gives way to the next that
// does (xterm's red, 3.5:1 on black, to its bright red; mlterm's cyan on
// white to its blue, whose bold form, bright blue, reads too) or to the
// foreground (no yellow reads on white; bold red is drawn bright red).
func TestMeasuredInksPrefersIntended(t *testing.T) {
	x := newStyles(BackgroundDark, colorprofile.ANSI, xtermDark(t))
	assert.Equal(t, lipgloss.BrightRed, x.Worklist.Urgent.GetForeground())
	assert.Equal(t, lipgloss.Cyan, x.Pane.Title.GetForeground())
	assert.Equal(t, lipgloss.Yellow, x.Dialog.Heading.GetForeground())

	m := newStyles(BackgroundLight, colorprofile.ANSI, mltermLight(t))
	assert.Equal(t, lipgloss.Blue, m.Pane.Title.GetForeground())
	assert.Equal(t, lipgloss.Blue, m.Draft.Span.GetForeground())
	assert.True(t, isNoColor(m.Dialog.Heading.GetForeground()), "no yellow reads on white: the foreground")
	assert.True(t, m.Dialog.Heading.GetBold())
	assert.True(t, isNoColor(m.Worklist.Urgent.GetForeground()), "bold red is drawn #FF0000: 4.0:1 on white")
	assert.True(t, m.Worklist.Urgent.GetBold())
}

// TestUnansweredKeepsSafeInks: a terminal that does not answer (or
// answers only in part) keeps today's styles.
func TestUnansweredKeepsSafeInks(t *testing.T) {
	for _, prof := range []colorprofile.Profile{colorprofile.ANSI, colorprofile.TrueColor} {
		for _, tp := range []render.Palette{{}, {Bg: color.RGBA{255, 255, 255, 255}}} {
			assert.Equal(t, NewStylesFor(BackgroundUnknown, prof), newStyles(BackgroundUnknown, prof, tp))
		}
	}
	assert.Equal(t, BackgroundUnknown, backgroundOf(render.Palette{}))
}
