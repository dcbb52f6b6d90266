package tui

import (
	"image/color"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/cxr-auditor/cxr-auditor/render"
)

// minTextContrast is the WCAG 2 contrast ratio text must reach.
const minTextContrast = 4.5

// The ANSI colours each 16-colour ink role means, tried in order when the
// terminal reported their RGB: titles, spans and help keys (accent),
// labels and warnings (warn), URGENT and errors, done.
var (
	accentInks = []ansi.BasicColor{ansi.Cyan, ansi.BrightCyan, ansi.Blue, ansi.BrightBlue}
	warnInks   = []ansi.BasicColor{ansi.Yellow, ansi.BrightYellow}
	urgentInks = []ansi.BasicColor{ansi.Red, ansi.BrightRed}
	okInks     = []ansi.BasicColor{ansi.Green, ansi.BrightGreen}
)

// backgroundOf says whether a reported background is dark or light.
func backgroundOf(tp render.Palette) Background {
	if tp.Bg == nil {
		return BackgroundUnknown
	}
	if contrast(tp.Bg, lipgloss.Color("#000000")) > contrast(tp.Bg, lipgloss.Color("#FFFFFF")) {
		return BackgroundLight
	}
	return BackgroundDark
}

// measuredInks adapts p's text inks to the colours the terminal reported
// (tp): an ink is kept only when its real RGB reads on the real
// background at minTextContrast; otherwise it becomes the nearest choice
// that does, and at worst the terminal's own foreground (nil: the styles
// that use it are bold where they must stand out). A terminal that did
// not report its colours keeps p, today's safe choices.
func measuredInks(p palette, prof colorprofile.Profile, tp render.Palette) palette {
	if !tp.Known() {
		return p
	}
	if prof == colorprofile.ANSI {
		p.accent = ansiInk(tp, accentInks, nil)
		p.warn = ansiInk(tp, warnInks, nil)
		p.urgent = ansiInk(tp, urgentInks, nil)
		p.errC = p.urgent
		p.ok = ansiInk(tp, okInks, nil)
		return p
	}
	for _, c := range []*color.Color{&p.dim, &p.accent, &p.urgent, &p.errC, &p.ok, &p.warn} {
		if *c != nil && contrast(*c, tp.Bg) < minTextContrast {
			*c = nil
		}
	}
	return p
}

// ansiInk is the first of want whose reported RGB reads on the reported
// background, or fallback. A colour from 0 to 7 must read in its bright
// form too: terminals draw bold text in it (mlterm's bold blue is its
// bright blue), and most of these inks are bold.
func ansiInk(tp render.Palette, want []ansi.BasicColor, fallback color.Color) color.Color {
	reads := func(c ansi.BasicColor) bool {
		rgb, ok := tp.ANSI[int(c)]
		return ok && contrast(rgb, tp.Bg) >= minTextContrast
	}
	for _, c := range want {
		if reads(c) && (c >= 8 || reads(c+8)) {
			return c
		}
	}
	return fallback
}

// measuredInkOn is the ink of a 16-colour fill (bright white or black),
// whichever the terminal's reported RGB makes contrast more with the
// fill's; ok is false when the terminal did not report them.
func measuredInkOn(fill color.Color, tp render.Palette) (color.Color, bool) {
	f, isBasic := fill.(ansi.BasicColor)
	if !isBasic {
		return nil, false
	}
	frgb, ok1 := tp.ANSI[int(f)]
	white, ok2 := tp.ANSI[int(ansi.BrightWhite)]
	black, ok3 := tp.ANSI[int(ansi.Black)]
	if !ok1 || !ok2 || !ok3 {
		return nil, false
	}
	if contrast(black, frgb) > contrast(white, frgb) {
		return lipgloss.Black, true
	}
	return lipgloss.BrightWhite, true
}

// restyle rebuilds the styles for what the terminal said: its background,
// colour profile and reported colours.
func (m *Model) restyle() {
	if m.fixed {
		return
	}
	m.styles = newStyles(m.bg, m.profile, m.termPal)
	m.applyStyles()
}
