package tui

import (
	"context"

	"strings"
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
	assert.Equal(t, audit.StatusRunning, h.m.data.rows.get(0).status)
	assert.Equal(t, 1, h.m.data.running)
	assert.Contains(t, h.screen(), "running (grounding)…")
	assert.Contains(t, h.screen(), "1 running")

	h.send(engineUpdatedMsg{audit.Update{ItemID: "case-0001", Stage: audit.StageGrounding, Status: audit.StatusDone}})
	assert.Equal(t, audit.StatusRunning, h.m.data.rows.get(0).status, "a finished stage is not a finished item")

	res := resultFor("case-0001", 0)
	res.Cached = false
	h.send(engineUpdatedMsg{audit.Update{ItemID: "case-0001", Status: audit.StatusDone, Result: res}})
	assert.Equal(t, audit.StatusDone, h.m.data.rows.get(0).status)
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
	loadAll(m, loadSession(m.ctx, f.store, m.data.finder(), "tester", false))
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
	cfg.Extra = "DEMO · synthetic phantoms · recorded outputs"
	cfg.Blind = true
	h := newHarness(t, cfg, MinWidth+20, MinHeight)
	s := h.screen()
	assert.Contains(t, s, "DEMO")
	assert.Contains(t, s, ResearchMarkShort)
	// Who and the graphics mode stay visible at 80 columns (they used to
	// show only from about 220): hosts and models give way first.
	assert.Contains(t, s, "· tester (blind) ·")
	assert.Contains(t, s, "gfx: text")
	assert.Contains(t, s, "0 verdicts")
	h = newHarness(t, cfg, 200, 60)
	s = h.screen()
	assert.Contains(t, s, "DEMO · synthetic phantoms · recorded outputs")
	assert.Contains(t, s, ResearchMark)
	assert.Contains(t, s, "0 verdicts saved")
	assert.Contains(t, s, "medgemma-4b / medgemma-27b")
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

// TestSalvageMarkOnItsStage: the salvage warning sits on the pane of the
// stage that was salvaged (it was always on the draft pane).
func TestSalvageMarkOnItsStage(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		grounding, draft     bool
		onImage, onDraftPane bool
	}{
		{"grounding", true, false, true, false},
		{"draft", false, true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(2, 2)
			r := f.engine.results["case-0001"]
			r.Salvaged = true
			r.Grounding.Diagnostics.Salvaged = tc.grounding
			r.Draft.Diagnostics.Salvaged = tc.draft
			f.engine.done()
			h := newHarness(t, f.config(), 160, 40)
			s := h.screen()
			assert.Equal(t, tc.onImage, strings.Contains(s, "findings salvaged"), s)
			assert.Equal(t, tc.onDraftPane, strings.Contains(s, "draft parse salvaged"))
		})
	}
}

// TestRawDurationsRounded: the raw viewer rounds durations (it showed
// "2.493128048s").
func TestRawDurationsRounded(t *testing.T) {
	f := newFixture(1, 1)
	f.engine.results["case-0001"].Grounding.TotalDuration = 2493128048
	f.engine.results["case-0001"].Grounding.LoadDuration = 123456789
	f.engine.done()
	h := newHarness(t, f.config(), 160, 40)
	h.key("r")
	s := h.screen()
	assert.Contains(t, s, "total 2.49s  load 123ms")
}

// TestIDsTruncatedInTheMiddle: long ids keep their distinguishing end.
func TestIDsTruncatedInTheMiddle(t *testing.T) {
	f := newFixture(2, 2)
	f.items[0].ID = "demo-2024-site-a-series-0001"
	f.items[1].ID = "demo-2024-site-a-series-0002"
	f.engine.done()
	h := newHarness(t, f.config(), 80, 24)
	s := h.screen()
	assert.Contains(t, s, "▸· …0001", "the shared prefix gives way first")
	assert.Contains(t, s, " · …0002")
	assert.Contains(t, s, "╭─ …0001 ─", "the image pane title too")
	assert.Equal(t, "ab…yz", truncateMiddle("abcdefghijklmnopqrstuvwxyz", 5))
	assert.Equal(t, "demo-", sharedIDPrefix([]string{"demo-03-normal", "demo-04-effusion"}))
	assert.Equal(t, "…03-normal", fitID("demo-03-normal", "demo-", 10))
	assert.Equal(t, "…03-…mal", fitID("demo-03-normal", "demo-", 8))
	assert.Equal(t, "…0001 · lung · W 40", fitTitle("demo-2024-site-a-series-0001", "demo-2024-site-a-series-", " · lung · W 40", 20),
		"the readout after the id stays")
	assert.Equal(t, "short", truncateMiddle("short", 5))
}

// TestSessionFromSummaries: at open the worklist learns each cached item's
// status, urgency and number of disagreements from the store's summaries
// alone (a million reports are not decoded); only the item
// opened has its full result looked up, and its disagreements then show.
func TestSessionFromSummaries(t *testing.T) {
	f := newFixture(8, 6)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	assert.Contains(t, f.store.calls, "ResultSummaries")
	assert.Equal(t, []string{"case-0001"}, f.engine.lookups, "only the item on screen is looked up")
	r2, r3 := h.m.worklistRow(1), h.m.worklistRow(2)
	assert.True(t, r2.known && r2.urgent && r2.count == 2, "urgency and count from the summary, without a lookup: %+v", r2)
	assert.True(t, r3.known && !r3.urgent && r3.count == 1, "%+v", r3)
	assert.Contains(t, h.screen(), "1 URGENT pneumothorax", "the opened item's disagreements")

	h.key("f") // urgent: decided from the summaries
	assert.Equal(t, []int{0, 1, 4, 5}, h.m.nav.visible)
	assert.Equal(t, []string{"case-0001"}, f.engine.lookups, "filtering looks nothing up")
}

// TestResumeFromSummaries: verdicts on items whose report is not loaded yet
// count against the summary's number of disagreements, so the reopened
// session resumes past them without looking them up.
func TestResumeFromSummaries(t *testing.T) {
	f := newFixture(4, 4)
	f.store.verdicts = []audit.Verdict{
		{ID: 1, ItemID: "case-0001", DisagreementKey: "pneumothorax/contradicted_by_image", Decision: audit.ImageRight, Annotator: "tester"},
		{ID: 2, ItemID: "case-0002", DisagreementKey: "pleural_effusion/missed_in_draft", Decision: audit.ImageRight, Annotator: "tester"},
		{ID: 3, ItemID: "case-0002", DisagreementKey: "nodule_mass/missed_in_draft", Decision: audit.Unsure, Annotator: "tester"},
	}
	f.store.nextID = 3
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	assert.Equal(t, "case-0003", h.m.CurrentID())
	assert.Equal(t, []string{"case-0003"}, f.engine.lookups)
	assert.Contains(t, h.m.msg.text, "(1 of 4 open)")
}

// TestVerdictWaitsForDisagreements: while an item's full result is being
// looked up, the pane says its disagreements are loading (not that image
// and draft agree) and a verdict key gives no verdict, saying why.
func TestVerdictWaitsForDisagreements(t *testing.T) {
	f := newFixture(4, 4)
	f.engine.done()
	m := New(t.Context(), f.config())
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	loadAll(m, loadSession(m.ctx, f.store, m.data.finder(), "tester", false)) // the lookup it asks for is not run
	require.Equal(t, "case-0001", m.CurrentID())
	v := m.View().Content
	assert.Contains(t, v, "loading 1 disagreement…")
	assert.NotContains(t, v, "image and draft agree")
	_, cmd := m.Update(keyMsg("i"))
	assert.Nil(t, cmd, "nothing saved")
	assert.Contains(t, m.msg.text, "still loading the disagreements of case-0001")
}

// TestSessionStreams: the session arrives in parts, verdicts first, then
// the summaries in growing chunks, so a long worklist fills in while the
// query runs; the resume waits for the last part. Cancelling the
// program's context stops the query's goroutine.
func TestSessionStreams(t *testing.T) {
	f := newFixture(5000, 5000)
	f.engine.done()
	m := New(t.Context(), f.config())
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	cmd := loadSession(m.ctx, f.store, m.data.finder(), "tester", false)

	part := cmd().(sessionLoadedMsg)
	require.False(t, part.done)
	assert.Empty(t, part.summaries, "verdicts come first")
	_, cmd = m.Update(part)
	part = cmd().(sessionLoadedMsg)
	assert.Len(t, part.summaries, firstChunk)
	_, cmd = m.Update(part)
	assert.Equal(t, firstChunk, m.data.cachedSeen)
	assert.False(t, m.Loaded(), "not resumed before the last part")
	part = cmd().(sessionLoadedMsg)
	assert.Len(t, part.summaries, 2*firstChunk, "chunks grow")
	_, cmd = m.Update(part)
	loadAll(m, cmd)
	assert.True(t, m.Loaded())
	assert.Equal(t, 5000, m.data.cachedSeen)
	assert.Contains(t, m.msg.text, "5000 cached results")

	ctx, cancel := context.WithCancel(t.Context())
	m = New(ctx, f.config())
	cmd = loadSession(ctx, f.store, m.data.finder(), "tester", false)
	part = cmd().(sessionLoadedMsg)
	cancel()
	for !part.done { // the goroutine gives up at its next send and closes
		part = part.next().(sessionLoadedMsg)
	}
	assert.ErrorIs(t, part.err, context.Canceled)
}

// TestSummaryCountsWhileRunning: an item the pipeline is already running
// (in the demo it only serves the cache) when the session's summaries
// arrive keeps its stored result's disagreements and urgency, so the
// resume does not skip it (it resumed at the fourth item with "4 of 4
// open" when the first three were running).
func TestSummaryCountsWhileRunning(t *testing.T) {
	f := newFixture(4, 4)
	f.engine.done()
	m := New(t.Context(), f.config())
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(engineUpdatedMsg{audit.Update{ItemID: "case-0001", Status: audit.StatusRunning, Stage: audit.StageGrounding}})
	loadAll(m, loadSession(m.ctx, f.store, m.data.finder(), "tester", false))
	assert.Equal(t, "case-0001", m.CurrentID())
	assert.Contains(t, m.msg.text, "(4 of 4 open)")
	assert.Equal(t, audit.StatusRunning, m.data.rows.get(0).status, "the status says what the pipeline does")
	assert.True(t, m.data.isUrgent(0))
}

// TestRawShowsPromptAndModelInput: the raw viewer says which prompt made
// each stage's output (a template in use this session and its source, or
// an earlier one) and how the image was made a model input.
func TestRawShowsPromptAndModelInput(t *testing.T) {
	const current, earlier = "sha256:1111111111112222222222", "sha256:9999999999998888888888"
	f := newFixture(1, 1)
	g, d := f.engine.results["case-0001"].Grounding, f.engine.results["case-0001"].Draft
	g.PromptDigest, g.ModelInput = current, "squash"
	d.PromptDigest = earlier
	f.engine.done()
	cfg := f.config()
	cfg.Prompts = map[string]string{current: "grounding, /home/ann/prompts/grounding.txt\x1b[2J"}
	h := newHarness(t, cfg, 160, 40)
	h.key("r")
	s := h.screen()
	assert.Contains(t, s, "prompt sha256:111111111111 (grounding, /home/ann/prompts/grounding.txt)")
	assert.Contains(t, s, "model input squash")
	assert.Contains(t, s, "prompt sha256:999999999999 (not a prompt in use this session)")
	assert.NotContains(t, s, "\x1b[2J")
}
