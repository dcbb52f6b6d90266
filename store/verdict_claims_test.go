package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// TestMigrateFromV10KeepsStudyVerdicts: a study in progress when the store
// was made (before verdicts named their study) keeps its state after the
// upgrade: alice and bob read, carol adjudicated the dispute, and each of
// their verdicts goes to the study that alone can claim it. A verdict two
// studies could claim stays plain and is named; one given before the study
// was created, or by someone outside it, stays plain.
func TestMigrateFromV10KeepsStudyVerdicts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		loc := be.location(t)
		store.CreateAtVersion(t, loc, 10)
		db := be.raw(t, loc)
		for _, q := range []string{
			`INSERT INTO studies (name, per_item, rule, created_at, created_by) VALUES
				('pilot', 2, 'round-robin/v1', '2026-12-01T09:00:00.000000000Z', 'lead'),
				('second', 1, 'round-robin/v1', '2026-12-01T09:30:00.000000000Z', 'lead')`,
			`INSERT INTO study_members (study, annotator, role, position) VALUES
				('pilot', 'alice', 'reader', 0), ('pilot', 'bob', 'reader', 1), ('pilot', 'carol', 'adjudicator', 0),
				('second', 'alice', 'reader', 0)`,
			`INSERT INTO study_items (study, item_id, position, reader) VALUES
				('pilot', 'a', 0, 'alice'), ('pilot', 'a', 0, 'bob'), ('pilot', 'b', 1, 'alice'), ('pilot', 'b', 1, 'bob'),
				('second', 'b', 0, 'alice')`,
			`INSERT INTO verdicts (item_id, disagreement_key, label, kind, decision, annotator, at) VALUES
				('a', 'effusion/missed_in_draft', 'effusion', 'missed_in_draft', 'image_right', 'alice', '2026-12-01T10:00:00.000000000Z'),
				('a', 'effusion/missed_in_draft', 'effusion', 'missed_in_draft', 'draft_right', 'bob', '2026-12-01T10:01:00.000000000Z'),
				('a', 'effusion/missed_in_draft', 'effusion', 'missed_in_draft', 'image_right', 'carol', '2026-12-01T10:02:00.000000000Z'),
				('b', 'nodule/missed_in_draft', 'nodule', 'missed_in_draft', 'image_right', 'alice', '2026-12-01T10:03:00.000000000Z'),
				('b', 'nodule/missed_in_draft', 'nodule', 'missed_in_draft', 'image_right', 'bob', '2026-12-01T10:04:00.000000000Z'),
				('a', 'effusion/missed_in_draft', 'effusion', 'missed_in_draft', 'unsure', 'dave', '2026-12-01T10:05:00.000000000Z'),
				('a', 'edema/missed_in_draft', 'edema', 'missed_in_draft', 'unsure', 'alice', '2026-12-01T08:00:00.000000000Z')`,
		} {
			_, err := db.Exec(q)
			require.NoError(t, err)
		}

		s, err := store.Open(ctx, loc)
		require.NoError(t, err)
		defer s.Close()

		units, err := s.StudyUnits(ctx, "pilot")
		require.NoError(t, err)
		states := map[string]audit.UnitState{}
		for _, u := range units {
			states[u.ItemID+" "+u.Key] = u.State
		}
		assert.Equal(t, map[string]audit.UnitState{
			"a effusion/missed_in_draft": audit.UnitAdjudicated,
			// alice's verdict on b could be pilot's or second's: left out.
			"b nodule/missed_in_draft": audit.UnitOpen,
		}, states)

		all, err := s.AllVerdicts(ctx, "")
		require.NoError(t, err)
		got := map[string][2]string{}
		for _, v := range all {
			got[v.ItemID+" "+v.Annotator+" "+v.DisagreementKey] = [2]string{v.Study, string(v.Role)}
		}
		assert.Equal(t, map[string][2]string{
			"a alice effusion/missed_in_draft": {"pilot", "reader"},
			"a bob effusion/missed_in_draft":   {"pilot", "reader"},
			"a carol effusion/missed_in_draft": {"pilot", "adjudicator"},
			"b alice nodule/missed_in_draft":   {"", ""},
			"b bob nodule/missed_in_draft":     {"pilot", "reader"},
			"a dave effusion/missed_in_draft":  {"", ""},
			"a alice edema/missed_in_draft":    {"", ""},
		}, got)

		un, err := s.UnclaimedVerdicts(ctx, "pilot")
		require.NoError(t, err)
		require.Len(t, un, 1)
		assert.Equal(t, "b", un[0].ItemID)
		assert.Equal(t, []string{"pilot", "second"}, un[0].Studies)
		un, err = s.UnclaimedVerdicts(ctx, "nope")
		require.NoError(t, err)
		assert.Empty(t, un)

		var warned bool
		for _, c := range store.Diagnose(ctx, loc) {
			if c.Name == "studies" {
				warned = c.Status == store.CheckWarn && assert.Contains(t, c.Message, "1 verdict(s)")
			}
		}
		assert.True(t, warned, "doctor names the verdict no single study could claim")

		// The back-fill did not loosen the append-only rule.
		_, err = db.Exec(`UPDATE verdicts SET study = 'second' WHERE study = ''`)
		assert.Error(t, err)
	})
}
