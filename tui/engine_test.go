package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEngineProgress: stage progress shows a spinner and the stage; the
// result replaces it; a failure shows its error; updates for unknown ids
// are ignored; each update asks for the next one.
func TestEngineProgress(t *testing.T) {
	f := newFixture(3, 0)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	require.Equal(t, "case-0001", h.m.CurrentID())
	assert.Contains(t, h.screen(), "waiting for the pipeline")

	_, cmd := h.m.Update(engineUpdatedMsg{audit.Update{ItemID: "case-0001", Stage: audit.StageGrounding, Status: audit.StatusRunning}})
	require.NotNil(t, cmd, "reads the next update")
	assert.Equal(t, audit.StatusRunning, h.m.data.rows[0].status)
	assert.Equal(t, 1, h.m.data.running)
	assert.Contains(t, h.screen(), "running (grounding)…")
	assert.Contains(t, h.screen(), "1 running")

	h.send(engineUpdatedMsg{audit.Update{ItemID: "case-0001", Stage: audit.StageGrounding, Status: audit.StatusDone}})
	assert.Equal(t, audit.StatusRunning, h.m.data.rows[0].status, "a finished stage is not a finished item")

	res := resultFor("case-0001", 0)
	res.Cached = false
	h.send(engineUpdatedMsg{audit.Update{ItemID: "case-0001", Status: audit.StatusDone, Result: res}})
	assert.Equal(t, audit.StatusDone, h.m.data.rows[0].status)
	assert.Equal(t, 0, h.m.data.running)
	assert.Contains(t, h.screen(), "URGENT pneumothorax")

	failed := &audit.Result{ItemID: "case-0002", Status: audit.StatusError, Err: "draft: model \"x\" not found"}
	h.send(engineUpdatedMsg{audit.Update{ItemID: "case-0002", Status: audit.StatusError, Result: failed}})
	h.key("j")
	assert.Contains(t, h.screen(), "✗ failed: draft: model \"x\" not found")

	h.send(engineUpdatedMsg{audit.Update{ItemID: "unknown", Status: audit.StatusRunning}})
	assert.Equal(t, 0, h.m.data.running)
}

// TestResumeSkipsAdjudicated: reopening with verdicts for the first items
// starts at the first item still needing one, and a reviewer who already
// moved is not pulled away when the session arrives late.
func TestResumeSkipsAdjudicated(t *testing.T) {
	f := newFixture(4, 4)
	f.store.verdicts = []audit.Verdict{{ID: 1, ItemID: "case-0001", DisagreementKey: "pneumothorax/contradicted_by_image", Decision: audit.ImageRight, Annotator: "tester"}}
	f.store.nextID = 1
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	assert.Equal(t, "case-0002", h.m.CurrentID())

	m := New(h.m.ctx, f.config())
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(keyMsg("G"))
	m.Update(loadSession(m.ctx, f.store, "tester", false)())
	assert.Equal(t, "case-0004", m.CurrentID())
}

func TestNoticeAndBackground(t *testing.T) {
	f := newFixture(2, 2)
	f.engine.done()
	cfg := f.config()
	cfg.Styles = nil
	h := newHarness(t, cfg, 120, 40)
	h.send(NoticeMsg{Text: "store: disk full\x1b[2J", Err: true})
	assert.Equal(t, msgErr, h.m.msg.kind)
	assert.Equal(t, "store: disk full", h.m.msg.text)
	dark := h.m.styles
	h.send(tea.BackgroundColorMsg{Color: lightGray{}})
	assert.NotEqual(t, dark.Status.OK.GetForeground(), h.m.styles.Status.OK.GetForeground(), "light styles on a light background")
}

type lightGray struct{}

func (lightGray) RGBA() (r, g, b, a uint32) { return 0xeeee, 0xeeee, 0xeeee, 0xffff }

// TestExtraStatusShown: the caller's status text (the demo's "synthetic
// data" notice) and the research-use mark survive the narrowest screen.
func TestExtraStatusShown(t *testing.T) {
	f := newFixture(2, 2)
	f.engine.done()
	cfg := f.config()
	cfg.Extra = "DEMO · synthetic"
	h := newHarness(t, cfg, MinWidth+20, MinHeight)
	s := h.screen()
	assert.Contains(t, s, "DEMO · synthetic")
	assert.Contains(t, s, ResearchMark)
}

// TestResumeMessage: the resume message names the first item with a
// disagreement to adjudicate, or says that all are adjudicated; it used to
// say "first needing a verdict" of an item with nothing to adjudicate, on
// a fresh start and with everything done.
func TestResumeMessage(t *testing.T) {
	fresh := newFixture(3, 0)
	fresh.engine.done()
	h := newHarness(t, fresh.config(), 120, 40)
	assert.Equal(t, "no cached results yet: starting at the first item", h.m.msg.text)

	agree := newFixture(4, 4)
	agree.items = agree.items[3:] // case-0004: image and draft agree
	agree.engine.done()
	h = newHarness(t, agree.config(), 120, 40)
	assert.Equal(t, "1 cached result · all 0 disagreements adjudicated", h.m.msg.text)

	done := newFixture(2, 2)
	for _, k := range []string{"pneumothorax/contradicted_by_image"} {
		done.store.verdicts = append(done.store.verdicts, audit.Verdict{ID: 1, ItemID: "case-0001", DisagreementKey: k, Decision: audit.ImageRight, Annotator: "tester"})
	}
	done.store.verdicts = append(done.store.verdicts,
		audit.Verdict{ID: 2, ItemID: "case-0002", DisagreementKey: "pleural_effusion/missed_in_draft", Decision: audit.ImageRight, Annotator: "tester"},
		audit.Verdict{ID: 3, ItemID: "case-0002", DisagreementKey: "nodule_mass/missed_in_draft", Decision: audit.Unsure, Annotator: "tester"})
	done.store.nextID = 3
	done.engine.done()
	h = newHarness(t, done.config(), 120, 40)
	assert.Equal(t, "2 cached results · all 3 disagreements adjudicated", h.m.msg.text)

	some := newFixture(3, 2)
	some.store.verdicts = done.store.verdicts
	some.store.nextID = 3
	some.engine.done()
	h = newHarness(t, some.config(), 120, 40)
	assert.Equal(t, "case-0003", h.m.CurrentID())
	assert.Equal(t, "2 cached results · all 3 disagreements so far adjudicated · case-0003 is the first still to run", h.m.msg.text)
}
