package tui

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// sgr matches the only escape sequences the workstation itself writes in
// the view: colours and attributes.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// TestHostileTextNeutralised: a draft, an id, a file name, a model output,
// an error and a note carrying screen-clearing, clipboard-writing (OSC 52)
// and title-setting sequences reach the screen as inert text.
func TestHostileTextNeutralised(t *testing.T) {
	const hostile = "\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x1b\\\u009b31m\x07\r"
	f := newFixture(3, 3)
	f.items[0].ID = "case-0001" + hostile
	f.items[0].Draft = "Small left pleural effusion." + hostile + " No pneumothorax."
	f.items[0].ImagePath = "/data/x" + hostile + ".png"
	r := resultFor(f.items[0].ID, 0)
	r.Grounding.Raw = "{" + hostile + "}"
	r.Draft.Thinking = hostile
	r.Report.Disagreements[0].DraftSpans = []string{"No pneumothorax" + hostile}
	f.store.results = map[string]storeResult{}
	f.store.results[f.items[0].ID] = storeResultOf(r)
	f.engine.results = map[string]*pipelineResult{f.items[0].ID: r}
	f.store.results["case-0002"] = errResultWith("case-0002", "grounding: "+hostile)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)

	check := func(name string) {
		t.Helper()
		s := sgr.ReplaceAllString(h.m.Render(), "")
		for i, r := range s {
			if r == '\n' {
				continue
			}
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
				t.Fatalf("%s: control %U reaches the screen at byte %d: %q", name, r, i, s[max(0, i-20):min(len(s), i+20)])
			}
		}
		assert.NotContains(t, s, "pwned\x07", name)
	}
	check("main screen")
	assert.Contains(t, stripANSI(h.m.Render()), "Small left pleural effusion.")
	h.key("r")
	check("raw output")
	h.key("esc")
	h.key("a")
	h.typeText("note")
	h.key("ctrl+s")
	h.m.data.notes[h.m.CurrentID()] = "see" + hostile
	h.m.syncPanes() // set behind Update's back: hand it to the panes
	check("note")
	h.key("j")
	check("failed item")
	assert.Contains(t, stripANSI(h.m.Render()), "grounding:")
}
