package tui

import (
	"errors"
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// A verdict the study refused (unit still open, readers agreed) held quit
// back as unsaved ("q again quits now and loses it"), though the reader
// was told and nothing could save it; and the question was cut at 100
// columns before its key. A refusal no longer holds quit back; what does
// (a verdict the store failed to save) is asked in a line that keeps the
// key and what is lost whole at 80 and 100 columns.
func TestQuitPassesOverRefusals(t *testing.T) {
	tests := []struct {
		name     string
		refused  *Refused
		lost     bool
		width    int
		quitsAtQ bool
	}{
		{name: "still open", refused: &Refused{Reason: "still open: not every reader has judged it"}, width: 80, quitsAtQ: true},
		{name: "readers agreed", refused: &Refused{Reason: "the readers agreed", Agreed: audit.DraftRight}, width: 80, quitsAtQ: true},
		{name: "refused and lost, 80", refused: &Refused{Reason: "still open: not every reader has judged it"}, lost: true, width: 80},
		{name: "refused and lost, 100", refused: &Refused{Reason: "still open: not every reader has judged it"}, lost: true, width: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(3, 3)
			f.engine.done()
			f.store.refuse = tt.refused
			cfg := f.config()
			cfg.Settled = map[string]map[string]audit.Decision{}
			h := newHarness(t, cfg, tt.width, 24)
			h.key("i")
			require.Contains(t, messageLine(t, h.screen()), "NOT saved pneumothorax")
			if tt.lost {
				f.store.mu.Lock()
				f.store.refuse = nil
				f.store.failSaves, f.store.failWith = 1, errors.New("disk full")
				f.store.mu.Unlock()
				h.key("j")
				h.key("i")
			}
			h.key("q")
			require.Equal(t, tt.quitsAtQ, h.quit, "message: %s", h.m.msg.text)
			if tt.quitsAtQ {
				if tt.refused.Agreed == "" {
					assert.Contains(t, h.m.Unsaved(), "verdict case-0001 "+ptxContradictedKey+": image right (refused: "+tt.refused.Reason+")",
						"the exit summary still names it, with why")
				}
				return
			}
			line := messageLine(t, h.screen())
			assert.Contains(t, line, "q again quits and loses 1 verdict", "the key and what it loses, whole")
			assert.Contains(t, line, "any other key goes back")
			assert.NotContains(t, h.m.msg.text, "case-0001", "the refused verdict is not counted as lost")
			golden.RequireEqual(t, []byte(fmt.Sprintf("%s\n", h.screen())))
		})
	}
}
