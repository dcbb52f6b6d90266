package tui

import (
	"image/color"
	"math"

	"github.com/charmbracelet/colorprofile"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/cxr-auditor/cxr-auditor/render"
)

// Styles is every style the workstation draws with, grouped by pane. It is
// built by NewStyles from a small palette; colour literals live only in
// this file.
type Styles struct {
	Pane         PaneStyles
	Worklist     WorklistStyles
	Disagreement DisagreementStyles
	Draft        DraftStyles
	Image        ImageStyles
	Status       StatusStyles
	Dialog       DialogStyles
	TooSmall     lipgloss.Style
	Help         help.Styles
}

// PaneStyles draw the frames: Border and Focused are rounded borders (a
// pane's frame and the focused pane's), Title the title in the top edge.
type PaneStyles struct {
	Border, Focused, Title lipgloss.Style
}

// WorklistStyles are the worklist pane's styles.
type WorklistStyles struct {
	Row, Selected, Dim, Urgent, Error, Done, Running, Adjudicated lipgloss.Style
}

// DisagreementStyles are the disagreement pane's styles.
type DisagreementStyles struct {
	Row, Selected, Label, Kind, Urgent, Span, Decision, Saving, Saved, Unsaved, Others, Empty lipgloss.Style
	// Doubt marks what rests on a draft reading in doubt.
	Doubt lipgloss.Style
}

// DraftStyles are the draft pane's styles.
type DraftStyles struct {
	Text, Span, SpanSelected lipgloss.Style
}

// ImageStyles are the image pane's styles (the picture's colours belong
// to render).
type ImageStyles struct {
	Placeholder, Error lipgloss.Style
}

// StatusStyles are the status bar's styles.
type StatusStyles struct {
	Bar, Research, Message, Error, OK, Dim lipgloss.Style
}

// DialogStyles are the dialogs' styles.
type DialogStyles struct {
	Border, Title, Heading lipgloss.Style
}

// Background is what the workstation knows of the terminal's background.
type Background int

const (
	// BackgroundUnknown: the terminal has not said (or cannot). Colours
	// then read on black and on white alike.
	BackgroundUnknown Background = iota
	// BackgroundDark and BackgroundLight: the terminal answered the
	// background colour query.
	BackgroundDark
	BackgroundLight
)

// palette is the handful of colours the styles are made of. A nil colour
// is the terminal's own foreground (lipgloss.NoColor).
type palette struct {
	fg, dim, border, accent, urgent, errC, ok, warn color.Color
	// urgentBg and bannerBg fill the URGENT badge (red: the strongest cue
	// on the screen) and the research and demo banners (amber, never red).
	urgentBg, bannerBg color.Color
}

// The palettes. Every text colour has a contrast ratio of at least 4.5:1
// (WCAG 2) against the backgrounds it is meant for (TestStylesContrast
// computes them): dark from black to #303030, light from #E8E8E8 to white,
// unknown against both black and white (which leaves a narrow band of
// mid-tones, relative luminance 0.175-0.183).
var (
	darkPalette = palette{
		dim: lipgloss.Color("#A8A8A8"), border: lipgloss.Color("#9E9E9E"), accent: lipgloss.Color("#6CBEEC"),
		urgent: lipgloss.Color("#FF6B6B"), errC: lipgloss.Color("#FF875F"), ok: lipgloss.Color("#4ECB84"),
		warn: lipgloss.Color("#F6A300"), urgentBg: lipgloss.Color("#C00000"), bannerBg: lipgloss.Color("#E69F00"),
	}
	lightPalette = palette{
		dim: lipgloss.Color("#5D5D5D"), border: lipgloss.Color("#5D5D5D"), accent: lipgloss.Color("#125E8A"),
		urgent: lipgloss.Color("#B01A1A"), errC: lipgloss.Color("#983D16"), ok: lipgloss.Color("#1E663D"),
		warn: lipgloss.Color("#7A5100"), urgentBg: lipgloss.Color("#C00000"), bannerBg: lipgloss.Color("#E69F00"),
	}
	unknownPalette = palette{
		dim: lipgloss.Color("#767676"), border: lipgloss.Color("#767676"), accent: lipgloss.Color("#187CB5"),
		urgent: lipgloss.Color("#E02E2E"), errC: lipgloss.Color("#C7501D"), ok: lipgloss.Color("#278650"),
		warn: lipgloss.Color("#A16B00"), urgentBg: lipgloss.Color("#C00000"), bannerBg: lipgloss.Color("#E69F00"),
	}
	// ansiPalette is for 16-colour terminals, whose theme sets the colours:
	// the roles are chosen so that red is only errors and URGENT (the
	// truecolor amber and orange would be downsampled to red), dim text is
	// the terminal's own foreground (its "bright black" is unreadable on
	// many themes), and URGENT is the only white-on-red.
	// In 16 colours the RGB of an ANSI colour is the terminal's palette
	// (mlterm's cyan and yellow are #00FFFF and #FFFF00: 1.25:1 and
	// 1.07:1 on its white). Text inks are the terminal's own foreground,
	// bold where they stand out; colour is kept for marks and fills.
	ansiPalette = palette{
		dim: nil, border: lipgloss.BrightBlack, accent: nil,
		urgent: lipgloss.Red, errC: lipgloss.Red, ok: lipgloss.Green,
		warn: nil, urgentBg: lipgloss.Red, bannerBg: lipgloss.Yellow,
	}
)

// newPalette returns the palette for a background and colour profile.
func newPalette(bg Background, p colorprofile.Profile) palette {
	if p == colorprofile.ANSI {
		return ansiPalette
	}
	switch bg {
	case BackgroundDark:
		return darkPalette
	case BackgroundLight:
		return lightPalette
	}
	return unknownPalette
}

// inkOn returns black or white, whichever contrasts more with bg: the
// text of every filled badge and banner.
func inkOn(bg color.Color, p colorprofile.Profile) color.Color {
	if p == colorprofile.ANSI {
		if bg == lipgloss.Yellow {
			return lipgloss.Black
		}
		return lipgloss.BrightWhite
	}
	if contrast(lipgloss.Color("#FFFFFF"), bg) >= contrast(lipgloss.Color("#000000"), bg) {
		return lipgloss.Color("#FFFFFF")
	}
	return lipgloss.Color("#000000")
}

// filled is the style of a badge or banner: bold ink (inkOn) on bg. In 16
// colours black ink is not bold: xterm (boldColors) and many themes draw
// bold black as bright black, dark grey, which is unreadable on yellow.
func filled(bg color.Color, p colorprofile.Profile, tp render.Palette) lipgloss.Style {
	ink := inkOn(bg, p)
	if m, ok := measuredInkOn(bg, tp); ok && p == colorprofile.ANSI {
		ink = m
	}
	return lipgloss.NewStyle().Foreground(ink).Background(bg).Bold(!(p == colorprofile.ANSI && ink == lipgloss.Black))
}

// contrast is the WCAG 2 contrast ratio of two colours (1 to 21).
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is the WCAG 2 relative luminance of c.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		f := float64(v) / 0xFFFF
		if f <= 0.03928 {
			return f / 12.92
		}
		return math.Pow((f+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// fgStyle is a style with foreground c (the terminal's own when nil).
func fgStyle(c color.Color) lipgloss.Style {
	if c == nil {
		return lipgloss.NewStyle()
	}
	return lipgloss.NewStyle().Foreground(c)
}

// NewStyles builds the styles for a dark or a light terminal background in
// true colour.
func NewStyles(isDark bool) Styles {
	if isDark {
		return NewStylesFor(BackgroundDark, colorprofile.TrueColor)
	}
	return NewStylesFor(BackgroundLight, colorprofile.TrueColor)
}

// NewStylesFor builds the styles for a background and a colour profile.
// Red is only for errors and URGENT; URGENT, white on red and bold, is the
// strongest cue on the screen in every profile.
func NewStylesFor(bg Background, prof colorprofile.Profile) Styles {
	return newStyles(bg, prof, render.Palette{})
}

// newStyles is NewStylesFor with the inks chosen by their contrast on the
// colours the terminal reported (measuredInks).
func newStyles(bg Background, prof colorprofile.Profile, tp render.Palette) Styles {
	p := measuredInks(newPalette(bg, prof), prof, tp)
	var s Styles
	s.Pane.Border = fgStyle(p.border)
	s.Pane.Focused = fgStyle(p.accent)
	s.Pane.Title = fgStyle(p.accent).Bold(true)

	s.Worklist.Row = fgStyle(p.fg)
	s.Worklist.Selected = lipgloss.NewStyle().Reverse(true).Bold(true)
	s.Worklist.Dim = fgStyle(p.dim)
	s.Worklist.Urgent = fgStyle(p.urgent).Bold(true)
	s.Worklist.Error = fgStyle(p.errC).Bold(true)
	s.Worklist.Done = fgStyle(p.ok)
	s.Worklist.Running = fgStyle(p.warn)
	s.Worklist.Adjudicated = fgStyle(p.ok).Bold(true)

	s.Disagreement.Row = fgStyle(p.fg)
	s.Disagreement.Selected = lipgloss.NewStyle().Reverse(true).Bold(true)
	s.Disagreement.Label = fgStyle(p.fg).Bold(true)
	s.Disagreement.Kind = fgStyle(p.accent)
	s.Disagreement.Urgent = filled(p.urgentBg, prof, tp)
	s.Disagreement.Span = fgStyle(p.dim).Italic(true)
	s.Disagreement.Decision = fgStyle(p.fg).Bold(true)
	s.Disagreement.Saving = fgStyle(p.warn)
	s.Disagreement.Saved = fgStyle(p.ok)
	s.Disagreement.Unsaved = fgStyle(p.errC).Bold(true)
	s.Disagreement.Others = fgStyle(p.dim)
	s.Disagreement.Empty = fgStyle(p.dim).Italic(true)
	s.Disagreement.Doubt = fgStyle(p.warn).Bold(true)

	s.Draft.Text = fgStyle(p.fg)
	// Spans are underlined and the selected one reversed: both survive any
	// colour profile, down to 16 colours and monochrome.
	s.Draft.Span = fgStyle(p.accent).Underline(true)
	s.Draft.SpanSelected = lipgloss.NewStyle().Reverse(true).Bold(true)

	s.Image.Placeholder = fgStyle(p.dim)
	s.Image.Error = fgStyle(p.errC)

	s.Status.Bar = fgStyle(p.fg)
	s.Status.Research = filled(p.bannerBg, prof, tp)
	s.Status.Message = fgStyle(p.fg)
	s.Status.Error = fgStyle(p.errC).Bold(true)
	s.Status.OK = fgStyle(p.ok)
	s.Status.Dim = fgStyle(p.dim)

	s.Dialog.Border = fgStyle(p.accent)
	s.Dialog.Title = fgStyle(p.accent).Bold(true)
	s.Dialog.Heading = fgStyle(p.warn).Bold(true)

	s.TooSmall = fgStyle(p.errC).Bold(true)

	// The help: keys bold in the accent colour, descriptions in the dim
	// colour (which, unlike the help bubble's default grey, reads at 4.5:1).
	// Before the terminal says its background (plain tmux never does) the
	// only grey that reads on black and on white alike is a mid-tone at the
	// 4.5:1 limit, which in a screenshot of tmux read as dark grey: the
	// descriptions then take the terminal's own foreground.
	desc := p.dim
	if bg == BackgroundUnknown {
		desc = nil
	}
	s.Help = help.Styles{
		ShortKey: fgStyle(p.accent).Bold(true), ShortDesc: fgStyle(desc), ShortSeparator: fgStyle(p.dim),
		FullKey: fgStyle(p.accent).Bold(true), FullDesc: fgStyle(desc), FullSeparator: fgStyle(p.dim),
		Ellipsis: fgStyle(p.dim),
	}
	return s
}

func (m *Model) handleBackground(msg tea.BackgroundColorMsg) tea.Cmd {
	if m.fixed || m.termPal.Bg != nil {
		return nil // the probe's measured background stands
	}
	m.bg = BackgroundLight
	if msg.IsDark() {
		m.bg = BackgroundDark
	}
	m.restyle()
	return nil
}

// handleProfile rebuilds the styles for the terminal's colour profile (a
// 16-colour terminal gets colours chosen for it, not downsampled ones).
func (m *Model) handleProfile(msg tea.ColorProfileMsg) {
	m.profile = msg.Profile
	m.restyle()
}
