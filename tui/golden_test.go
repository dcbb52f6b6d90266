package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/stretchr/testify/require"

	"github.com/charmbracelet/x/exp/golden"
)

// sizes are the fixed terminal sizes of the golden screens.
var sizes = []struct {
	name string
	w, h int
}{
	{"80x24", 80, 24},
	{"120x40", 120, 40},
	{"200x60", 200, 60},
	{"narrow_60x20", 60, 20},
}

// TestScreens renders whole screens with the text image backend at fixed
// sizes. Styles are stripped so the golden files read as the screen does;
// TestScreenStyled pins the styles.
func TestScreens(t *testing.T) {
	scenes := []struct {
		name  string
		setup func(h *harness)
	}{
		{"open", func(h *harness) {}},
		{"second_item", func(h *harness) { h.key("j") }},
		{"verdict_saved", func(h *harness) { h.keys("j", "i") }},
		{"help", func(h *harness) { h.key("?") }},
		{"raw", func(h *harness) { h.key("r") }},
		{"note", func(h *harness) { h.keys("a", "s", "e", "e", " ", "C", "T") }},
		{"filter_urgent", func(h *harness) { h.keys("f", "G") }},
		{"failed_item", func(h *harness) { h.keys("G") }},
		{"zoomed", func(h *harness) { h.keys("+", "+", "L") }},
		{"search", func(h *harness) { h.keys("/", "0", "0", "3") }},
		{"verdict_replaced", func(h *harness) { h.keys("i", "k", "d") }},
		{"models_blocked", func(h *harness) { h.send(blockedMsg) }},
		{"offline", func(h *harness) { h.send(ModelsMsg{Offline: true}) }},
	}
	for _, sz := range sizes {
		for _, sc := range scenes {
			t.Run(sz.name+"/"+sc.name, func(t *testing.T) {
				f := newFixture(8, 6)
				f.store.results["case-0008"] = errResult("case-0008")
				f.engine.done()
				h := newHarness(t, f.config(), sz.w, sz.h)
				sc.setup(h)
				golden.RequireEqual(t, h.screen())
			})
		}
	}
}

func TestScreenTooSmall(t *testing.T) {
	f := newFixture(3, 3)
	f.engine.done()
	h := newHarness(t, f.config(), 40, 10)
	golden.RequireEqual(t, h.screen())
}

func TestScreenStyled(t *testing.T) {
	f := newFixture(4, 4)
	f.engine.done()
	h := newHarness(t, f.config(), 80, 24)
	golden.RequireEqual(t, h.m.Render())
}

// TestScreenProfiles pins the styled screen as a 16-colour and a
// 256-colour terminal receives it (the styles chosen for the profile, then
// downsampled by colorprofile as Bubble Tea does): in 16 colours red is
// only errors and URGENT, and the help is the terminal's own colours.
func TestScreenProfiles(t *testing.T) {
	for _, p := range []struct {
		name string
		prof colorprofile.Profile
	}{{"ansi16", colorprofile.ANSI}, {"ansi256", colorprofile.ANSI256}} {
		for _, scene := range []struct {
			name string
			keys []string
		}{{"open", nil}, {"help", []string{"?"}}, {"failed_item", []string{"G"}}} {
			t.Run(p.name+"/"+scene.name, func(t *testing.T) {
				f := newFixture(8, 6)
				f.store.results["case-0008"] = errResult("case-0008")
				f.engine.done()
				cfg := f.config()
				st := NewStylesFor(BackgroundDark, p.prof)
				cfg.Styles = &st
				h := newHarness(t, cfg, 120, 40)
				h.keys(scene.keys...)
				var b strings.Builder
				w := &colorprofile.Writer{Forward: &b, Profile: p.prof}
				_, err := w.WriteString(h.m.Render())
				require.NoError(t, err)
				golden.RequireEqual(t, b.String())
			})
		}
	}
}
