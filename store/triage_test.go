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
