package tui

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keyFixture opens 8 synthetic items at 120x40: items 1-6 cached (item k
// as resultFor), item 7 not run, item 8 failed.
func keyFixture(t *testing.T) (*harness, *fixture) {
	t.Helper()
	f := newFixture(8, 6)
	f.store.results["case-0008"] = errResult("case-0008")
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	require.Equal(t, "case-0001", h.m.CurrentID(), "opens at the first item needing a verdict")
	return h, f
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// lastView is the view of the last image request.
func lastView(f *fixture) ImageView {
	f.imager.mu.Lock()
	defer f.imager.mu.Unlock()
	return f.imager.reqs[len(f.imager.reqs)-1].View
}

func verdictsOf(f *fixture) []audit.Verdict {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	return f.store.current("", "")
}

// TestKeys presses every key of the key map (and the dialog keys) and
// checks what it did to the state, the store and the pipeline.
func TestKeys(t *testing.T) {
	tests := []struct {
		name   string
		before func(h *harness) // run before the keys (say, a resize)
		setup  []string         // keys pressed first
		press  []string         // the key(s) under test
		check  func(t *testing.T, h *harness, f *fixture)
	}{
		{"j next item", nil, nil, []string{"j"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "case-0002", h.m.CurrentID())
			assert.Equal(t, []string{"case-0002", "case-0003", "case-0004", "case-0005"}, f.engine.focused[len(f.engine.focused)-1],
				"the pipeline runs the current item first, then 3 ahead")
			assert.NotNil(t, h.m.data.rows.get(1).result, "the full cached result is loaded lazily")
		}},
		{"down next item", nil, nil, []string{"down"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "case-0002", h.m.CurrentID())
		}},
		{"k previous item", nil, []string{"j", "j"}, []string{"k"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "case-0002", h.m.CurrentID())
		}},
		{"up previous item", nil, []string{"j"}, []string{"up"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "case-0001", h.m.CurrentID())
		}},
		{"k stops at the top", nil, nil, []string{"k", "k"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "case-0001", h.m.CurrentID())
		}},
		{"G last item", nil, nil, []string{"G"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "case-0008", h.m.CurrentID())
		}},
		{"end last item", nil, nil, []string{"end"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "case-0008", h.m.CurrentID())
		}},
		{"g first item", nil, []string{"G"}, []string{"g"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "case-0001", h.m.CurrentID())
		}},
		{"home first item", nil, []string{"G"}, []string{"home"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "case-0001", h.m.CurrentID())
		}},
		{": opens the jump input", nil, nil, []string{":"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, modeJump, h.m.mode)
			assert.Contains(t, h.screen(), "jump to id:")
		}},
		{": enter jumps by exact id", nil, []string{":"}, nil, func(t *testing.T, h *harness, f *fixture) {
			h.typeText("case-0005")
			h.key("enter")
			assert.Equal(t, modeBrowse, h.m.mode)
			assert.Equal(t, "case-0005", h.m.CurrentID())
		}},
		{": ignores case, then takes a prefix", nil, []string{":"}, nil, func(t *testing.T, h *harness, f *fixture) {
			h.typeText("CASE-0003")
			h.key("enter")
			assert.Equal(t, "case-0003", h.m.CurrentID())
			h.key(":")
			h.typeText("case-000")
			h.key("enter")
			assert.Equal(t, "case-0001", h.m.CurrentID())
		}},
		{": unknown id says so", nil, []string{":"}, nil, func(t *testing.T, h *harness, f *fixture) {
			h.typeText("nope")
			h.key("enter")
			assert.Equal(t, "case-0001", h.m.CurrentID())
			assert.Contains(t, h.m.msg.text, "no item with id nope")
		}},
		{": esc cancels", nil, []string{":"}, []string{"x", "esc"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, modeBrowse, h.m.mode)
			assert.Equal(t, "case-0001", h.m.CurrentID())
		}},
		{": jump resets a filter hiding the item", nil, []string{"f", ":"}, nil, func(t *testing.T, h *harness, f *fixture) {
			h.typeText("case-0004")
			h.key("enter")
			assert.Equal(t, "case-0004", h.m.CurrentID())
			assert.Equal(t, FilterAll, h.m.nav.filter)
		}},
		{"/ searches ids and drafts as you type", nil, nil, []string{"/"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, modeSearch, h.m.mode)
			h.typeText("effusion")
			assert.Equal(t, []int{0, 1, 4, 5}, h.m.nav.visible, "drafts 1 and 2 mention effusion")
			assert.Contains(t, h.screen(), "search (4 items) /effusion")
			h.key("down")
			assert.Equal(t, "case-0002", h.m.CurrentID())
			h.key("ctrl+n")
			assert.Equal(t, "case-0005", h.m.CurrentID())
			h.key("ctrl+p")
			assert.Equal(t, "case-0002", h.m.CurrentID())
			h.key("up")
			assert.Equal(t, "case-0001", h.m.CurrentID())
			h.key("enter")
			assert.Equal(t, modeBrowse, h.m.mode)
			assert.Contains(t, h.screen(), "1/4 /effusion", "the kept search is in the worklist title")
			h.keys("/", "esc")
			assert.Len(t, h.m.nav.visible, 8, "esc clears it")
		}},
		{"f cycles the filters", nil, nil, []string{"f"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, FilterUrgent, h.m.nav.filter)
			assert.Equal(t, []int{0, 1, 4, 5}, h.m.nav.visible)
			h.key("f")
			assert.Equal(t, FilterUnadjudicated, h.m.nav.filter)
			assert.Equal(t, []int{0, 1, 2, 4, 5, 6}, h.m.nav.visible, "agreeing and failed items need no verdict; item 7 has no result yet")
			h.key("f")
			assert.Equal(t, FilterDisagreements, h.m.nav.filter)
			assert.Equal(t, []int{0, 1, 2, 4, 5}, h.m.nav.visible)
			h.key("f")
			assert.Equal(t, FilterDraftInDoubt, h.m.nav.filter)
			assert.Empty(t, h.m.nav.visible, "no draft reading is in doubt")
			h.key("f")
			assert.Equal(t, FilterErrors, h.m.nav.filter)
			assert.Equal(t, []int{7}, h.m.nav.visible, "only the failed item")
			assert.Equal(t, "case-0008", h.m.CurrentID(), "the cursor goes to the nearest match")
			assert.Equal(t, "filter: errors (1 item)", h.m.msg.text)
			h.key("f")
			assert.Equal(t, FilterFlagged, h.m.nav.filter)
			assert.Empty(t, h.m.nav.visible, "nothing flagged for later")
			h.key("f")
			assert.Equal(t, FilterAll, h.m.nav.filter)
		}},
		{"F cycles back", nil, nil, []string{"F"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, FilterFlagged, h.m.nav.filter)
			h.key("F")
			assert.Equal(t, FilterErrors, h.m.nav.filter)
		}},
		{"l flags for later and moves on; F lists the flagged", nil, nil, []string{"l"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "case-0002", h.m.CurrentID())
			assert.Contains(t, h.m.msg.text, "flagged case-0001 for later → case-0002")
			h.keys("F")
			assert.Equal(t, []int{0}, h.m.nav.visible)
			h.key("l")
			assert.Contains(t, h.m.msg.text, "flag taken off case-0001")
		}},
		{"number keys pick a preset", nil, []string{"3"}, []string{"1", "2", "4", "5"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, WindowPreset(4), lastView(f).Preset)
			assert.Contains(t, h.m.msg.text, "window: ")
		}},
		{"s puts urgent items first", nil, nil, []string{"s"}, func(t *testing.T, h *harness, f *fixture) {
			assert.True(t, h.m.nav.urgentFirst)
			assert.Equal(t, []int{0, 1, 4, 5, 2, 3, 6, 7}, h.m.nav.visible)
			h.key("s")
			assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7}, h.m.nav.visible)
		}},
		{"n next disagreement", nil, []string{"j"}, []string{"n"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, 1, h.m.nav.dis)
			ov := f.imager.reqs[len(f.imager.reqs)-1].Overlays
			require.Len(t, ov, 2)
			assert.True(t, ov[1].Selected, "the selected disagreement's box is emphasised")
			assert.False(t, ov[0].Selected)
		}},
		{"tab next disagreement wraps", nil, []string{"j"}, []string{"tab", "tab"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, 0, h.m.nav.dis)
		}},
		{"p previous disagreement wraps", nil, []string{"j"}, []string{"p"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, 1, h.m.nav.dis)
		}},
		{"shift+tab previous disagreement", nil, []string{"j", "n"}, []string{"shift+tab"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, 0, h.m.nav.dis)
		}},
		{"i image right saves and advances", nil, nil, []string{"i"}, func(t *testing.T, h *harness, f *fixture) {
			vs := verdictsOf(f)
			require.Len(t, vs, 1)
			assert.Equal(t, audit.Verdict{ID: 1, ItemID: "case-0001", DisagreementKey: "pneumothorax/contradicted_by_image",
				Label: "pneumothorax", Kind: "contradicted_by_image", Decision: audit.ImageRight, Annotator: "tester", At: vs[0].At}, vs[0])
			assert.Equal(t, stateSaved, h.m.data.mine["case-0001"]["pneumothorax/contradicted_by_image"].state)
			assert.Equal(t, "case-0002", h.m.CurrentID(), "the item is done: on to the next item needing a verdict")
			assert.Contains(t, h.m.msg.text, "saved ✓")
			assert.Equal(t, 1, h.m.SavedVerdicts())
		}},
		{"d draft right advances to the next disagreement", nil, []string{"j"}, []string{"d"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, audit.DraftRight, verdictsOf(f)[0].Decision)
			assert.Equal(t, "case-0002", h.m.CurrentID())
			assert.Equal(t, 1, h.m.nav.dis, "next disagreement of the same item")
			assert.Contains(t, h.m.msg.text, "→ next disagreement: nodule_mass")
		}},
		{"b both wrong", nil, []string{"j", "n"}, []string{"b"}, func(t *testing.T, h *harness, f *fixture) {
			vs := verdictsOf(f)
			require.Len(t, vs, 1)
			assert.Equal(t, audit.BothWrong, vs[0].Decision)
			assert.Equal(t, "nodule_mass/missed_in_draft", vs[0].DisagreementKey)
			assert.Equal(t, 0, h.m.nav.dis, "wraps to the first disagreement without a verdict")
		}},
		{"u unsure", nil, nil, []string{"u"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, audit.Unsure, verdictsOf(f)[0].Decision)
		}},
		{"verdict on an agreeing item does nothing", nil, []string{"j", "j", "j"}, []string{"i"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "case-0004", h.m.CurrentID())
			assert.Empty(t, verdictsOf(f))
			assert.Contains(t, h.m.msg.text, "nothing to judge", "no study words outside a study")
		}},
		{"verdict on a failed item says how to recover", nil, []string{"G"}, []string{"i"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Empty(t, verdictsOf(f))
			assert.Contains(t, h.m.msg.text, "R reruns it")
		}},
		{"a note: ctrl+s saves", nil, nil, []string{"a"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, modeNote, h.m.mode)
			h.typeText("see CT")
			h.key("ctrl+s")
			assert.Equal(t, modeBrowse, h.m.mode)
			require.Len(t, f.store.notes, 1)
			assert.Equal(t, audit.Note{ID: 1, ItemID: "case-0001", Annotator: "tester", Text: "see CT"}, f.store.notes[0])
			assert.Equal(t, "see CT", h.m.data.notes["case-0001"])
			assert.Contains(t, h.screen(), "✎ note: see CT")
		}},
		{"A notes the selected disagreement", nil, nil, []string{"A"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, modeNote, h.m.mode)
			assert.Equal(t, "pneumothorax/contradicted_by_image", h.m.note.dis)
		}},
		{"a note: esc cancels", nil, nil, []string{"a"}, func(t *testing.T, h *harness, f *fixture) {
			h.typeText("draft")
			h.key("esc")
			assert.Equal(t, modeBrowse, h.m.mode)
			assert.Empty(t, f.store.notes)
		}},
		{"z undoes the last verdict", nil, []string{"i"}, []string{"z"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Empty(t, verdictsOf(f))
			assert.Empty(t, h.m.data.mine["case-0001"])
			assert.Equal(t, "case-0001", h.m.CurrentID(), "back to the undone verdict")
			assert.Contains(t, h.m.msg.text, "undone ✓")
		}},
		{"z undo restores the previous verdict", nil, []string{"i", "k", "d"}, []string{"z"}, func(t *testing.T, h *harness, f *fixture) {
			vs := verdictsOf(f)
			require.Len(t, vs, 1)
			assert.Equal(t, audit.ImageRight, vs[0].Decision)
			assert.Equal(t, audit.ImageRight, h.m.data.mine["case-0001"]["pneumothorax/contradicted_by_image"].decision)
		}},
		{"ctrl+l redraws and changes nothing", nil, []string{"i"}, []string{"ctrl+l"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Len(t, verdictsOf(f), 1, "no verdict written, none undone")
			assert.Equal(t, modeBrowse, h.m.mode)
			assert.Contains(t, flatten(h.m.handleKey(keyMsg("ctrl+l"))), tea.ClearScreen())
		}},
		{"ctrl+z suspends and undoes nothing", nil, []string{"i", "k", "d"}, []string{"ctrl+z"}, func(t *testing.T, h *harness, f *fixture) {
			_, cmd := h.m.Update(keyMsg("ctrl+z"))
			require.NotNil(t, cmd)
			assert.IsType(t, tea.SuspendMsg{}, cmd(), "ctrl+z suspends the program (it used to undo)")
			vs := verdictsOf(f)
			require.Len(t, vs, 1)
			assert.Equal(t, audit.DraftRight, vs[0].Decision, "no undo")
			h.send(tea.ResumeMsg{})
			assert.Equal(t, modeBrowse, h.m.mode)
		}},
		{"z with nothing to undo", nil, nil, []string{"z"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Contains(t, h.m.msg.text, "nothing to undo")
		}},
		{"o toggles the boxes", nil, nil, []string{"o"}, func(t *testing.T, h *harness, f *fixture) {
			assert.False(t, h.m.look.showBoxes)
			assert.Empty(t, f.imager.reqs[len(f.imager.reqs)-1].Overlays)
			h.key("o")
			assert.Len(t, f.imager.reqs[len(f.imager.reqs)-1].Overlays, 2)
		}},
		{"[ narrows the window", nil, nil, []string{"["}, func(t *testing.T, h *harness, f *fixture) {
			assert.InDelta(t, 0.8, lastView(f).Window.Width, 1e-9)
		}},
		{"] widens the window", nil, nil, []string{"]"}, func(t *testing.T, h *harness, f *fixture) {
			assert.InDelta(t, 1.25, lastView(f).Window.Width, 1e-9)
		}},
		{"{ darker", nil, nil, []string{"{"}, func(t *testing.T, h *harness, f *fixture) {
			assert.InDelta(t, -0.05, lastView(f).Window.Brightness, 1e-9)
		}},
		{"} brighter", nil, nil, []string{"}"}, func(t *testing.T, h *harness, f *fixture) {
			assert.InDelta(t, 0.05, lastView(f).Window.Brightness, 1e-9)
			assert.Contains(t, h.screen(), "case-0001 · default*")
		}},
		{"= resets the window and preset", nil, []string{"[", "}", "w"}, []string{"="}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, DefaultWindowAdjust(), lastView(f).Window)
			assert.Equal(t, PresetDefault, lastView(f).Preset)
		}},
		{"w W cycle the presets", nil, []string{"["}, []string{"w", "W", "W"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, PresetBone, lastView(f).Preset, "w once, W twice")
			assert.Equal(t, DefaultWindowAdjust(), lastView(f).Window, "a preset starts unadjusted")
			assert.Contains(t, h.screen(), "· bone")
		}},
		{"v inverts", nil, nil, []string{"v"}, func(t *testing.T, h *harness, f *fixture) {
			assert.True(t, lastView(f).Invert)
			assert.Contains(t, h.screen(), "· inverted")
		}},
		{"+ zooms in, - out", nil, []string{"+"}, []string{"+", "-"}, func(t *testing.T, h *harness, f *fixture) {
			assert.InDelta(t, 1.5, lastView(f).Zoom, 1e-9)
			assert.Contains(t, h.screen(), "zoom 1.5×")
		}},
		{"0 shows the whole image", nil, []string{"+", "+", "L"}, []string{"0"}, func(t *testing.T, h *harness, f *fixture) {
			assert.False(t, lastView(f).Zoomed())
			assert.Equal(t, schema.Box{Y1: 1, X1: 1}, lastView(f).Region())
		}},
		{"H L K J shift+arrows pan", nil, []string{"+", "+"}, []string{"L", "L", "J", "shift+right", "shift+left", "H", "K", "shift+up", "shift+down"}, func(t *testing.T, h *harness, f *fixture) {
			v := lastView(f)
			// 2.25x shows 0.444 of the image: a step is 0.111; the third step
			// right stops at the edge (0.778), then two steps left.
			assert.InDelta(t, 1-0.5/2.25-2*0.25/2.25, v.CenterX, 1e-9)
			assert.InDelta(t, 0.5, v.CenterY, 1e-9)
		}},
		{"Z zooms to the selected box", nil, nil, []string{"Z"}, func(t *testing.T, h *harness, f *fixture) {
			v := lastView(f)
			// pneumothorax box 0.1..0.3 x 0.1..0.35: 0.25 wide with a 1.4 margin.
			assert.InDelta(t, 1/(1.4*0.25), v.Zoom, 1e-9)
			r := v.Region()
			assert.True(t, r.X0 <= 0.1 && r.X1 >= 0.35 && r.Y0 <= 0.1 && r.Y1 >= 0.3, "the box is in view: %v", r)
			h.key("j")
			assert.False(t, lastView(f).Zoomed(), "moving to another item shows it whole")
		}},
		{"r opens the raw output", nil, nil, []string{"r"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, modeRaw, h.m.mode)
			s := h.screen()
			assert.Contains(t, s, "raw model output · case-0001")
			assert.Contains(t, s, `{"findings": []}`)
			h.key("pgdown")
			assert.Contains(t, h.screen(), "the draft says no pneumothorax", "thinking is shown")
			h.key("esc")
			assert.Equal(t, modeBrowse, h.m.mode)
		}},
		{"R reruns ignoring the cache", nil, nil, []string{"R"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, []string{"case-0001"}, f.engine.reruns)
			assert.Equal(t, audit.StatusQueued, h.m.data.rows.get(0).status)
		}},
		{"? expands the help", nil, nil, []string{"?"}, func(t *testing.T, h *harness, f *fixture) {
			assert.True(t, h.m.panes.help.ShowAll)
			assert.Greater(t, h.m.layout.Help.H, 1)
			assert.Contains(t, h.screen(), "undo")
			h.key("?")
			assert.Equal(t, 1, h.m.layout.Help.H)
		}},
		{"q quits", nil, nil, []string{"q"}, func(t *testing.T, h *harness, f *fixture) {
			assert.True(t, h.quit)
		}},
		{"ctrl+c quits", nil, nil, []string{"ctrl+c"}, func(t *testing.T, h *harness, f *fixture) {
			assert.True(t, h.quit)
		}},
		{"raw: down scrolls down, up up", func(h *harness) { h.send(tea.WindowSizeMsg{Width: 80, Height: 24}) }, []string{"r"}, []string{"down", "down"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, 2, h.m.raw.vp.YOffset())
			h.key("up")
			assert.Equal(t, 1, h.m.raw.vp.YOffset())
		}},
		{"raw: j and k scroll, as in a pager", func(h *harness) { h.send(tea.WindowSizeMsg{Width: 80, Height: 24}) }, []string{"r"}, []string{"j", "j"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, modeRaw, h.m.mode)
			assert.Equal(t, "case-0001", h.m.CurrentID(), "j scrolls; it does not change the item")
			assert.Equal(t, 2, h.m.raw.vp.YOffset())
			h.key("k")
			assert.Equal(t, 1, h.m.raw.vp.YOffset())
		}},
		{"raw: ? shows the viewer's keys, any key closes them", nil, []string{"r"}, []string{"?"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Contains(t, h.screen(), "keys here · any key closes")
			assert.Contains(t, h.screen(), "scroll down")
			h.key("i")
			assert.Empty(t, verdictsOf(f), "the key that closes the keys does nothing else")
			assert.Equal(t, modeRaw, h.m.mode)
			assert.NotContains(t, h.screen(), "keys here")
		}},
		{"note: f1 shows the editor's keys", nil, []string{"a"}, []string{"?", "f1"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, "?", h.m.note.area.Value(), "? is text in the editor")
			assert.Contains(t, h.screen(), "save note")
			h.key("esc")
			assert.Equal(t, modeNote, h.m.mode, "esc closed the keys, not the editor")
		}},
		{"raw: verdict keys judge the selected disagreement", nil, []string{"j", "r", "n"}, []string{"u"}, func(t *testing.T, h *harness, f *fixture) {
			vs := verdictsOf(f)
			require.Len(t, vs, 1, "u gives a verdict in the viewer (it used to scroll half a page)")
			assert.Equal(t, "nodule_mass/missed_in_draft", vs[0].DisagreementKey)
			assert.Equal(t, audit.Unsure, vs[0].Decision)
			assert.Equal(t, modeRaw, h.m.mode)
			assert.Contains(t, h.screen(), "1/2 pleural_effusion: no verdict", "the title names what the next verdict is for")
		}},
		{"raw: ctrl+d half page down", func(h *harness) { h.send(tea.WindowSizeMsg{Width: 80, Height: 24}) }, []string{"r"}, []string{"ctrl+d"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Positive(t, h.m.raw.vp.YOffset())
		}},
		{"raw: ctrl+u half page up", func(h *harness) { h.send(tea.WindowSizeMsg{Width: 80, Height: 24}) }, []string{"r", "ctrl+d"}, []string{"ctrl+u"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Zero(t, h.m.raw.vp.YOffset())
		}},
		{"raw: space pages down", func(h *harness) { h.send(tea.WindowSizeMsg{Width: 80, Height: 24}) }, []string{"r"}, []string{"space"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Positive(t, h.m.raw.vp.YOffset())
		}},
		{"raw: pgdown pages down, pgup up", func(h *harness) { h.send(tea.WindowSizeMsg{Width: 80, Height: 24}) }, []string{"r", "pgdown"}, []string{"pgup"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Zero(t, h.m.raw.vp.YOffset())
		}},
		{"raw: q closes the viewer, not the workstation", nil, []string{"r"}, []string{"q"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, modeBrowse, h.m.mode)
			assert.False(t, h.quit)
		}},
		{"raw: r closes the viewer", nil, []string{"r"}, []string{"r"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, modeBrowse, h.m.mode)
		}},
		{"raw: ctrl+c quits", nil, []string{"r"}, []string{"ctrl+c"}, func(t *testing.T, h *harness, f *fixture) {
			assert.True(t, h.quit)
		}},
		{"note: ctrl+c quits, never types", nil, []string{"a"}, []string{"ctrl+c"}, func(t *testing.T, h *harness, f *fixture) {
			assert.True(t, h.quit)
			assert.Empty(t, h.m.note.area.Value())
		}},
		{"jump: ctrl+c quits", nil, []string{":"}, []string{"ctrl+c"}, func(t *testing.T, h *harness, f *fixture) {
			assert.True(t, h.quit)
		}},
		{"help: esc closes it", nil, []string{"?"}, []string{"esc"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, modeBrowse, h.m.mode)
			assert.False(t, h.m.panes.help.ShowAll)
			assert.Equal(t, 1, h.m.layout.Help.H)
		}},
		{"help: browse keys keep working", nil, []string{"?"}, []string{"j"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, modeHelp, h.m.mode)
			assert.Equal(t, "case-0002", h.m.CurrentID())
		}},
		{"metrics: M shows the table against the truth", nil, nil, []string{"M"}, func(t *testing.T, h *harness, f *fixture) {
			assert.True(t, h.m.metrics.on)
			assert.Contains(t, h.screen(), "no item with truth has its findings yet")
		}},
		{"truth: c, X, e, ( and ) correct the truth", func(h *harness) {
			h.m.data.items[0].Truth, h.m.data.items[0].HasTruth = []schema.Finding{}, true
		}, []string{"t"}, []string{"c", "X", "e", "(", ")"}, func(t *testing.T, h *harness, f *fixture) {
			// c takes the model's effusion into the truth; the row becomes a
			// match, X removes it again; ( ) find no truth box on the row
			// now selected.
			require.Len(t, f.store.corrections, 2)
			assert.Equal(t, audit.CorrectAccept, f.store.corrections[0].Action)
			assert.Equal(t, audit.CorrectRemove, f.store.corrections[1].Action)
			assert.Equal(t, 1, h.m.truth.edge, "e picked the left edge")
		}},
		{"truth: T filters, O orders", nil, []string{"t"}, []string{"T", "O"}, func(t *testing.T, h *harness, f *fixture) {
			assert.Equal(t, TruthFilterErrors, h.m.truth.filter)
			assert.Equal(t, truthOrderUrgentMissed, h.m.truth.order)
		}},
		{"truth: t shows the truth view", nil, nil, []string{"t"}, func(t *testing.T, h *harness, f *fixture) {
			assert.True(t, h.m.truth.on)
			assert.Contains(t, h.screen(), "no truth for this item")
		}},
		{"truth: m and y triage the rows", func(h *harness) {
			h.m.data.items[0].Truth, h.m.data.items[0].HasTruth = []schema.Finding{}, true
		}, []string{"t"}, []string{"m", "y"}, func(t *testing.T, h *harness, f *fixture) {
			got := map[string]audit.Decision{}
			for _, v := range f.store.current("case-0001", "tester") {
				got[v.DisagreementKey] = v.Decision
			}
			assert.Equal(t, map[string]audit.Decision{"truth:pleural_effusion/spurious/t-/p0": audit.ModelWrong,
				"truth:pneumothorax/spurious/t-/p1": audit.Ambiguous}, got)
		}},
		{"compare: 1 2 3 4 judge the differences in turn", startCompare, nil, []string{"1", "2", "3", "4"}, func(t *testing.T, h *harness, f *fixture) {
			got := map[string]audit.Preference{}
			for k, e := range h.m.cmp.mine["case-0001"] {
				assert.Equal(t, stateSaved, e.state, k)
				got[k] = e.pref
			}
			assert.Equal(t, map[string]audit.Preference{
				"pleural_effusion/moved/a0/b0": audit.PreferA, "pneumothorax/only_a/a1/b-": audit.PreferB,
				"nodule_mass/only_a/a2/b-": audit.PreferBothRight, "cardiomegaly/only_b/a-/b1": audit.PreferBothWrong,
			}, got)
			assert.Contains(t, h.screen(), "B vs A: 1 win, 1 loss, 2 ties")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, f := keyFixture(t)
			if tt.before != nil {
				tt.before(h)
			}
			h.keys(tt.setup...)
			h.keys(tt.press...)
			tt.check(t, h, f)
		})
	}

	// Every binding of the key map is exercised above.
	pressed := map[string]bool{}
	for _, tt := range tests {
		for _, k := range append(append([]string{}, tt.setup...), tt.press...) {
			pressed[k] = true
		}
	}
	for _, k := range []string{"enter", "ctrl+s", "ctrl+n", "ctrl+p"} {
		pressed[k] = true // typed inside the checks
	}
	km := reflect.ValueOf(DefaultKeyMap())
	for i := 0; i < km.NumField(); i++ {
		b := km.Field(i).Interface().(key.Binding)
		for _, k := range b.Keys() {
			assert.True(t, pressed[k], "key %q (%s) is not tested", k, km.Type().Field(i).Name)
		}
	}
}

// TestQuitWaitsForWrites: quitting with a verdict still being written
// waits for it; asking twice quits at once.
func TestQuitWaitsForWrites(t *testing.T) {
	f := newFixture(3, 3)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	_, saveCmd := h.m.Update(keyMsg("i")) // not run yet: the write is in flight
	require.Equal(t, 1, h.m.Pending())
	_, cmd := h.m.Update(keyMsg("q"))
	h.run(cmd)
	assert.False(t, h.quit, "does not quit before the verdict is durable")
	assert.Contains(t, h.m.msg.text, "will quit when saved")
	h.run(saveCmd)
	assert.True(t, h.quit, "quits once saved")
	assert.Len(t, verdictsOf(f), 1)

	h2 := newHarness(t, f.config(), 120, 40)
	h2.m.Update(keyMsg("d"))
	h2.m.Update(keyMsg("q"))
	_, cmd = h2.m.Update(keyMsg("q"))
	h2.run(cmd)
	assert.True(t, h2.quit, "a second q quits anyway")
}

// TestFailedSaveStaysUnsaved: a verdict the store refused is shown NOT
// SAVED, does not count as adjudicated, and pressing the key again saves it.
func TestFailedSaveStaysUnsaved(t *testing.T) {
	f := newFixture(3, 3)
	f.store.failSaves = 1
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.key("i")
	e := h.m.data.mine["case-0001"]["pneumothorax/contradicted_by_image"]
	require.NotNil(t, e)
	assert.Equal(t, stateFailed, e.state)
	assert.Equal(t, msgErr, h.m.msg.kind)
	assert.Contains(t, h.m.msg.text, "NOT saved")
	assert.False(t, h.m.data.adjudicated(0))
	assert.Equal(t, 0, h.m.SavedVerdicts())

	h.key("k")
	assert.Contains(t, h.screen(), "image right NOT SAVED")
	h.key("i")
	assert.Equal(t, stateSaved, h.m.data.mine["case-0001"]["pneumothorax/contradicted_by_image"].state)
	assert.Len(t, verdictsOf(f), 1)
}

// TestSavingShownBeforeSaved: between the key and the store's answer the
// verdict reads "saving…", never "saved".
func TestSavingShownBeforeSaved(t *testing.T) {
	f := newFixture(3, 3)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.key("j")
	_, saveCmd := h.m.Update(keyMsg("i"))
	s := h.screen()
	assert.Contains(t, s, "image right saving…")
	assert.NotContains(t, s, "saved ✓")
	h.run(saveCmd)
	assert.Contains(t, h.screen(), "image right saved ✓")
}

// TestOthersVerdicts: other annotators' verdicts show unless --blind.
func TestOthersVerdicts(t *testing.T) {
	for _, blind := range []bool{false, true} {
		f := newFixture(3, 3)
		f.store.verdicts = []audit.Verdict{{ID: 1, ItemID: "case-0001", DisagreementKey: "pneumothorax/contradicted_by_image", Decision: audit.DraftRight, Annotator: "bob"}}
		f.store.nextID = 1
		f.engine.done()
		cfg := f.config()
		cfg.Blind = blind
		h := newHarness(t, cfg, 120, 40)
		s := h.screen()
		if blind {
			assert.NotContains(t, s, "bob")
			assert.NotContains(t, strings.Join(f.store.calls, ","), "AllVerdicts,AllVerdicts")
		} else {
			assert.Contains(t, s, "others: bob: draft right")
		}
		assert.Equal(t, "case-0001", h.m.CurrentID(), "bob's verdict does not adjudicate it for tester")
	}
}

// TestHelpFollowsMode: the help line lists only the keys that work in the
// current mode (it used to list the verdict keys in the note editor and
// the raw viewer).
func TestHelpFollowsMode(t *testing.T) {
	tests := []struct {
		mode     string
		keys     []string
		want     []string
		wantNone []string
	}{
		{"browse", nil, []string{"? all keys", "i image right", "q quit"}, []string{"ctrl+s", "close"}},
		{"help", []string{"?"}, []string{"?/esc close help", "i      image right"}, []string{"? all keys"}},
		{"note", []string{"a"}, []string{"f1 all keys", "ctrl+s save note", "esc close (keeps a draft)", "ctrl+c quit"}, []string{"image right", "j/k item", "? all keys"}},
		{"raw", []string{"r"}, []string{"? all keys", "esc/r/q close", "j/k scroll", "pgdown/pgup page", "i image right"}, []string{"j/k item", "q quit"}},
		{"jump", []string{":"}, []string{"f1 all keys", "enter go", "esc cancel"}, []string{"image right", "? all keys"}},
		{"search", []string{"/"}, []string{"f1 all keys", "↓/↑ match", "enter keep the search", "esc clear it"}, []string{"image right", "? all keys"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			h, _ := keyFixture(t)
			h.keys(tt.keys...)
			lines := strings.Split(h.screen(), "\n")
			help := strings.Join(lines[len(lines)-h.m.layout.Help.H:], "\n")
			for _, s := range tt.want {
				assert.Contains(t, help, s)
			}
			for _, s := range tt.wantNone {
				assert.NotContains(t, help, s)
			}
		})
	}
}

// TestFullHelpShowsEveryKey: the help screen lists every browse binding
// at every size from 80x24 up, wrapping its columns (at 100 columns it
// used to drop the fourth).
func TestFullHelpShowsEveryKey(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {100, 30}, {120, 40}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			h, _ := keyFixture(t)
			h.send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			h.key("?")
			s := h.screen()
			for _, b := range h.m.keys.browse() {
				if !b.Enabled() {
					continue
				}
				assert.Contains(t, s, b.Help().Key)
				if !strings.HasPrefix(b.Help().Desc, "pan ") { // shown in pairs: "H/L pan left/right"
					assert.Contains(t, s, b.Help().Desc, "key %s", b.Help().Key)
				}
			}
			assert.Contains(t, s, "close help")
		})
	}
}
