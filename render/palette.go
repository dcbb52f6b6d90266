package render

import (
	"image/color"
	"strconv"
	"strings"
)

// PaletteIndexes are the ANSI colours whose RGB the probe asks for (OSC
// 4): the ones the workstation's 16-colour styles draw text or fills
// with (black, red, green, yellow, blue, cyan, white and their bright
// forms), so that inks can be chosen by their real contrast.
var PaletteIndexes = []int{0, 1, 2, 3, 4, 6, 7, 9, 10, 11, 12, 14, 15}

// Palette is what the terminal said of its colours: its default
// foreground (OSC 10) and background (OSC 11) and the RGB of the ANSI
// colours in PaletteIndexes (OSC 4). A nil colour or a missing index is
// one the terminal did not answer for.
type Palette struct {
	Fg, Bg color.Color
	ANSI   map[int]color.Color
}

// Known reports whether the terminal told its background and foreground,
// without which no contrast can be measured.
func (p Palette) Known() bool { return p.Fg != nil && p.Bg != nil }

// paletteQuery asks for the foreground, background and PaletteIndexes,
// each in its own OSC so a terminal answers each separately.
func paletteQuery() string {
	var b strings.Builder
	b.WriteString("\x1b]10;?\x1b\\\x1b]11;?\x1b\\")
	for _, n := range PaletteIndexes {
		b.WriteString("\x1b]4;" + strconv.Itoa(n) + ";?\x1b\\")
	}
	return b.String()
}

// addOSC takes one OSC reply body ("10;rgb:...", "11;rgb:...",
// "4;n;rgb:...") into p; anything else is ignored.
func (p *Palette) addOSC(body string) {
	code, rest, ok := strings.Cut(body, ";")
	if !ok {
		return
	}
	switch code {
	case "10", "11":
		c, ok := ParseXColor(rest)
		if !ok {
			return
		}
		if code == "10" {
			p.Fg = c
		} else {
			p.Bg = c
		}
	case "4":
		idx, spec, ok := strings.Cut(rest, ";")
		n, err := strconv.Atoi(idx)
		if !ok || err != nil || n < 0 || n > 255 {
			return
		}
		c, ok := ParseXColor(spec)
		if !ok {
			return
		}
		if p.ANSI == nil {
			p.ANSI = map[int]color.Color{}
		}
		p.ANSI[n] = c
	}
}

// merge fills what p lacks from q.
func (p *Palette) merge(q Palette) {
	if p.Fg == nil {
		p.Fg = q.Fg
	}
	if p.Bg == nil {
		p.Bg = q.Bg
	}
	for n, c := range q.ANSI {
		if _, ok := p.ANSI[n]; !ok {
			if p.ANSI == nil {
				p.ANSI = map[int]color.Color{}
			}
			p.ANSI[n] = c
		}
	}
}

// ParseXColor reads a colour as terminals report it: rgb:R/G/B or
// rgba:R/G/B/A with 1 to 4 hex digits per channel (scaled, as X11 does),
// or #RGB, #RRGGBB, #RRRGGGBBB, #RRRRGGGGBBBB. Anything else is not a
// colour (ok false), never an error.
func ParseXColor(s string) (color.RGBA, bool) {
	s = strings.TrimSpace(s)
	var parts []string
	switch {
	case strings.HasPrefix(s, "rgb:"):
		parts = strings.Split(s[4:], "/")
		if len(parts) != 3 {
			return color.RGBA{}, false
		}
	case strings.HasPrefix(s, "rgba:"):
		parts = strings.Split(s[5:], "/")
		if len(parts) != 4 {
			return color.RGBA{}, false
		}
		parts = parts[:3]
	case strings.HasPrefix(s, "#"):
		h := s[1:]
		if len(h) == 0 || len(h)%3 != 0 || len(h) > 12 {
			return color.RGBA{}, false
		}
		w := len(h) / 3
		parts = []string{h[:w], h[w : 2*w], h[2*w:]}
	default:
		return color.RGBA{}, false
	}
	var v [3]uint8
	for i, p := range parts {
		c, ok := channel(p)
		if !ok {
			return color.RGBA{}, false
		}
		v[i] = c
	}
	return color.RGBA{R: v[0], G: v[1], B: v[2], A: 0xff}, true
}

// channel scales 1 to 4 hex digits to 8 bits (f is 0xff, 8 is 0x88).
func channel(h string) (uint8, bool) {
	if len(h) < 1 || len(h) > 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(h, 16, 16)
	if err != nil || strings.ContainsAny(h, "+-") {
		return 0, false
	}
	maxV := uint64(1)<<(4*len(h)) - 1
	return uint8((n*255 + maxV/2) / maxV), true
}
