package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// TestUndoSessionCompareVerdict: an undo withdraws the latest compare
// verdict of its own session only, brings back the judgment it replaced,
// keeps every row (an undo is recorded, nothing is deleted) and says when
// there is nothing left to undo.
func TestUndoSessionCompareVerdict(t *testing.T) {
	key1, key2 := "pneumothorax/only_b/a-/b0", "effusion/only_a/a0/b-"
	given := []audit.CompareVerdict{
		{ItemID: "a", DifferenceKey: key1, Preference: audit.PreferA, Session: "one"},
		{ItemID: "a", DifferenceKey: key1, Preference: audit.PreferB, Session: "one"},
		{ItemID: "b", DifferenceKey: key2, Preference: audit.PreferBothWrong, Session: "two"},
	}
	type want struct {
		ok      bool
		undone  audit.Preference            // the undone verdict's preference
		current map[string]audit.Preference // item -> current preference
	}
	tests := []struct {
		name    string
		session string
		undos   int // undos before the checked one
		want    want
	}{
		{"latest of its session; the one it replaced is back", "one", 0,
			want{true, audit.PreferB, map[string]audit.Preference{"a": audit.PreferA, "b": audit.PreferBothWrong}}},
		{"again: the one before", "one", 1,
			want{true, audit.PreferA, map[string]audit.Preference{"b": audit.PreferBothWrong}}},
		{"nothing left in the session; the other session untouched", "one", 2,
			want{false, "", map[string]audit.Preference{"b": audit.PreferBothWrong}}},
		{"the other session undoes its own", "two", 0,
			want{true, audit.PreferBothWrong, map[string]audit.Preference{"a": audit.PreferB}}},
		{"no session named: the annotator's latest anywhere", "", 0,
			want{true, audit.PreferBothWrong, map[string]audit.Preference{"a": audit.PreferB}}},
	}
	forEachBackend(t, func(t *testing.T, be backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				s := be.open(t)
				for _, v := range given {
					v.RunA, v.RunB, v.Annotator = "v1", "v2", "ann"
					_, err := s.SaveCompareVerdict(ctx, v)
					require.NoError(t, err)
				}
				for range tt.undos {
					_, _, err := s.UndoSessionCompareVerdict(ctx, "ann", tt.session)
					require.NoError(t, err)
				}
				before, err := s.Events(ctx, 0, 1000)
				require.NoError(t, err)
				undone, ok, err := s.UndoSessionCompareVerdict(ctx, "ann", tt.session)
				require.NoError(t, err)
				assert.Equal(t, tt.want.ok, ok)
				assert.Equal(t, tt.want.undone, undone.Preference)
				got, err := s.CompareVerdicts(ctx)
				require.NoError(t, err)
				cur := map[string]audit.Preference{}
				for _, v := range got {
					cur[v.ItemID] = v.Preference
				}
				assert.Equal(t, tt.want.current, cur)
				after, err := s.Events(ctx, 0, 1000)
				require.NoError(t, err)
				if ok {
					require.Len(t, after, len(before)+1, "an undo is a new record")
					assert.Equal(t, "compare_undo", after[len(after)-1].Kind)
					if tt.session != "" {
						assert.Equal(t, tt.session, undone.Session)
					}
				} else {
					assert.Len(t, after, len(before))
				}
				one, err := s.ItemCompareVerdicts(ctx, "b")
				require.NoError(t, err)
				for _, v := range one {
					assert.Equal(t, "b", v.ItemID)
				}
			})
		}
	})
	t.Run("annotator required", func(t *testing.T) {
		s := backends[0].open(t)
		_, _, err := s.UndoSessionCompareVerdict(context.Background(), "", "one")
		assert.ErrorContains(t, err, "Annotator")
	})
}
