package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Triage verdicts on truth errors share the verdicts' table, undo and
// validation, with their own four decisions.
func TestTriageVerdicts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		s := be.open(t)
		ctx := context.Background()
		key := audit.TruthKey(audit.TruthError{Label: schema.Pneumothorax, Kind: audit.ErrorMissed, TruthIndex: 0, PredIndex: -1})
		require.Equal(t, "truth:pneumothorax/missed/t0/p-", key)

		for _, bad := range []audit.Decision{audit.ImageRight, audit.DraftRight, audit.BothWrong, "nonsense"} {
			_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "a", DisagreementKey: key, Decision: bad, Annotator: "r"})
			require.Error(t, err, bad)
			assert.Contains(t, err.Error(), "truth_wrong", "the message lists the triage decisions")
		}
		_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "a", DisagreementKey: "pneumothorax/missed_in_draft", Decision: audit.TruthWrong, Annotator: "r"})
		require.Error(t, err, "a triage decision on a disagreement")

		for _, d := range audit.TriageDecisions() {
			v, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "a", DisagreementKey: key, Decision: d, Annotator: "r"})
			require.NoError(t, err, d)
			assert.Equal(t, schema.Pneumothorax, v.Label)
			assert.Equal(t, audit.Kind("missed"), v.Kind)
		}
		undone, ok, err := s.UndoLastVerdict(ctx, "r")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, audit.Unsure, undone.Decision)
		cur, err := s.Verdicts(ctx, "a", "r")
		require.NoError(t, err)
		require.Len(t, cur, 1)
		assert.Equal(t, audit.Ambiguous, cur[0].Decision, "the one before is current again")
	})
}

// Truth corrections are appended, attributable and undone by a flag; the
// corrected truth is each item's latest live correction.
func TestTruthCorrections(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		s := be.open(t)
		ctx := context.Background()
		b := schema.Box{Y0: 0.1, X0: 0.2, Y1: 0.3, X1: 0.4}
		_, err := s.SaveTruthCorrection(ctx, audit.TruthCorrection{ItemID: "a", Action: "rewrite", Annotator: "r"})
		require.Error(t, err)
		_, err = s.SaveTruthCorrection(ctx, audit.TruthCorrection{ItemID: "a", Action: audit.CorrectAccept, Label: schema.Pneumothorax,
			Findings: []schema.Finding{{Label: schema.Pneumothorax, Box: &b}}, Annotator: "r"})
		require.NoError(t, err)
		c2, err := s.SaveTruthCorrection(ctx, audit.TruthCorrection{ItemID: "a", Action: audit.CorrectRemove, Label: schema.Pneumothorax, Annotator: "r"})
		require.NoError(t, err)
		assert.NotNil(t, c2.Findings, "nothing left is [], not null")
		_, err = s.SaveTruthCorrection(ctx, audit.TruthCorrection{ItemID: "b", Action: audit.CorrectRemove, Annotator: "q"})
		require.NoError(t, err)

		current := func() map[string]audit.TruthCorrection {
			out := map[string]audit.TruthCorrection{}
			require.NoError(t, s.CorrectedTruth(ctx, func(c audit.TruthCorrection) error { out[c.ItemID] = c; return nil }))
			return out
		}
		cur := current()
		require.Len(t, cur, 2)
		assert.Empty(t, cur["a"].Findings)
		assert.Equal(t, audit.CorrectRemove, cur["a"].Action)

		undone, ok, err := s.UndoLastTruthCorrection(ctx, "r")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, c2.ID, undone.ID)
		cur = current()
		require.Len(t, cur["a"].Findings, 1, "the accept is current again")
		assert.Equal(t, b, *cur["a"].Findings[0].Box)
		assert.Equal(t, "r", cur["a"].Annotator)
		one, ok, err := s.TruthCorrectionOf(ctx, "a")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, cur["a"].ID, one.ID)
		_, ok, err = s.TruthCorrectionOf(ctx, "zzz")
		require.NoError(t, err)
		assert.False(t, ok)

		evs, err := s.Events(ctx, 0, 0)
		require.NoError(t, err)
		kinds := map[string]int{}
		for _, e := range evs {
			kinds[e.Kind]++
		}
		assert.Equal(t, 3, kinds["truth_correction"])
		assert.Equal(t, 1, kinds["truth_correction_undo"])
	})
}
