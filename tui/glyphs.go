package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
)

// The workstation draws with a few non-ASCII glyphs (frames, status marks,
// arrows). None has an emoji presentation (no ✔ or ⚠, which some
// terminals draw two cells wide or in colour). Where the terminal cannot
// draw them, a locale that is not UTF-8, or CXR_AUDITOR_ASCII=1, Config.ASCII
// swaps every one for an ASCII character of the same width, so the layout
// is unchanged.

// EnvASCII names the environment variable that asks for ASCII glyphs ("1"
// or "true"), or for Unicode ones whatever the locale ("0" or "false").
const EnvASCII = "CXR_AUDITOR_ASCII"

// WantASCII reports whether the screen should be drawn in ASCII: when
// EnvASCII says so, else when the locale (LC_ALL, else LC_CTYPE, else
// LANG; unset is the C locale) is not UTF-8.
func WantASCII(getenv func(string) string) bool {
	switch strings.ToLower(strings.TrimSpace(getenv(EnvASCII))) {
	case "1", "true", "yes", "on":
		return true
	case "0", "false", "no", "off":
		return false
	}
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if loc := getenv(v); loc != "" {
			l := strings.ToLower(loc)
			return !strings.Contains(l, "utf-8") && !strings.Contains(l, "utf8")
		}
	}
	return true
}

// asciiGlyphs maps each glyph the workstation draws to one ASCII
// character of the same width (one cell).
var asciiGlyphs = []string{
	"╭", "+", "╮", "+", "╰", "+", "╯", "+", "─", "-", "│", "|",
	"┌", "+", "┐", "+", "└", "+", "┘", "+", "┃", "|", "━", "-", "┏", "+", "┓", "+", "┗", "+", "┛", "+",
	"║", "|", "═", "=", "╔", "+", "╗", "+", "╚", "+", "╝", "+", "├", "+", "┤", "+", "┬", "+", "┴", "+",
	"▸", ">", "✓", "+", "✗", "x", "◌", "o", "●", "*", "◐", "~", "·", ".", "•", "|", "…", "~",
	"“", "\"", "”", "\"", "—", "-", "✎", "#", "×", "x", "→", ">", "░", ":", "□", "o", "■", "#",
	"↓", "v", "↑", "^", "⇧", "S", "½", "h", "–", "-", "⚑", "F", "≠", "?",
	// The spinner's braille frames.
	"⣾", "*", "⣽", "*", "⣻", "*", "⢿", "*", "⡿", "*", "⣟", "*", "⣯", "*", "⣷", "*",
	"⠋", "*", "⠙", "*", "⠹", "*", "⠸", "*", "⠼", "*", "⠴", "*", "⠦", "*", "⠧", "*", "⠇", "*", "⠏", "*",
}

var asciiReplacer = strings.NewReplacer(asciiGlyphs...)

// toASCII draws s with ASCII glyphs.
func toASCII(s string) string { return asciiReplacer.Replace(s) }

// asciiHelp rewrites the key map's help in words where it uses arrows and
// symbols ("j/↓" becomes "j/down"), so the help is as clear in ASCII.
func asciiHelp(k *KeyMap) {
	words := strings.NewReplacer("↓", "down", "↑", "up", "⇧", "shift+", "½", "half", "←", "left", "→", "right")
	for _, b := range k.all() {
		h := b.Help()
		b.SetHelp(words.Replace(h.Key), words.Replace(h.Desc))
	}
}

// all returns every binding of the key map.
func (k *KeyMap) all() []*key.Binding {
	out := append(k.browse(), k.raw()...)
	return append(out, &k.CloseHelp, &k.Confirm, &k.Cancel, &k.SaveNote, &k.SearchNext, &k.SearchPrev, &k.ForceQuit, &k.HelpInText, &k.Suspend, &k.Redraw)
}
