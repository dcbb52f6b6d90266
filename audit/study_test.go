package audit

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStudyValidate(t *testing.T) {
	ok := Study{Name: "pilot-1", Readers: []string{"alice", "bob"}, PerItem: 2, Adjudicators: []string{"carol"}}
	require.NoError(t, ok.Validate())
	tests := []struct {
		name   string
		change func(*Study)
		want   string
	}{
		{"empty name", func(s *Study) { s.Name = "" }, "name"},
		{"name with a space", func(s *Study) { s.Name = "my study" }, "letters, digits"},
		{"name with an escape", func(s *Study) { s.Name = "a\x1b[2J" }, "letters, digits"},
		{"long name", func(s *Study) { s.Name = fmt.Sprintf("%065d", 0) }, "1 to 64"},
		{"no readers", func(s *Study) { s.Readers = nil }, "at least one reader"},
		{"per item above readers", func(s *Study) { s.PerItem = 3 }, "per item: 3: want 1 to 2"},
		{"per item 0", func(s *Study) { s.PerItem = 0 }, "want 1 to 2"},
		{"double reading without an adjudicator", func(s *Study) { s.Adjudicators = nil }, "needs an adjudicator"},
		{"reader twice", func(s *Study) { s.Readers = []string{"alice", "alice"} }, `"alice" is already one of the readers`},
		{"reader adjudicates", func(s *Study) { s.Adjudicators = []string{"bob"} }, `"bob" is already one of the readers`},
		{"empty reader", func(s *Study) { s.Readers = []string{"alice", ""} }, "entry 2"},
		{"reader with a comma", func(s *Study) { s.Readers = []string{"alice", "b,c"} }, "comma"},
		{"reader with spaces", func(s *Study) { s.Readers = []string{"alice", " bob"} }, "space"},
		{"adjudicator with a control", func(s *Study) { s.Adjudicators = []string{"c\x07"} }, "not printable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			s.Readers = append([]string(nil), ok.Readers...)
			tt.change(&s)
			err := s.Validate()
			require.ErrorIs(t, err, ErrInvalidStudy)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	single := Study{Name: "solo", Readers: []string{"alice"}, PerItem: 1}
	assert.NoError(t, single.Validate(), "single reading needs no adjudicator")
}

func TestStudyReadersAt(t *testing.T) {
	tests := []struct {
		readers []string
		perItem int
		want    [][]string
	}{
		{[]string{"a", "b"}, 2, [][]string{{"a", "b"}, {"a", "b"}, {"a", "b"}}},
		{[]string{"a", "b", "c"}, 2, [][]string{{"a", "b"}, {"c", "a"}, {"b", "c"}, {"a", "b"}}},
		{[]string{"a", "b", "c"}, 1, [][]string{{"a"}, {"b"}, {"c"}, {"a"}}},
		{[]string{"a", "b", "c", "d"}, 3, [][]string{{"a", "b", "c"}, {"d", "a", "b"}, {"c", "d", "a"}, {"b", "c", "d"}}},
	}
	for _, tt := range tests {
		s := Study{Readers: tt.readers, PerItem: tt.perItem}
		for n, want := range tt.want {
			assert.Equal(t, want, s.ReadersAt(n), "%v k=%d item %d", tt.readers, tt.perItem, n)
		}
	}
}

// The rule is even: over every prefix of the items, each reader has the
// same number of items, give or take one, and no item has a reader twice.
func TestStudyReadersAtIsEven(t *testing.T) {
	for r := 1; r <= 7; r++ {
		for k := 1; k <= r; k++ {
			readers := make([]string, r)
			for i := range readers {
				readers[i] = fmt.Sprint("r", i)
			}
			s := Study{Readers: readers, PerItem: k}
			load := map[string]int{}
			for n := range 50 {
				got := s.ReadersAt(n)
				require.Len(t, got, k)
				seen := map[string]bool{}
				for _, g := range got {
					require.False(t, seen[g], "item %d has %s twice (r=%d k=%d)", n, g, r, k)
					seen[g] = true
					load[g]++
				}
				lo, hi := 1<<30, 0
				for _, name := range readers {
					lo, hi = min(lo, load[name]), max(hi, load[name])
				}
				require.LessOrEqual(t, hi-lo, 1, "after %d items (r=%d k=%d): %v", n+1, r, k, load)
			}
		}
	}
}

func TestResolve(t *testing.T) {
	readers, adj := []string{"alice", "bob"}, []string{"carol", "dave"}
	j := func(who string, d Decision, id int64) Judgement {
		return Judgement{Annotator: who, Decision: d, VerdictID: id}
	}
	tests := []struct {
		name  string
		js    []Judgement
		state UnitState
		final Decision
		by    string
	}{
		{"nothing yet", nil, UnitOpen, "", ""},
		{"one reader", []Judgement{j("alice", ImageRight, 1)}, UnitOpen, "", ""},
		{"a reader not assigned does not count", []Judgement{j("alice", ImageRight, 1), j("eve", ImageRight, 2)}, UnitOpen, "", ""},
		{"agreed", []Judgement{j("alice", Unsure, 1), j("bob", Unsure, 2)}, UnitAgreed, Unsure, "readers"},
		{"disputed", []Judgement{j("alice", ImageRight, 1), j("bob", DraftRight, 2)}, UnitDisputed, "", ""},
		{"adjudicated", []Judgement{j("alice", ImageRight, 1), j("bob", DraftRight, 2), j("carol", DraftRight, 3)}, UnitAdjudicated, DraftRight, "carol"},
		{"the latest adjudicator wins", []Judgement{j("alice", ImageRight, 1), j("bob", DraftRight, 2), j("dave", BothWrong, 9), j("carol", DraftRight, 3)}, UnitAdjudicated, BothWrong, "dave"},
		// An adjudicator acts on disputes only: a verdict given before the
		// readers read, or on a unit they agreed on, settles nothing.
		{"an adjudicator before the readers: still open", []Judgement{j("carol", ImageRight, 1)}, UnitOpen, "", ""},
		{"an adjudicator before one reader: still open", []Judgement{j("carol", ImageRight, 1), j("alice", DraftRight, 2)}, UnitOpen, "", ""},
		{"an adjudicator never overrides agreed readers", []Judgement{j("alice", ImageRight, 1), j("bob", ImageRight, 2), j("carol", Unsure, 3)}, UnitAgreed, ImageRight, "readers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, final, by := Resolve(readers, adj, tt.js)
			assert.Equal(t, tt.state, state)
			assert.Equal(t, tt.final, final)
			assert.Equal(t, tt.by, by)
		})
	}
	state, _, _ := Resolve(nil, adj, nil)
	assert.Equal(t, UnitOpen, state, "no readers: open")
}

func TestStudyRoleOf(t *testing.T) {
	s := Study{Readers: []string{"alice", "bob"}, Adjudicators: []string{"carol"}}
	assert.Equal(t, RoleReader, s.RoleOf("bob"))
	assert.Equal(t, RoleAdjudicator, s.RoleOf("carol"))
	assert.Equal(t, Role(""), s.RoleOf("eve"))
	assert.Equal(t, "alice (reader), bob (reader), carol (adjudicator)", s.Members())
}

func TestProgress(t *testing.T) {
	st := Study{Name: "p", Readers: []string{"alice", "bob", "dan"}, PerItem: 2, Adjudicators: []string{"carol"}}
	items := []StudyItem{
		{ItemID: "c0", Readers: []string{"alice", "bob"}, HasResult: true},
		{ItemID: "c1", Readers: []string{"dan", "alice"}, HasResult: true},
		{ItemID: "c2", Readers: []string{"bob", "dan"}},
	}
	j := func(who string, d Decision) Judgement { return Judgement{Annotator: who, Decision: d} }
	units := []StudyUnit{
		{ItemID: "c0", Readers: items[0].Readers, State: UnitAgreed, Judgements: []Judgement{j("alice", ImageRight), j("bob", ImageRight)}},
		{ItemID: "c0", Readers: items[0].Readers, State: UnitAdjudicated, FinalBy: "carol",
			Judgements: []Judgement{j("alice", ImageRight), j("bob", DraftRight), j("carol", DraftRight)}},
		{ItemID: "c1", Readers: items[1].Readers, State: UnitOpen, Judgements: []Judgement{j("alice", Unsure)}},
	}
	p := Progress(st, items, units)
	assert.Equal(t, 3, p.Items)
	assert.Equal(t, 2, p.ItemsRun)
	assert.Equal(t, 3, p.Units)
	assert.Equal(t, map[UnitState]int{UnitOpen: 1, UnitAgreed: 1, UnitDisputed: 0, UnitAdjudicated: 1}, p.States)
	assert.False(t, p.Complete)
	assert.Equal(t, []ReaderProgress{
		{Reader: "alice", Items: 2, ItemsRun: 2, Units: 3, Judged: 3, ItemsDone: 2},
		{Reader: "bob", Items: 2, ItemsRun: 1, Units: 2, Judged: 2, ItemsDone: 1},
		{Reader: "dan", Items: 2, ItemsRun: 1, Units: 1, Judged: 0, ItemsDone: 0},
	}, p.Readers)
	assert.Equal(t, []AdjudicatorProgress{{Adjudicator: "carol", Settled: 1}}, p.Adjudicators)

	done := Progress(st, items[:1], units[:2])
	assert.True(t, done.Complete)
}

func TestReviewItems(t *testing.T) {
	st := Study{Name: "p", Readers: []string{"alice", "bob", "dan"}, PerItem: 2, Adjudicators: []string{"carol"}}
	items := []StudyItem{
		{ItemID: "c0", Readers: []string{"alice", "bob"}},
		{ItemID: "c1", Readers: []string{"dan", "alice"}},
		{ItemID: "c2", Readers: []string{"bob", "dan"}},
	}
	units := []StudyUnit{
		{ItemID: "c0", State: UnitAgreed},
		{ItemID: "c1", State: UnitOpen},
		{ItemID: "c2", State: UnitDisputed},
		{ItemID: "c2", State: UnitAdjudicated},
		{ItemID: "c0", State: UnitAdjudicated},
	}
	for _, tt := range []struct {
		who  string
		ids  []string
		role Role
	}{
		{"alice", []string{"c0", "c1"}, RoleReader},
		{"bob", []string{"c0", "c2"}, RoleReader},
		{"carol", []string{"c2", "c0"}, RoleAdjudicator},
	} {
		ids, role, err := ReviewItems(st, tt.who, items, units)
		require.NoError(t, err)
		assert.Equal(t, tt.ids, ids, tt.who)
		assert.Equal(t, tt.role, role)
	}
	_, _, err := ReviewItems(st, "eve", items, units)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"eve" is not a member of study p: its members are alice (reader), bob (reader), dan (reader), carol (adjudicator)`)
}
