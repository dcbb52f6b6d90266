package session

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// A reader is blind by default and may opt out; an adjudicator sees the
// verdicts and cannot be blind; the status bar names the study and role.
func TestNarrowToStudy(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "wl.cxr.db"))
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{{ID: "c0", Seq: 0}, {ID: "c1", Seq: 1}, {ID: "c2", Seq: 2}}))
	_, err = s.CreateStudy(ctx, audit.Study{Name: "tri", Readers: []string{"ann", "ben", "cat"}, PerItem: 2, Adjudicators: []string{"dee"}, CreatedBy: "test"})
	require.NoError(t, err)
	_, err = s.AssignStudy(ctx, "tri", "test")
	require.NoError(t, err)
	items := []audit.Item{{ID: "c0"}, {ID: "c1"}, {ID: "c2"}, {ID: "other"}}
	e := Env{Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Getenv: func(string) string { return "" }}

	cfg := WorkstationConfig{Study: "tri", Annotator: "ben", Extra: "DEMO"}
	got, problems, err := narrowToStudy(ctx, e, s, &cfg, items)
	require.NoError(t, err)
	assert.Equal(t, []audit.Item{{ID: "c0"}, {ID: "c2"}}, got, "item 0 → ann, ben; item 2 → ben, cat")
	assert.Empty(t, problems)
	assert.True(t, cfg.Blind)
	assert.Equal(t, "DEMO · study tri · reader, blind", cfg.Extra)

	cfg = WorkstationConfig{Study: "tri", Annotator: "ben", BlindSet: true}
	_, _, err = narrowToStudy(ctx, e, s, &cfg, items[:1])
	require.NoError(t, err)
	assert.False(t, cfg.Blind, "--blind=false is honoured")
	assert.Equal(t, "study tri · reader, NOT blind (recorded in the study)", cfg.Extra)
	log, _, err := s.StudyLog(ctx, "tri")
	require.NoError(t, err)
	require.Len(t, log, 1, "unblinding is recorded")
	assert.Equal(t, "unblind", log[0].Kind)
	assert.Equal(t, "ben", log[0].Annotator)

	cfg = WorkstationConfig{Study: "tri", Annotator: "ben"}
	got, problems, err = narrowToStudy(ctx, e, s, &cfg, items[:1])
	require.NoError(t, err)
	assert.Len(t, got, 1)
	assert.Equal(t, []string{"1 item of study tri for ben is not in this worklist"}, problems)

	cfg = WorkstationConfig{Study: "tri", Annotator: "cat", Config: Config{Worklist: "wl.csv"}}
	_, _, err = narrowToStudy(ctx, e, s, &cfg, items[:1])
	require.Error(t, err)
	assert.Contains(t, err.Error(), "none of the 2 items assigned to cat is in the worklist wl.csv")

	cfg = WorkstationConfig{Study: "tri", Annotator: "dee", Blind: true, BlindSet: true}
	_, _, err = narrowToStudy(ctx, e, s, &cfg, items)
	require.ErrorIs(t, err, ErrUsage)
	assert.Contains(t, err.Error(), "an adjudicator sees the readers' verdicts")

	cfg = WorkstationConfig{Study: "tri", Annotator: "dee"}
	_, _, err = narrowToStudy(ctx, e, s, &cfg, items)
	require.ErrorIs(t, err, errNothingToReview, "no unit in dispute yet")
	require.NotNil(t, cfg.roles, "the workstation resolves units again as the store does")
	assert.Equal(t, "tri", cfg.roles.Name)
	assert.Equal(t, []string{"dee"}, cfg.roles.Adjudicators)
	assert.Equal(t, []string{"ann", "ben"}, cfg.roles.Readers["c0"])

	cfg = WorkstationConfig{Study: "nope", Annotator: "dee"}
	_, _, err = narrowToStudy(ctx, e, s, &cfg, items)
	require.ErrorIs(t, err, store.ErrNoStudy)
}

// Two workstation sessions of the same annotator: each undo touches only
// its own session's verdicts (one once undid the other's), and a study
// session sees only its study's verdicts.
func TestBenchStoreSessions(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "wl.cxr.db"))
	require.NoError(t, err)
	defer s.Close()
	one, two := newBenchStore(s, ""), newBenchStore(s, "")
	v := audit.Verdict{ItemID: "a", DisagreementKey: "effusion/missed_in_draft", Decision: audit.ImageRight, Annotator: "rad1"}
	_, err = one.SaveVerdict(ctx, v)
	require.NoError(t, err)
	v.ItemID = "b"
	_, err = two.SaveVerdict(ctx, v)
	require.NoError(t, err)

	undone, ok, err := one.UndoLastVerdict(ctx, "rad1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "a", undone.ItemID, "session one undoes its own verdict, not session two's later one")
	_, ok, err = one.UndoLastVerdict(ctx, "rad1")
	require.NoError(t, err)
	assert.False(t, ok)
	vs, err := two.Verdicts(ctx, "b", "rad1")
	require.NoError(t, err)
	assert.Len(t, vs, 1)

	inStudy := newBenchStore(s, "pilot")
	vs, err = inStudy.AllVerdicts(ctx, "")
	require.NoError(t, err)
	assert.Empty(t, vs, "a study session does not see verdicts given outside it")
}

// Two compare sessions of the same annotator: each undo withdraws only its
// own session's judgment and reads back the item's current judgments.
func TestBenchStoreCompareUndo(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "wl.cxr.db"))
	require.NoError(t, err)
	defer s.Close()
	one, two := newBenchStore(s, ""), newBenchStore(s, "")
	v := audit.CompareVerdict{ItemID: "a", RunA: "v1", RunB: "v2", DifferenceKey: "effusion/only_a/a0/b-", Preference: audit.PreferA, Annotator: "rad1"}
	_, err = one.SaveCompareVerdict(ctx, v)
	require.NoError(t, err)
	v.ItemID = "b"
	_, err = two.SaveCompareVerdict(ctx, v)
	require.NoError(t, err)

	undone, now, ok, err := one.UndoCompareVerdict(ctx, "rad1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "a", undone.ItemID, "session one undoes its own judgment, not session two's later one")
	assert.Empty(t, now)
	_, _, ok, err = one.UndoCompareVerdict(ctx, "rad1")
	require.NoError(t, err)
	assert.False(t, ok)
	vs, err := s.CompareVerdicts(ctx)
	require.NoError(t, err)
	require.Len(t, vs, 1)
	assert.Equal(t, "b", vs[0].ItemID)
}
