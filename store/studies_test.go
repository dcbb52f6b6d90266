package store_test

// Synthetic data only: no real patient data exist here.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

func pilotStudy() audit.Study {
	return audit.Study{Name: "pilot", Readers: []string{"alice", "bob", "dan"}, PerItem: 2, Adjudicators: []string{"carol"}, CreatedBy: "pi"}
}

func putStudyItems(t *testing.T, s *store.Store, from, to int) {
	t.Helper()
	var items []audit.ItemRecord
	for i := from; i < to; i++ {
		items = append(items, audit.ItemRecord{ID: fmt.Sprintf("c%02d", i), Image: "x.png", Seq: i})
	}
	require.NoError(t, s.PutItems(context.Background(), items))
}

// eventsOf returns the store's events of one kind.
func eventsOf(t *testing.T, s *store.Store, kind string) []audit.Event {
	t.Helper()
	all, err := s.Events(context.Background(), 0, 0)
	require.NoError(t, err)
	var out []audit.Event
	for _, e := range all {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func TestStudyCreateAndAssign(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t, store.WithClock(fakeClock()))
		st, err := s.CreateStudy(ctx, pilotStudy())
		require.NoError(t, err)
		assert.False(t, st.CreatedAt.IsZero())

		got, err := s.Study(ctx, "pilot")
		require.NoError(t, err)
		assert.Equal(t, st.Readers, got.Readers, "readers keep their order: it is the rule's")
		assert.Equal(t, []string{"carol"}, got.Adjudicators)
		assert.Equal(t, 2, got.PerItem)
		assert.Equal(t, "pi", got.CreatedBy)

		_, err = s.CreateStudy(ctx, pilotStudy())
		require.ErrorIs(t, err, store.ErrStudyExists)
		bad := pilotStudy()
		bad.Name, bad.PerItem = "other", 4
		_, err = s.CreateStudy(ctx, bad)
		require.ErrorIs(t, err, store.ErrInvalid)
		require.ErrorIs(t, err, audit.ErrInvalidStudy)
		_, err = s.Study(ctx, "nope")
		require.ErrorIs(t, err, store.ErrNoStudy)

		// Items stored out of order: assigned in worklist order.
		putStudyItems(t, s, 3, 5)
		putStudyItems(t, s, 0, 3)
		added, err := s.AssignStudy(ctx, "pilot", "pi")
		require.NoError(t, err)
		require.Len(t, added, 5)
		want := [][]string{{"alice", "bob"}, {"dan", "alice"}, {"bob", "dan"}, {"alice", "bob"}, {"dan", "alice"}}
		for i, it := range added {
			assert.Equal(t, fmt.Sprintf("c%02d", i), it.ItemID)
			assert.Equal(t, i, it.Position)
			assert.Equal(t, want[i], it.Readers)
		}
		again, err := s.AssignStudy(ctx, "pilot", "pi")
		require.NoError(t, err)
		assert.Empty(t, again, "every item is assigned already")

		// Items added later continue the rotation.
		putStudyItems(t, s, 5, 7)
		added, err = s.AssignStudy(ctx, "pilot", "pi")
		require.NoError(t, err)
		require.Len(t, added, 2)
		assert.Equal(t, 5, added[0].Position)
		assert.Equal(t, []string{"bob", "dan"}, added[0].Readers)

		items, err := s.StudyItems(ctx, "pilot")
		require.NoError(t, err)
		require.Len(t, items, 7)
		assert.Equal(t, []string{"dan", "alice"}, items[1].Readers)
		assert.False(t, items[1].HasResult)

		assert.Len(t, eventsOf(t, s, "study_create"), 1)
		assign := eventsOf(t, s, "study_assign")
		require.Len(t, assign, 7)
		assert.Equal(t, "c01", assign[1].ItemID)
		assert.JSONEq(t, `{"study":"pilot","position":1,"readers":["dan","alice"]}`, assign[1].Data)

		all, err := s.Studies(ctx)
		require.NoError(t, err)
		require.Len(t, all, 1)
		_, err = s.AssignStudy(ctx, "nope", "pi")
		require.ErrorIs(t, err, store.ErrNoStudy)
	})
}

// A study's definition and assignments are part of the audit trail: the
// database itself refuses to change or delete them.
func TestStudyTablesAppendOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		loc := be.location(t)
		s, err := store.Open(ctx, loc)
		require.NoError(t, err)
		_, err = s.CreateStudy(ctx, pilotStudy())
		require.NoError(t, err)
		putStudyItems(t, s, 0, 2)
		_, err = s.AssignStudy(ctx, "pilot", "pi")
		require.NoError(t, err)
		require.NoError(t, s.Close())

		db := be.raw(t, loc)
		for _, q := range []string{
			"UPDATE studies SET per_item = 1",
			"DELETE FROM studies",
			"UPDATE study_members SET role = 'reader'",
			"DELETE FROM study_members",
			"UPDATE study_items SET reader = 'eve'",
			"DELETE FROM study_items",
		} {
			_, err := db.Exec(q)
			require.Error(t, err, q)
			assert.Contains(t, err.Error(), "append-only", q)
		}
		if be.name == "postgres" {
			_, err := db.Exec("TRUNCATE study_items")
			require.Error(t, err)
		}
	})
}

// unitEvent is a decoded "study_unit" event.
type unitEvent struct {
	Item, Annotator string
	Study           string `json:"study"`
	Key             string `json:"disagreement_key"`
	From, To        audit.UnitState
	Final           audit.Decision `json:"final"`
	FinalBy         string         `json:"final_by"`
}

func unitEvents(t *testing.T, s *store.Store) []unitEvent {
	t.Helper()
	var out []unitEvent
	for _, e := range eventsOf(t, s, "study_unit") {
		var u unitEvent
		require.NoError(t, json.Unmarshal([]byte(e.Data), &u))
		u.Item, u.Annotator = e.ItemID, e.Annotator
		out = append(out, u)
	}
	return out
}

// Every step of a disputed unit is in the event log: readers who differ
// send it to adjudication, the adjudicator settles it, an undo reopens it.
func TestStudyUnitTransitions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		st := audit.Study{Name: "duo", Readers: []string{"alice", "bob"}, PerItem: 2, Adjudicators: []string{"carol"}}
		_, err := s.CreateStudy(ctx, st)
		require.NoError(t, err)
		putStudyItems(t, s, 0, 2)
		_, err = s.AssignStudy(ctx, "duo", "pi")
		require.NoError(t, err)
		key := "pneumothorax/missed_in_draft"
		rep := &audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
			{Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Urgent: true},
			{Label: schema.Cardiomegaly, Kind: audit.UnsupportedByImage},
		}}
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "c00", Report: rep}))
		save := func(who string, d audit.Decision) {
			_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "c00", DisagreementKey: key, Decision: d, Annotator: who, Study: "duo"})
			require.NoError(t, err)
		}
		undo := func(who string) {
			_, ok, err := s.UndoLastVerdict(ctx, who)
			require.NoError(t, err)
			require.True(t, ok)
		}

		save("alice", audit.ImageRight) // open → open: nothing logged
		_, err = s.SaveVerdict(ctx, audit.Verdict{ItemID: "c00", DisagreementKey: key, Decision: audit.DraftRight, Annotator: "eve"})
		require.NoError(t, err) // not a member, not in the study: nothing logged
		assert.Empty(t, unitEvents(t, s))
		save("bob", audit.DraftRight) // open → disputed
		save("carol", audit.DraftRight)
		undo("carol")
		save("bob", audit.ImageRight) // disputed → agreed
		undo("bob")                   // agreed → disputed

		got := unitEvents(t, s)
		want := []unitEvent{
			{Item: "c00", Annotator: "bob", Study: "duo", Key: key, From: audit.UnitOpen, To: audit.UnitDisputed},
			{Item: "c00", Annotator: "carol", Study: "duo", Key: key, From: audit.UnitDisputed, To: audit.UnitAdjudicated, Final: audit.DraftRight, FinalBy: "carol"},
			{Item: "c00", Annotator: "carol", Study: "duo", Key: key, From: audit.UnitAdjudicated, To: audit.UnitDisputed},
			{Item: "c00", Annotator: "bob", Study: "duo", Key: key, From: audit.UnitDisputed, To: audit.UnitAgreed, Final: audit.ImageRight, FinalBy: "readers"},
			{Item: "c00", Annotator: "bob", Study: "duo", Key: key, From: audit.UnitAgreed, To: audit.UnitDisputed},
		}
		assert.Equal(t, want, got)
		ev := eventsOf(t, s, "study_unit")
		assert.JSONEq(t, `{"study":"duo","disagreement_key":"pneumothorax/missed_in_draft","from":"open","to":"disputed",
			"judgements":[{"annotator":"alice","decision":"image_right"},{"annotator":"bob","decision":"draft_right"}]}`, ev[0].Data,
			"the event names both readers' verdicts, not eve's")

		units, err := s.StudyUnits(ctx, "duo")
		require.NoError(t, err)
		require.Len(t, units, 2, "c00's two disagreements; c01 has not run")
		assert.Equal(t, audit.StudyUnit{
			ItemID: "c00", Key: key, Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Readers: []string{"alice", "bob"},
			Judgements: []audit.Judgement{{Annotator: "alice", Decision: audit.ImageRight}, {Annotator: "bob", Decision: audit.DraftRight}},
			State:      audit.UnitDisputed,
		}, clearIDs(units[0]))
		assert.Equal(t, audit.UnitOpen, units[1].State)
		assert.Equal(t, "cardiomegaly/unsupported_by_image", units[1].Key)
		assert.Empty(t, units[1].Judgements)

		// The adjudicator settles it; a rerun that drops the
		// disagreement keeps the unit, marked stale.
		save("carol", audit.BothWrong)
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "c00", Report: &audit.Report{}}))
		units, err = s.StudyUnits(ctx, "duo")
		require.NoError(t, err)
		require.Len(t, units, 1)
		assert.True(t, units[0].Stale)
		assert.Equal(t, audit.UnitAdjudicated, units[0].State)
		assert.Equal(t, audit.BothWrong, units[0].Final)
		assert.Equal(t, "carol", units[0].FinalBy)
		require.Len(t, units[0].Judgements, 3, "alice, bob, then carol")
		assert.Equal(t, "carol", units[0].Judgements[2].Annotator)
	})
}

func clearIDs(u audit.StudyUnit) audit.StudyUnit {
	for i := range u.Judgements {
		u.Judgements[i].VerdictID = 0
	}
	return u
}

// Two readers saving their verdicts on the same units at the same time,
// each through its own connection: every unit goes to adjudication
// exactly once in the log. Without the unit lock, on PostgreSQL each
// transaction misses the other's uncommitted verdict and neither logs it.
func TestStudyConcurrentReadersLogEachDisputeOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		loc := be.location(t)
		s, err := store.Open(ctx, loc)
		require.NoError(t, err)
		defer s.Close()
		_, err = s.CreateStudy(ctx, audit.Study{Name: "race", Readers: []string{"alice", "bob"}, PerItem: 2, Adjudicators: []string{"carol"}})
		require.NoError(t, err)
		const n = 40
		putStudyItems(t, s, 0, n)
		_, err = s.AssignStudy(ctx, "race", "pi")
		require.NoError(t, err)

		readers := []struct {
			who string
			d   audit.Decision
			s   *store.Store
		}{{"alice", audit.ImageRight, nil}, {"bob", audit.DraftRight, nil}}
		for i := range readers {
			readers[i].s, err = store.Open(ctx, loc)
			require.NoError(t, err)
			defer readers[i].s.Close()
		}
		// Per item, both saves start together.
		for i := range n {
			start := make(chan struct{})
			var wg sync.WaitGroup
			for _, r := range readers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := r.s.SaveVerdict(ctx, audit.Verdict{ItemID: fmt.Sprintf("c%02d", i), DisagreementKey: "nodule_mass/missed_in_draft", Decision: r.d, Annotator: r.who, Study: "race"})
					assert.NoError(t, err)
				}()
			}
			close(start)
			wg.Wait()
		}
		disputes := map[string]int{}
		for _, e := range unitEvents(t, s) {
			require.Equal(t, audit.UnitDisputed, e.To, "%+v", e)
			disputes[e.Item]++
		}
		assert.Len(t, disputes, n, "every unit logged")
		for item, c := range disputes {
			assert.Equal(t, 1, c, item)
		}
	})
}

// BenchmarkSaveVerdictInStudy measures one durable verdict on an item of
// a two-reader study (the unit's state read before and after, and on
// PostgreSQL its lock), beside BenchmarkSaveVerdict's item in no study.
func BenchmarkSaveVerdictInStudy(b *testing.B) {
	ctx := context.Background()
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			_, err := s.CreateStudy(ctx, audit.Study{Name: "bench", Readers: []string{"rad1", "rad2"}, PerItem: 2, Adjudicators: []string{"adj"}})
			require.NoError(b, err)
			items := make([]audit.ItemRecord, 1000)
			for i := range items {
				items[i] = audit.ItemRecord{ID: fmt.Sprintf("item-%d", i), Seq: i}
			}
			require.NoError(b, s.PutItems(ctx, items))
			_, err = s.AssignStudy(ctx, "bench", "pi")
			require.NoError(b, err)
			i := 0
			for b.Loop() {
				who := []string{"rad1", "rad2"}[i%2]
				_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: fmt.Sprintf("item-%d", (i/2)%1000), DisagreementKey: "pneumothorax/missed_in_draft",
					Decision: audit.ImageRight, Annotator: who, Study: "bench"})
				require.NoError(b, err)
				i++
			}
		})
	}
}

// TestAssignStudyItemsOnlyThoseGiven: a study created from a worklist with
// the store named elsewhere got every stored item. AssignStudyItems
// assigns the stored ones among only, in only's order, each once.
func TestAssignStudyItemsOnlyThoseGiven(t *testing.T) {
	tests := []struct {
		name string
		only []string
		want []string
	}{
		{"nil: every stored item", nil, []string{"c00", "c01", "c02", "c03"}},
		{"the given order", []string{"c03", "c01"}, []string{"c03", "c01"}},
		{"unknown and repeated ids", []string{"zz", "c02", "c02", "c00"}, []string{"c02", "c00"}},
		{"none stored", []string{"zz"}, nil},
		{"empty", []string{}, nil},
	}
	forEachBackend(t, func(t *testing.T, be backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				s := be.open(t)
				putStudyItems(t, s, 0, 4)
				_, err := s.CreateStudy(ctx, pilotStudy())
				require.NoError(t, err)
				added, err := s.AssignStudyItems(ctx, "pilot", "pi", tt.only)
				require.NoError(t, err)
				var got []string
				for i, it := range added {
					got = append(got, it.ItemID)
					assert.Equal(t, i, it.Position, "numbered in the order given")
				}
				assert.Equal(t, tt.want, got)
				again, err := s.AssignStudyItems(ctx, "pilot", "pi", tt.only)
				require.NoError(t, err)
				assert.Empty(t, again, "an item the study holds is passed over")
			})
		}
	})
}
