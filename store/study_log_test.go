package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/store/export"
)

// duoStudy makes study name (readers alice and bob on every item, carol
// adjudicates) over items c00 and c01, c00 with one disagreement.
func duoStudy(t *testing.T, s *store.Store, names ...string) string {
	t.Helper()
	ctx := context.Background()
	putStudyItems(t, s, 0, 2)
	for _, name := range names {
		_, err := s.CreateStudy(ctx, audit.Study{Name: name, Readers: []string{"alice", "bob"}, PerItem: 2, Adjudicators: []string{"carol"}})
		require.NoError(t, err)
		_, err = s.AssignStudy(ctx, name, "pi")
		require.NoError(t, err)
	}
	rep := &audit.Report{Disagreements: []audit.Disagreement{{Label: schema.Pneumothorax, Kind: audit.MissedInDraft}}}
	require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "c00", Report: rep}))
	return "pneumothorax/missed_in_draft"
}

func unitState(t *testing.T, s *store.Store, study string) audit.StudyUnit {
	t.Helper()
	units, err := s.StudyUnits(context.Background(), study)
	require.NoError(t, err)
	require.Len(t, units, 1)
	return units[0]
}

// A study's state is made of its own verdicts: an adjudicator's verdict
// from a plain session, or before the readers read, or on a unit they
// agreed on, settles nothing (it once made every such unit "adjudicated"),
// and a second study over the same items starts open.
func TestStudyVerdictsBelongToTheStudy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		key := duoStudy(t, s, "first", "second")
		v := func(who, study string, d audit.Decision) (audit.Verdict, error) {
			return s.SaveVerdict(ctx, audit.Verdict{ItemID: "c00", DisagreementKey: key, Decision: d, Annotator: who, Study: study})
		}

		_, err := v("carol", "", audit.Unsure) // a plain session
		require.NoError(t, err)
		assert.Equal(t, audit.UnitOpen, unitState(t, s, "first").State)
		_, err = v("carol", "first", audit.Unsure)
		require.ErrorIs(t, err, store.ErrNotDisputed, "the adjudicator acts on disputes only")

		got, err := v("alice", "first", audit.ImageRight)
		require.NoError(t, err)
		assert.Equal(t, audit.RoleReader, got.Role)
		_, err = v("bob", "first", audit.ImageRight)
		require.NoError(t, err)
		u := unitState(t, s, "first")
		assert.Equal(t, audit.UnitAgreed, u.State)
		_, err = v("carol", "first", audit.Unsure)
		require.ErrorIs(t, err, store.ErrNotDisputed, "agreed units are never overridden")
		assert.Contains(t, err.Error(), "their decision is final")
		assert.Equal(t, audit.UnitAgreed, unitState(t, s, "first").State)

		assert.Equal(t, audit.UnitOpen, unitState(t, s, "second").State, "the first study's verdicts are not the second's")
		_, err = v("alice", "second", audit.DraftRight)
		require.NoError(t, err)
		_, err = v("bob", "second", audit.ImageRight)
		require.NoError(t, err)
		assert.Equal(t, audit.UnitDisputed, unitState(t, s, "second").State)
		got, err = v("carol", "second", audit.BothWrong)
		require.NoError(t, err)
		assert.Equal(t, audit.RoleAdjudicator, got.Role)
		u = unitState(t, s, "second")
		assert.Equal(t, audit.UnitAdjudicated, u.State)
		assert.Equal(t, audit.BothWrong, u.Final)
		assert.Equal(t, audit.UnitAgreed, unitState(t, s, "first").State, "the second study's verdicts are not the first's")

		_, err = v("eve", "first", audit.Unsure)
		require.ErrorIs(t, err, store.ErrInvalid, "not a member")
		_, err = s.SaveVerdict(ctx, audit.Verdict{ItemID: "c99", DisagreementKey: key, Decision: audit.Unsure, Annotator: "alice", Study: "first"})
		require.ErrorIs(t, err, store.ErrInvalid, "not an item of the study")

		vs, err := s.Verdicts(ctx, "c00", "alice")
		require.NoError(t, err)
		require.Len(t, vs, 2, "one current verdict per study")
		assert.Equal(t, []string{"first", "second"}, []string{vs[0].Study, vs[1].Study})

		assert.ElementsMatch(t, []string{
			"alice first reader image_right", "alice second reader draft_right",
			"bob first reader image_right", "bob second reader image_right",
			"carol   unsure", "carol second adjudicator both_wrong",
		}, exportedVerdicts(t, s, "c00"), "export keeps each verdict's study and role, one current verdict per study")
	})
}

// exportedVerdicts lists item id's verdicts in the JSONL export as
// "annotator study role decision".
func exportedVerdicts(t *testing.T, s *store.Store, id string) []string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, s.Export(context.Background(), &buf, "jsonl"))
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var it export.Item
		require.NoError(t, json.Unmarshal([]byte(line), &it), line)
		if it.ID != id {
			continue
		}
		for _, d := range it.Disagreements {
			for _, v := range d.Verdicts {
				out = append(out, strings.Join([]string{v.Annotator, v.Study, v.Role, string(v.Decision)}, " "))
			}
		}
	}
	return out
}

// A closed study refuses verdicts until it is reopened; both are in the
// study's log and the event log.
func TestStudyCloseAndReopen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		key := duoStudy(t, s, "pilot")
		save := func() error {
			_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "c00", DisagreementKey: key, Decision: audit.Unsure, Annotator: "alice", Study: "pilot"})
			return err
		}
		require.NoError(t, s.CloseStudy(ctx, "pilot", "pi", "reading done"))
		require.ErrorIs(t, s.CloseStudy(ctx, "pilot", "pi", ""), store.ErrInvalid, "already closed")
		require.ErrorIs(t, save(), store.ErrStudyClosed)
		require.NoError(t, s.ReopenStudy(ctx, "pilot", "pi", "one more"))
		require.NoError(t, save())
		require.NoError(t, s.RecordUnblinded(ctx, "pilot", "bob", "--blind=false"))
		require.ErrorIs(t, s.CloseStudy(ctx, "nope", "pi", ""), store.ErrNoStudy)

		log, closed, err := s.StudyLog(ctx, "pilot")
		require.NoError(t, err)
		assert.False(t, closed)
		var kinds []string
		for _, e := range log {
			kinds = append(kinds, e.Kind+" by "+e.Annotator)
		}
		assert.Equal(t, []string{"close by pi", "reopen by pi", "unblind by bob"}, kinds)
		assert.Len(t, eventsOf(t, s, "study_close"), 1)
		assert.Len(t, eventsOf(t, s, "study_unblind"), 1)
	})
}

// The same annotator in two sessions: an undo in one touches only its own
// verdicts (it once undid the other session's latest verdict).
func TestUndoSessionVerdict(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		save := func(session, item string) {
			_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: item, DisagreementKey: "effusion/missed_in_draft", Decision: audit.ImageRight, Annotator: "rad1", Session: session})
			require.NoError(t, err)
		}
		save("one", "a")
		save("two", "b") // the later one, in the other session
		undone, ok, err := s.UndoSessionVerdict(ctx, "rad1", "one")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "a", undone.ItemID)
		assert.Equal(t, "one", undone.Session)
		_, ok, err = s.UndoSessionVerdict(ctx, "rad1", "one")
		require.NoError(t, err)
		assert.False(t, ok, "session one has nothing left to undo")
		vs, err := s.Verdicts(ctx, "b", "rad1")
		require.NoError(t, err)
		assert.Len(t, vs, 1, "session two's verdict stands")
	})
}
