package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// urgentAgreedResult: the image shows a pneumothorax and the draft reports
// it (synthetic): no disagreement, an urgent item with a row to confirm.
func urgentAgreedResult(id string) *audit.Result {
	ptx := box(0.1, 0.1, 0.3, 0.35)
	conf := 0.8
	r := &audit.Result{ItemID: id, Status: audit.StatusDone, Cached: true,
		Findings:    []schema.Finding{{Label: schema.Pneumothorax, Box: &ptx, Confidence: &conf, Evidence: "pleural line"}},
		DraftLabels: []schema.DraftLabel{{Label: schema.Pneumothorax, Status: schema.StatusPresent, Span: "Small left apical pneumothorax"}}}
	rep := compare.Compare(r.Findings, r.DraftLabels, schema.DefaultUrgent())
	r.Report = &rep
	r.Grounding = &audit.StageRecord{Stage: audit.StageGrounding, ItemID: id, Model: "medgemma-fake", Raw: `[{"label":"pneumothorax"}]`, Done: true,
		Findings: r.Findings, Ladder: "served/3/sample=0.4,0.9/corrective=sha256:c",
		Attempts: []audit.Attempt{
			{N: 1, Seed: 42, Raw: "The image shows a pneumothorax.", Done: true, EvalCount: 9, Wall: 2 * time.Second, Error: "no usable findings list"},
			{N: 2, Corrective: true, Seed: 42, Raw: `[{"label":"pneumothorax"}]`, Done: true, EvalCount: 12, Wall: time.Second},
		}}
	r.Draft = &audit.StageRecord{Stage: audit.StageDraft, ItemID: id, Model: "nemotron-fake", Raw: `[]`, Done: true, SystemDigest: "sha256:0123456789abcdef"}
	return r
}

// imageOnlyResult: the draft could not be read; the image shows a nodule.
func imageOnlyResult(id string, urgent bool) *audit.Result {
	nod := box(0.3, 0.6, 0.38, 0.68)
	l := schema.NoduleMass
	if !urgent {
		l = schema.Cardiomegaly
	}
	r := &audit.Result{ItemID: id, Status: audit.StatusDone, Findings: []schema.Finding{{Label: l, Box: &nod}},
		Note: "the draft could not be read; image findings only: draft with nemotron-fake: no usable draft label list"}
	rep := compare.CompareImageOnly(r.Findings, schema.DefaultUrgent())
	r.Report = &rep
	return r
}

// urgentFixture is the usual fixture with item 3 (an agreement) replaced.
func urgentFixture(r *audit.Result) *fixture {
	f := newFixture(6, 6)
	id := f.items[3].ID
	r.ItemID = id
	f.store.results[id] = audit.ResultRecord{ItemID: id, Report: r.Report}
	f.engine.results[id] = r
	f.engine.done()
	return f
}

func TestUrgentAgreedIsAReviewRowToConfirm(t *testing.T) {
	f := urgentFixture(urgentAgreedResult(""))
	h := newHarness(t, f.config(), 120, 40)
	h.keys("j", "j", "j")
	require.Equal(t, "case-0004", h.m.CurrentID())
	s := h.screen()
	assert.Contains(t, s, "URGENT pneumothorax")
	assert.Contains(t, s, "urgent · draft agrees: confirm")
	assert.Contains(t, s, "i confirm, b image wrong, u unsure")
	assert.True(t, h.m.data.needsWork(3), "the row asks for a verdict")
	golden.RequireEqual(t, s)

	h.key("d")
	assert.Contains(t, h.screen(), "pneumothorax is to confirm")
	assert.Empty(t, f.store.current("case-0004", "tester"), "draft right is no verdict on a row to confirm")

	h.key("i")
	vs := f.store.current("case-0004", "tester")
	require.Len(t, vs, 1)
	assert.Equal(t, "pneumothorax/urgent", vs[0].DisagreementKey)
	assert.Equal(t, audit.UrgentConfirm, vs[0].Kind)
	assert.Equal(t, audit.ImageRight, vs[0].Decision, "stored as every verdict: confirmed is image right")
	assert.Contains(t, h.screen(), "saved ✓ case-0004 pneumothorax: confirmed")
	h.key("k")
	require.Equal(t, "case-0004", h.m.CurrentID())
	assert.Contains(t, h.screen(), "verdict: confirmed saved ✓")
	assert.False(t, h.m.data.needsWork(3))

	h.key("b")
	assert.Contains(t, h.screen(), "confirmed → image wrong")
}

// The item sorts with the urgent ones: the store's summary says urgent.
func TestUrgentAgreedSortsWithUrgentItems(t *testing.T) {
	f := urgentFixture(urgentAgreedResult(""))
	f.store.results["case-0004"] = audit.ResultRecord{ItemID: "case-0004", Report: f.engine.results["case-0004"].Report}
	h := newHarness(t, f.config(), 120, 40)
	h.key("s")
	order := h.m.nav.order
	urgentIDs := []string{}
	for _, i := range order[:3] {
		urgentIDs = append(urgentIDs, h.m.data.items[i].ID)
	}
	assert.Contains(t, urgentIDs, "case-0004", "with the urgent items: %v", urgentIDs)
}

func TestImageOnlyItem(t *testing.T) {
	f := urgentFixture(imageOnlyResult("", true))
	h := newHarness(t, f.config(), 120, 40)
	h.keys("j", "j", "j")
	s := h.screen()
	assert.Contains(t, s, "! the draft could not be read")
	assert.Contains(t, s, "no usable draft label list", "the note says why, wrapped")
	assert.Contains(t, s, "urgent · draft unread: confirm")

	f = urgentFixture(imageOnlyResult("", false))
	h = newHarness(t, f.config(), 120, 40)
	h.keys("j", "j", "j")
	s = h.screen()
	assert.Contains(t, s, "no urgent finding to confirm")
	assert.NotContains(t, s, "image and draft agree", "nobody read the draft")
}

func TestRawViewerShowsAttemptsAndExtras(t *testing.T) {
	f := urgentFixture(urgentAgreedResult(""))
	h := newHarness(t, f.config(), 120, 60)
	h.keys("j", "j", "j", "r")
	s := h.m.raw.vp.GetContent()
	for _, want := range []string{
		"retry ladder served/3/sample=0.4,0.9/corrective=sha256:c",
		"attempt 1 (greedy, 9 tokens, 2s)",
		"The image shows a pneumothorax.",
		"attempt 2 (greedy, corrective suffix, 12 tokens, 1s): the record's output",
		"pneumothorax  confidence 0.80  evidence “pleural line”",
		"system message sha256:0123456789a",
	} {
		assert.Contains(t, s, want)
	}
	assert.Less(t, strings.Index(s, "attempt 1"), strings.Index(s, "attempt 2"))
}

func TestPromptWarningBadge(t *testing.T) {
	f := newFixture(3, 3)
	f.engine.done()
	cfg := f.config()
	cfg.PromptWarning = "grounding prompt: cxr-auditor's own, not your model's training prompt: cxr-auditor prompts import PATH DIR"
	h := newHarness(t, cfg, 120, 40)
	s := h.screen()
	assert.Contains(t, s, PromptBadge)
	assert.Contains(t, s, "resumed at", "the session's own message is not pushed aside")
	m := New(context.Background(), cfg)
	assert.Contains(t, m.msg.text, "not your model's training prompt", "said until the saved results are loaded")

	h = newHarness(t, f.config(), 120, 40)
	assert.NotContains(t, h.screen(), PromptBadge)
}
