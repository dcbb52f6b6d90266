package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// ptxContradictedKey is case-0001's one disagreement.
const ptxContradictedKey = "pneumothorax/contradicted_by_image"

// messageLine is the screen's message line: the one above the key hints.
func messageLine(t *testing.T, screen string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	require.GreaterOrEqual(t, len(lines), 2)
	return strings.TrimRight(lines[len(lines)-2], " ")
}

// A verdict the study refuses says why, whole, on an 80-column screen: the
// store's text ("NOT saved case-0001 …: store /path: save verdict …: the
// readers do not di…") was cut before its reason, and it offered a retry
// that would be refused again. A unit the readers turn out to have agreed
// on is shown agreed from then on.
func TestAdjudicatorRefusalFits(t *testing.T) {
	tests := []struct {
		name    string
		refused *Refused
		want    string
	}{
		{"open", &Refused{Reason: "still open: not every reader has judged it"},
			"NOT saved pneumothorax: still open: not every reader has judged it"},
		{"agreed", &Refused{Reason: "the readers agreed", Agreed: audit.DraftRight},
			"NOT saved pneumothorax: the readers agreed (draft right): final"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(2, 2)
			f.engine.done()
			f.store.refuse = tt.refused
			cfg := f.config()
			cfg.Settled = map[string]map[string]audit.Decision{}
			h := newHarness(t, cfg, 80, 24)
			require.Equal(t, "case-0001", h.m.CurrentID())
			h.key("i")
			s := h.screen()
			assert.Equal(t, "case-0001", h.m.CurrentID(), "back on the refused unit")
			assert.Equal(t, tt.want, messageLine(t, s), "the reason, whole")
			assert.NotContains(t, s, "retry", "a refusal is not retried")
			if tt.refused.Agreed != "" {
				assert.True(t, h.m.data.isSettled("case-0001", ptxContradictedKey), "shown agreed from now on")
				assert.Contains(t, s, "agreed by the readers")
			}
			golden.RequireEqual(t, s)
		})
	}
}

// The adjudicator's "others:" line follows the store: a reader who
// changes a verdict while she works is seen when she comes back to the
// item (it kept the verdicts of the session's start).
func TestOthersFollowTheStore(t *testing.T) {
	f := newFixture(2, 2)
	f.engine.done()
	f.store.verdicts = []audit.Verdict{{ID: 1, ItemID: "case-0001", DisagreementKey: ptxContradictedKey, Annotator: "alice", Decision: audit.ImageRight}}
	f.store.nextID = 1
	cfg := f.config()
	h := newHarness(t, cfg, 80, 24)
	require.Equal(t, "case-0001", h.m.CurrentID())
	assert.Contains(t, h.screen(), "others: alice: image right")

	f.store.verdicts = append(f.store.verdicts, audit.Verdict{ID: 2, ItemID: "case-0001", DisagreementKey: ptxContradictedKey, Annotator: "alice", Decision: audit.BothWrong})
	f.store.nextID = 2
	h.keys("j", "k")
	s := h.screen()
	assert.Contains(t, s, "others: alice: both wrong", "read again on coming back")
	assert.NotContains(t, s, "alice: image right")
	golden.RequireEqual(t, s)
}

// Outside a study, an item where image and draft agree says so in the
// reviewer's own words: no study word ("no disagreement to adjudicate").
func TestPlainSessionWording(t *testing.T) {
	f := newFixture(4, 4)
	f.engine.done()
	h := newHarness(t, f.config(), 80, 24)
	h.keys("G")
	require.Equal(t, "case-0004", h.m.CurrentID(), "case-0004: image and draft agree")
	h.key("i")
	s := h.screen()
	assert.Contains(t, s, "✓ image and draft agree: no")
	assert.Equal(t, "nothing to judge: image and draft agree", messageLine(t, s))
	assert.NotContains(t, s, "to adjudicate")
	golden.RequireEqual(t, s)
}

// Every reader's verdict is on the adjudicator's screen: the "others:"
// line wraps (it was cut at 120 columns in the demo walk-through:
// "others: alice: image right, bob: …", bob's verdict unread).
func TestOthersLineWraps(t *testing.T) {
	f := newFixture(2, 2)
	f.engine.done()
	f.store.verdicts = []audit.Verdict{
		{ID: 1, ItemID: "case-0001", DisagreementKey: ptxContradictedKey, Annotator: "alice", Decision: audit.ImageRight},
		{ID: 2, ItemID: "case-0001", DisagreementKey: ptxContradictedKey, Annotator: "bob", Decision: audit.BothWrong},
	}
	f.store.nextID = 2
	h := newHarness(t, f.config(), 80, 24)
	require.Equal(t, "case-0001", h.m.CurrentID())
	s := h.screen()
	assert.Contains(t, s, "others: alice: image right, bob:")
	assert.Contains(t, s, "│  both wrong ", "bob's verdict, wrapped to the next line")
	golden.RequireEqual(t, s)
}
