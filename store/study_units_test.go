package store_test

// Synthetic data only: no real patient data exist here.

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// A study's units are what the workstation asks a verdict on
// (audit.Report.ReviewRows), whether judged yet or not: an urgent finding
// the draft agrees with (a row to confirm) is a unit from the start. It
// once joined the study only when someone judged it, so `study status`
// counted 7 units while the reader's workstation showed 8 open, and a
// study could look complete with an urgent finding never confirmed.
func TestStudyUnitsAreTheReviewRows(t *testing.T) {
	reports := []struct {
		name string
		rep  *audit.Report
	}{
		{"draft agrees with an urgent finding", &audit.Report{Urgent: true,
			Disagreements:  []audit.Disagreement{{Label: schema.Cardiomegaly, Kind: audit.UnsupportedByImage}},
			UrgentFindings: []audit.UrgentFinding{{Label: schema.NoduleMass, DraftAgrees: true}},
		}},
		{"urgent finding the draft missed: its disagreement is the unit", &audit.Report{Urgent: true,
			Disagreements:  []audit.Disagreement{{Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Urgent: true}},
			UrgentFindings: []audit.UrgentFinding{{Label: schema.Pneumothorax}},
		}},
		{"draft unread: every urgent finding to confirm", &audit.Report{Urgent: true, ImageOnly: true,
			UrgentFindings: []audit.UrgentFinding{{Label: schema.Pneumothorax}, {Label: schema.NoduleMass}},
		}},
		{"nothing to judge", &audit.Report{}},
	}
	forEachBackend(t, func(t *testing.T, be backend) {
		for _, tc := range reports {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				s := be.open(t)
				duoStudy(t, s, "pilot")
				require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "c00", Report: tc.rep}))

				units, err := s.StudyUnits(ctx, "pilot")
				require.NoError(t, err)
				var want, got []string
				for _, d := range tc.rep.ReviewRows() {
					want = append(want, d.Key())
				}
				for _, u := range units {
					got = append(got, u.Key)
					assert.Equal(t, audit.UnitOpen, u.State, "%s: nobody judged it", u.Key)
					assert.False(t, u.Stale, "%s: the report names it", u.Key)
				}
				assert.Equal(t, want, got, "the study's units are the workstation's rows, before any verdict")

				// Every unit must be settled before the study is complete:
				// the readers agree on all but the last, which they dispute.
				if len(units) == 0 {
					return
				}
				for i, u := range units {
					d := audit.ImageRight
					for _, who := range []string{"alice", "bob"} {
						if i == len(units)-1 && who == "bob" {
							d = audit.BothWrong
						}
						_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "c00", DisagreementKey: u.Key, Decision: d, Annotator: who, Study: "pilot"})
						require.NoError(t, err)
					}
				}
				units, err = s.StudyUnits(ctx, "pilot")
				require.NoError(t, err)
				require.Len(t, units, len(want), "a verdict adds no unit")
				last := units[len(units)-1]
				assert.Equal(t, audit.UnitDisputed, last.State, last.Key)
				st, err := s.Study(ctx, "pilot")
				require.NoError(t, err)
				items, err := s.StudyItems(ctx, "pilot")
				require.NoError(t, err)
				queue, _, err := audit.ReviewItems(st, "carol", items, units)
				require.NoError(t, err)
				assert.Equal(t, []string{"c00"}, queue, "the adjudicator's queue holds the dispute")
				p := audit.Progress(st, items, units)
				assert.Equal(t, len(want), p.Units)
				assert.False(t, p.Complete, "c01 has not run, and one unit is disputed")

				_, err = s.SaveVerdict(ctx, audit.Verdict{ItemID: "c00", DisagreementKey: last.Key, Decision: audit.Unsure, Annotator: "carol", Study: "pilot"})
				require.NoError(t, err, "the adjudicator settles a disputed row to confirm like any unit")
			})
		}
	})
}
