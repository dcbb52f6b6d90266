package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
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
// TestScreenStyled pins the styles. Each scene also checks one fact of the
// workstation's state the picture stands for, so a golden rewritten with
// -update cannot make a wrong state pass.
func TestScreens(t *testing.T) {
	scenes := []struct {
		name  string
		setup func(h *harness)
		check func(t *testing.T, h *harness, f *fixture)
	}{
		{"open", func(h *harness) {}, func(t *testing.T, h *harness, _ *fixture) {
			assert.Equal(t, "case-0001", currentID(h), "resumed at the first item with a disagreement")
		}},
		{"second_item", func(h *harness) { h.key("j") }, func(t *testing.T, h *harness, _ *fixture) {
			assert.Equal(t, "case-0002", currentID(h))
		}},
		{"verdict_saved", func(h *harness) { h.keys("j", "i") }, func(t *testing.T, _ *harness, f *fixture) {
			vs := f.store.current("case-0002", "tester")
			require.Len(t, vs, 1)
			assert.Equal(t, audit.ImageRight, vs[0].Decision)
		}},
		{"help", func(h *harness) { h.key("?") }, func(t *testing.T, h *harness, _ *fixture) {
			assert.Equal(t, modeHelp, h.m.mode)
		}},
		{"raw", func(h *harness) { h.key("r") }, func(t *testing.T, h *harness, _ *fixture) {
			assert.Equal(t, modeRaw, h.m.mode)
		}},
		{"note", func(h *harness) { h.keys("a", "s", "e", "e", " ", "C", "T") }, func(t *testing.T, h *harness, _ *fixture) {
			assert.Equal(t, "see CT", h.m.note.area.Value(), "typed, not yet saved")
		}},
		{"filter_urgent", func(h *harness) { h.keys("f", "G") }, func(t *testing.T, h *harness, _ *fixture) {
			assert.Equal(t, FilterUrgent, h.m.nav.filter)
			assert.Equal(t, "case-0006", currentID(h), "G goes to the last urgent item")
		}},
		{"failed_item", func(h *harness) { h.keys("G") }, func(t *testing.T, h *harness, _ *fixture) {
			assert.Equal(t, audit.StatusError, h.m.data.rows.get(h.m.nav.cur).status, "the last item failed")
		}},
		{"zoomed", func(h *harness) { h.keys("+", "+", "L") }, func(t *testing.T, h *harness, _ *fixture) {
			assert.Greater(t, h.m.look.view.Zoom, 1.0)
		}},
		{"search", func(h *harness) { h.keys("/", "0", "0", "3") }, func(t *testing.T, h *harness, _ *fixture) {
			assert.Equal(t, "case-0003", currentID(h), "the cursor follows the one match")
		}},
		{"verdict_replaced", func(h *harness) { h.keys("i", "k", "d") }, func(t *testing.T, _ *harness, f *fixture) {
			vs := f.store.current("case-0001", "tester")
			require.Len(t, vs, 1, "one verdict on the disagreement, replaced")
			assert.Equal(t, audit.DraftRight, vs[0].Decision)
		}},
		{"models_blocked", func(h *harness) { h.send(blockedMsg) }, func(t *testing.T, h *harness, _ *fixture) {
			assert.Equal(t, modeBlocked, h.m.mode)
		}},
		{"offline", func(h *harness) { h.send(ModelsMsg{Offline: true}) }, func(t *testing.T, h *harness, _ *fixture) {
			assert.True(t, h.m.hosts.offline)
		}},
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
				sc.check(t, h, f)
			})
		}
	}
}

// currentID is the id of the item under the cursor ("" for none).
func currentID(h *harness) string {
	it, _ := h.m.current()
	return it.ID
}

func TestScreenTooSmall(t *testing.T) {
	f := newFixture(3, 3)
	f.engine.done()
	h := newHarness(t, f.config(), 40, 10)
	golden.RequireEqual(t, h.screen())
	assert.Contains(t, h.screen(), "need at least 60x18", "says the size it needs")
}

func TestScreenStyled(t *testing.T) {
	f := newFixture(4, 4)
	f.engine.done()
	h := newHarness(t, f.config(), 80, 24)
	golden.RequireEqual(t, h.m.Render())
	assert.Equal(t, h.screen(), stripANSI(h.m.Render()), "styles change no text")
	assert.NotEqual(t, h.screen(), h.m.Render(), "and are there")
}

// TestScreenProfiles pins the styled screen as a 16-colour and a
// 256-colour terminal receives it (the styles chosen for the profile, then
// downsampled by colorprofile as Bubble Tea does): in 16 colours red is
// only errors and URGENT, and the help is the terminal's own colours.
func TestScreenProfiles(t *testing.T) {
	// deeperColours are the SGR forms of colours a profile cannot show.
	deeperColours := map[colorprofile.Profile][]string{
		colorprofile.ANSI:    {"38;5;", "48;5;", "38;2;", "48;2;"},
		colorprofile.ANSI256: {"38;2;", "48;2;"},
	}
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
				for _, deeper := range deeperColours[p.prof] {
					assert.NotContains(t, b.String(), deeper, "no colour the profile lacks")
				}
			})
		}
	}
}
