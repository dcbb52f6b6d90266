package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// A study's readers change: bob departs and dave replaces him (dave takes
// every item bob had not read), bob's verdicts are refused from then on,
// erin is added, and alice departs with her unread item reassigned to
// erin while the item she read keeps her verdict. Each change is in the
// study's log.
func TestStudyReaderChanges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		key := duoStudy(t, s, "s")
		v := func(who string, d audit.Decision) error {
			_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "c00", DisagreementKey: key, Decision: d, Annotator: who, Study: "s"})
			return err
		}
		require.NoError(t, v("alice", audit.ImageRight))

		moved, err := s.DepartStudyReader(ctx, "s", "bob", []string{"dave"}, "pi", "left the team")
		require.NoError(t, err)
		assert.Equal(t, []string{"c00", "c01"}, moved)
		require.ErrorIs(t, v("bob", audit.ImageRight), store.ErrStudyClosed, "a departed reader's verdict is refused")
		assert.Equal(t, audit.UnitOpen, unitState(t, s, "s").State, "bob no longer counts; dave has not read")
		require.NoError(t, v("dave", audit.ImageRight))
		assert.Equal(t, audit.UnitAgreed, unitState(t, s, "s").State)

		require.NoError(t, s.AddStudyReader(ctx, "s", "erin", "pi", "joins"))
		require.ErrorIs(t, s.AddStudyReader(ctx, "s", "erin", "pi", ""), store.ErrInvalid, "already a member")
		moved, err = s.DepartStudyReader(ctx, "s", "alice", []string{"erin"}, "pi", "")
		require.NoError(t, err)
		assert.Equal(t, []string{"c01"}, moved, "the item alice read stays hers")
		_, err = s.DepartStudyReader(ctx, "s", "alice", []string{"erin"}, "pi", "")
		require.ErrorIs(t, err, store.ErrInvalid, "alice has departed already")

		items, err := s.StudyItems(ctx, "s")
		require.NoError(t, err)
		readers := map[string][]string{}
		for _, it := range items {
			readers[it.ItemID] = it.Readers
		}
		assert.ElementsMatch(t, []string{"alice", "dave"}, readers["c00"])
		assert.ElementsMatch(t, []string{"dave", "erin"}, readers["c01"])
		assert.Equal(t, audit.UnitAgreed, unitState(t, s, "s").State, "alice's verdict before she left still counts")

		log, _, err := s.StudyLog(ctx, "s")
		require.NoError(t, err)
		var kinds []string
		for _, e := range log {
			kinds = append(kinds, e.Kind+" "+e.Annotator)
		}
		assert.Equal(t, []string{"add dave", "depart bob", "add erin", "depart alice"}, kinds)
		assert.Equal(t, []string{"dave"}, log[1].Successors)
	})
}
