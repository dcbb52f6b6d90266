package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/cxr-auditor/cxr-auditor/audit"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blockedMsg is what review sends when the grounding model is missing on
// every host (the text is the pipeline's *ModelError, fix included).
var blockedMsg = ModelsMsg{Blocked: "grounding model \"medgemma-cxr\" is not on any host (http://127.0.0.1:11434)\n" +
	"fix: OLLAMA_HOST=http://127.0.0.1:11434 ollama create medgemma-cxr -f Modelfile.grounding\x1b[2J"}

// TestModelsBlocked: a model that cannot run anywhere is a blocking
// message over the panes, with the fix as sent (sanitized); verdict keys do
// nothing while it shows; esc closes it for the cached results, and the
// status bar keeps saying that no new result comes.
func TestModelsBlocked(t *testing.T) {
	f := newFixture(3, 3)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.send(blockedMsg)
	s := h.screen()
	assert.Contains(t, s, "models unavailable · esc reviews cached results · q quits")
	assert.Contains(t, s, "fix: OLLAMA_HOST=http://127.0.0.1:11434 ollama create medgemma-cxr")
	assert.NotContains(t, s, "\x1b[2J")
	assert.Contains(t, s, "MODELS UNAVAILABLE")
	assert.Contains(t, s, "esc review cached results", "the help line is the overlay's")

	h.keys("i", "j", "a")
	assert.Empty(t, f.store.verdicts, "no verdict through the overlay")
	assert.Equal(t, "case-0001", h.m.CurrentID(), "no move through the overlay")
	require.Equal(t, modeBlocked, h.m.mode)

	h.key("esc")
	assert.Equal(t, modeBrowse, h.m.mode)
	s = h.screen()
	assert.NotContains(t, s, "esc reviews cached results")
	assert.Contains(t, s, "MODELS UNAVAILABLE")
	assert.Contains(t, s, "no new results this session: grounding model")
	h.key("i")
	assert.Len(t, f.store.verdicts, 1, "cached results take verdicts once the message is closed")
}

// TestModelsBlockedQuit: q quits from the blocking message.
func TestModelsBlockedQuit(t *testing.T) {
	f := newFixture(1, 1)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.send(blockedMsg)
	h.key("q")
	assert.True(t, h.quit)
}

// TestModelsOffline: with no host answering, the status bar says the
// results are cached only and the message line says why; a later all-clear
// removes the badge.
func TestModelsOffline(t *testing.T) {
	f := newFixture(2, 2)
	f.engine.done()
	h := newHarness(t, f.config(), 80, 24)
	h.send(ModelsMsg{Offline: true, Detail: "no Ollama host answered (http://127.0.0.1:9)"})
	s := h.screen()
	assert.Contains(t, s, "OFFLINE · ")
	assert.Contains(t, s, "· tester ·", "who stays visible at 80 columns with the badge")
	h.send(tea.WindowSizeMsg{Width: 200, Height: 60})
	assert.Contains(t, h.screen(), "OFFLINE (cached only)", "the long form where there is room")
	assert.Equal(t, msgErr, h.m.msg.kind)
	assert.Contains(t, h.m.msg.text, "cached results are shown (model digests unverified)")
	h.send(ModelsMsg{})
	assert.NotContains(t, h.screen(), "OFFLINE")
}

// TestOfflineEndsWithAComputedResult: a cached result leaves the offline
// badge; the first computed one removes it and says so.
func TestOfflineEndsWithAComputedResult(t *testing.T) {
	f := newFixture(3, 1)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.send(ModelsMsg{Offline: true})
	cached := resultFor("case-0002", 1)
	cached.Cached = true
	h.send(engineUpdatedMsg{audit.Update{ItemID: "case-0002", Status: audit.StatusDone, Result: cached}})
	assert.Contains(t, h.screen(), "OFFLINE")
	fresh := resultFor("case-0003", 2)
	fresh.Cached = false
	h.send(engineUpdatedMsg{audit.Update{ItemID: "case-0003", Status: audit.StatusDone, Result: fresh}})
	assert.NotContains(t, h.screen(), "OFFLINE")
	assert.Contains(t, h.m.msg.text, "answers again")
}

// TestModelsBlockedHidesThePicture: a picture drawn at the cursor (kitty
// here, sixel alike) would stay over the blocking message: it is deleted
// while the message shows and drawn again once it is closed (xterm drew
// the sixel radiograph over the message's text).
func TestModelsBlockedHidesThePicture(t *testing.T) {
	h := kittyFixture(t)
	require.True(t, h.m.img.visible)
	n := len(h.raws)
	h.send(blockedMsg)
	assert.False(t, h.m.img.visible, "the message covers the image pane")
	assert.Equal(t, []string{kittyRelease}, h.raws[n:], "deleted, else it would stay over the message")
	h.key("esc")
	assert.True(t, h.m.img.visible, "back once the message is closed")
}
