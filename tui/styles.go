package tui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
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

// palette is the handful of colours the styles are made of.
type palette struct {
	fg, dim, border, accent, urgent, errC, ok, warn, researchBg, researchFg color.Color
}

func newPalette(isDark bool) palette {
	if isDark {
		return palette{
			fg: lipgloss.Color("#E6E6E6"), dim: lipgloss.Color("#8A8A8A"), border: lipgloss.Color("#5F5F5F"),
			accent: lipgloss.Color("#56B4E9"), urgent: lipgloss.Color("#FF5F5F"),
			errC: lipgloss.Color("#FF875F"), ok: lipgloss.Color("#5FD787"), warn: lipgloss.Color("#E69F00"),
			researchBg: lipgloss.Color("#E69F00"), researchFg: lipgloss.Color("#000000"),
		}
	}
	return palette{
		fg: lipgloss.Color("#1C1C1C"), dim: lipgloss.Color("#6C6C6C"), border: lipgloss.Color("#A8A8A8"),
		accent: lipgloss.Color("#0072B2"), urgent: lipgloss.Color("#C00000"),
		errC: lipgloss.Color("#B34700"), ok: lipgloss.Color("#007A33"), warn: lipgloss.Color("#A66F00"),
		researchBg: lipgloss.Color("#E69F00"), researchFg: lipgloss.Color("#000000"),
	}
}

// NewStyles builds the styles for a dark or a light terminal background.
func NewStyles(isDark bool) Styles {
	p := newPalette(isDark)
	var s Styles
	s.Pane.Border = lipgloss.NewStyle().Foreground(p.border)
	s.Pane.Focused = lipgloss.NewStyle().Foreground(p.accent)
	s.Pane.Title = lipgloss.NewStyle().Foreground(p.accent).Bold(true)

	s.Worklist.Row = lipgloss.NewStyle().Foreground(p.fg)
	s.Worklist.Selected = lipgloss.NewStyle().Reverse(true).Bold(true)
	s.Worklist.Dim = lipgloss.NewStyle().Foreground(p.dim)
	s.Worklist.Urgent = lipgloss.NewStyle().Foreground(p.urgent).Bold(true)
	s.Worklist.Error = lipgloss.NewStyle().Foreground(p.errC).Bold(true)
	s.Worklist.Done = lipgloss.NewStyle().Foreground(p.ok)
	s.Worklist.Running = lipgloss.NewStyle().Foreground(p.warn)
	s.Worklist.Adjudicated = lipgloss.NewStyle().Foreground(p.ok).Bold(true)

	s.Disagreement.Row = lipgloss.NewStyle().Foreground(p.fg)
	s.Disagreement.Selected = lipgloss.NewStyle().Reverse(true).Bold(true)
	s.Disagreement.Label = lipgloss.NewStyle().Foreground(p.fg).Bold(true)
	s.Disagreement.Kind = lipgloss.NewStyle().Foreground(p.accent)
	s.Disagreement.Urgent = lipgloss.NewStyle().Foreground(p.researchFg).Background(p.urgent).Bold(true)
	s.Disagreement.Span = lipgloss.NewStyle().Foreground(p.dim).Italic(true)
	s.Disagreement.Decision = lipgloss.NewStyle().Foreground(p.fg).Bold(true)
	s.Disagreement.Saving = lipgloss.NewStyle().Foreground(p.warn)
	s.Disagreement.Saved = lipgloss.NewStyle().Foreground(p.ok)
	s.Disagreement.Unsaved = lipgloss.NewStyle().Foreground(p.errC).Bold(true)
	s.Disagreement.Others = lipgloss.NewStyle().Foreground(p.dim)
	s.Disagreement.Empty = lipgloss.NewStyle().Foreground(p.dim).Italic(true)

	s.Draft.Text = lipgloss.NewStyle().Foreground(p.fg)
	// Spans are underlined and the selected one reversed: both survive any
	// colour profile, down to 16 colours and monochrome.
	s.Draft.Span = lipgloss.NewStyle().Foreground(p.accent).Underline(true)
	s.Draft.SpanSelected = lipgloss.NewStyle().Reverse(true).Bold(true)

	s.Image.Placeholder = lipgloss.NewStyle().Foreground(p.dim)
	s.Image.Error = lipgloss.NewStyle().Foreground(p.errC)

	s.Status.Bar = lipgloss.NewStyle().Foreground(p.fg)
	s.Status.Research = lipgloss.NewStyle().Foreground(p.researchFg).Background(p.researchBg).Bold(true)
	s.Status.Message = lipgloss.NewStyle().Foreground(p.fg)
	s.Status.Error = lipgloss.NewStyle().Foreground(p.errC).Bold(true)
	s.Status.OK = lipgloss.NewStyle().Foreground(p.ok)
	s.Status.Dim = lipgloss.NewStyle().Foreground(p.dim)

	s.Dialog.Border = lipgloss.NewStyle().Foreground(p.accent)
	s.Dialog.Title = lipgloss.NewStyle().Foreground(p.accent).Bold(true)
	s.Dialog.Heading = lipgloss.NewStyle().Foreground(p.warn).Bold(true)

	s.TooSmall = lipgloss.NewStyle().Foreground(p.errC).Bold(true)
	s.Help = help.DefaultStyles(isDark)
	return s
}
