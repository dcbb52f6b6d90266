package render

import (
	"fmt"
	"strings"
)

// EnvGraphics is the environment variable that forces a protocol
// (kitty|sixel|iterm2|blocks|text, or auto).
const EnvGraphics = "CXR_AUDITOR_GRAPHICS"

// EnvQuality is the environment variable that sets the picture quality
// (auto|full|lean) for every command that draws; a flag overrides it.
const EnvQuality = "CXR_AUDITOR_PICTURE_QUALITY"

// EnvKittyPlaceholders, set to 1 or 0, says whether the terminal draws
// kitty Unicode placeholders, overriding the XTVERSION check.
const EnvKittyPlaceholders = "CXR_AUDITOR_KITTY_PLACEHOLDERS"

// EnvTmuxPassthrough, set to 1 or 0, overrides the tmux passthrough check.
const EnvTmuxPassthrough = "CXR_AUDITOR_TMUX_PASSTHROUGH"

// Caps is what the terminal can do, from its replies and the environment.
type Caps struct {
	// Protocol is Detect's recommendation: the EnvGraphics override if set,
	// otherwise the best supported protocol (see Choose).
	Protocol Protocol
	// Sixel is true when DA1 listed attribute 4.
	Sixel bool
	// Kitty is true when the kitty graphics query was answered OK, or the
	// environment names kitty.
	Kitty bool
	// KittyPlaceholders is true when the terminal is known to draw kitty
	// Unicode placeholders (U=1): kitty 0.28 or later, or Ghostty, from the
	// XTVERSION reply, or EnvKittyPlaceholders=1. Without them kitty
	// pictures are placed directly at the cursor.
	KittyPlaceholders bool
	// ITerm2 is true when TERM_PROGRAM names iTerm2 or WezTerm.
	ITerm2 bool
	// ColorRegisters is the sixel colour register count from XTSMGRAPHICS
	// (after asking for 256); 0 when unknown.
	ColorRegisters int
	// CellW and CellH are the cell size in pixels; 0 when unknown.
	CellW, CellH int
	// TrueColor is true when COLORTERM says truecolor/24bit or the terminal
	// is one known to support it.
	TrueColor bool
	// InTmux is true when TMUX is set; TmuxPassthrough when tmux forwards
	// DCS passthrough (allow-passthrough on).
	InTmux, TmuxPassthrough bool
	// Outer is true when the graphics replies (Sixel, Kitty,
	// ColorRegisters) came from the terminal outside tmux, asked through
	// its passthrough: tmux answers the device attributes itself.
	Outer bool
	// Palette is the terminal's foreground, background and ANSI colours
	// as it reported them (OSC 10, 11, 4); empty when it did not answer.
	Palette Palette
	// Terminal is the XTVERSION reply, e.g. "XTerm(390)".
	Terminal string
	// TTY is true when detection ran on a terminal.
	TTY bool
	// Remote is true when the session runs over SSH (SSH_CONNECTION or
	// SSH_TTY is set): pictures then cost link time.
	Remote bool
	// Quality chooses between full pictures and lean ones for slow links;
	// the zero value (QualityAuto) is lean when Remote.
	Quality Quality
}

// Quality is how many bytes pictures may spend: see QualityFull and
// QualityLean.
type Quality string

// The qualities.
const (
	// QualityAuto is QualityLean over SSH and QualityFull otherwise.
	QualityAuto Quality = "auto"
	// QualityFull draws sixel pictures with every grey a sixel register
	// can hold (101) and PNG payloads at the fast compression level.
	QualityFull Quality = "full"
	// QualityLean is for slow links: 24 sixel greys mapped coherently in
	// each six-row band (about a quarter of the bytes; docs/render.md,
	// Picture quality) and PNG payloads at the best compression level.
	QualityLean Quality = "lean"
)

// ParseQuality reads a --picture-quality value: auto (or empty), full or
// lean.
func ParseQuality(s string) (Quality, error) {
	switch q := Quality(strings.ToLower(strings.TrimSpace(s))); q {
	case "", QualityAuto:
		return QualityAuto, nil
	case QualityFull, QualityLean:
		return q, nil
	}
	return "", fmt.Errorf("picture quality %q: want auto, full or lean", s)
}

// lean reports whether pictures should be lean.
func (c Caps) lean() bool {
	return c.Quality == QualityLean || ((c.Quality == "" || c.Quality == QualityAuto) && c.Remote)
}

// Choose picks the protocol to use. A non-empty override other than "auto"
// (a flag value) wins, even sixel on a terminal that did not claim it.
// Otherwise c.Protocol (Detect's recommendation, which honours EnvGraphics)
// is used, and failing that the first supported of kitty, sixel, iTerm2,
// then blocks on a terminal and text elsewhere. Sixel is never chosen
// automatically unless the terminal reported it in DA1. Inside tmux,
// graphics need passthrough; without it the choice falls to blocks.
func Choose(c Caps, override string) (Protocol, error) {
	switch o := strings.ToLower(strings.TrimSpace(override)); o {
	case "", "auto":
	default:
		p := Protocol(o)
		for _, q := range Protocols() {
			if p == q {
				return p, nil
			}
		}
		return "", fmt.Errorf("unknown graphics protocol %q (want auto, kitty, sixel, iterm2, blocks or text)", override)
	}
	if c.Protocol != "" {
		return c.Protocol, nil
	}
	return autoProtocol(c), nil
}

func autoProtocol(c Caps) Protocol {
	graphics := !c.InTmux || c.TmuxPassthrough
	switch {
	case graphics && c.Kitty:
		return ProtocolKitty
	case graphics && c.Sixel:
		return ProtocolSixel
	case graphics && c.ITerm2:
		return ProtocolITerm2
	case c.TTY:
		return ProtocolBlocks
	}
	return ProtocolText
}

// EnvCaps is what the environment alone says about the terminal (through
// getenv): TERM_PROGRAM, KITTY_WINDOW_ID, COLORTERM, TMUX, SSH_CONNECTION /
// SSH_TTY (Remote) and EnvQuality. Detect and DetectTTY start from it.
func EnvCaps(getenv func(string) string) Caps { return envCaps(getenv) }

// envCaps reads what the environment says about the terminal.
func envCaps(getenv func(string) string) Caps {
	var c Caps
	switch getenv("TERM_PROGRAM") {
	case "iTerm.app", "iTerm2", "WezTerm":
		c.ITerm2 = true
		c.TrueColor = true
	}
	if getenv("KITTY_WINDOW_ID") != "" || getenv("TERM") == "xterm-kitty" {
		c.Kitty = true
		c.TrueColor = true
	}
	switch strings.ToLower(getenv("COLORTERM")) {
	case "truecolor", "24bit":
		c.TrueColor = true
	}
	c.InTmux = getenv("TMUX") != ""
	c.Remote = getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != ""
	c.KittyPlaceholders = getenv(EnvKittyPlaceholders) == "1"
	if q, err := ParseQuality(getenv(EnvQuality)); err == nil {
		c.Quality = q
	}
	switch getenv(EnvTmuxPassthrough) {
	case "1", "on", "true":
		c.TmuxPassthrough = c.InTmux
	}
	return c
}

// envOverride returns the valid protocol named by EnvGraphics, or "".
func envOverride(getenv func(string) string) Protocol {
	p, err := Choose(Caps{}, getenv(EnvGraphics))
	if err != nil || strings.TrimSpace(getenv(EnvGraphics)) == "" || strings.EqualFold(strings.TrimSpace(getenv(EnvGraphics)), "auto") {
		return ""
	}
	return p
}

// addReplies takes what the terminal answered (and the environment's
// overrides of it) into c, and recommends a protocol.
func (c *Caps) addReplies(r replies, getenv func(string) string) {
	c.Sixel = r.sixel
	c.Kitty = c.Kitty || r.kitty
	c.ColorRegisters = r.registers
	c.Terminal = r.version
	c.Palette = r.palette
	c.KittyPlaceholders = placeholdersFor(c.Terminal)
	switch getenv(EnvKittyPlaceholders) {
	case "1":
		c.KittyPlaceholders = true
	case "0":
		c.KittyPlaceholders = false
	}
	switch {
	case r.cellW > 0 && r.cellH > 0:
		c.CellW, c.CellH = r.cellW, r.cellH
	case r.winW > 0 && r.winH > 0 && r.textCols > 0 && r.textRows > 0:
		c.CellW, c.CellH = r.winW/r.textCols, r.winH/r.textRows
	}
	if strings.Contains(strings.ToLower(c.Terminal), "kitty") || strings.Contains(strings.ToLower(c.Terminal), "wezterm") {
		c.TrueColor = true
	}
	c.Protocol = envOverride(getenv)
	if c.Protocol == "" {
		c.Protocol = autoProtocol(*c)
	}
}
