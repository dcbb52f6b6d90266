package store_test

// All data in these tests are synthetic: no real patient data exist here.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// fakeClock returns a clock that starts at a fixed instant and advances one
// second per call, so every stamp is distinct and predictable.
func fakeClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func openTemp(t testing.TB, opts ...store.Option) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "wl.cxr.db"), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func TestDefaultPath(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "cases.v2")
	require.NoError(t, os.Mkdir(sub, 0o755))
	tests := []struct {
		name, in, want string
	}{
		{"csv", "/data/wl.csv", "/data/wl.cxr.db"},
		{"jsonl", "/data/batch.1.jsonl", "/data/batch.1.cxr.db"},
		{"relative", "wl.csv", "wl.cxr.db"},
		{"no extension", "/data/wl", "/data/wl.cxr.db"},
		{"directory keeps its dotted name", sub, filepath.Join(dir, "cases.v2.cxr.db")},
		{"trailing slash", sub + "/", filepath.Join(dir, "cases.v2.cxr.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, store.DefaultPath(tt.in))
		})
	}
}

func TestOpenSetsPragmas(t *testing.T) {
	s := openTemp(t)
	assert.True(t, filepath.IsAbs(s.Path()))
	db, err := sql.Open("sqlite", s.Path())
	require.NoError(t, err)
	defer db.Close()
	var mode string
	require.NoError(t, db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode, "journal mode is persistent in the file")
	var version int
	require.NoError(t, db.QueryRow("PRAGMA user_version").Scan(&version))
	assert.Equal(t, store.SchemaVersion(), version)
	assert.GreaterOrEqual(t, store.SchemaVersion(), 2)
}

func TestOpenBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "wl.csv")
	csvBody := "id,image,draft\na1,img/a1.png,No acute findings.\n"
	require.NoError(t, os.WriteFile(csvPath, []byte(csvBody), 0o644))
	short := filepath.Join(dir, "short.db")
	require.NoError(t, os.WriteFile(short, []byte("SQL"), 0o644))
	aFile := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(aFile, []byte("x"), 0o644))
	foreign := filepath.Join(dir, "foreign.db")
	{
		db, err := sql.Open("sqlite", foreign)
		require.NoError(t, err)
		_, err = db.Exec("CREATE TABLE t (x INTEGER)")
		require.NoError(t, err)
		require.NoError(t, db.Close())
	}

	tests := []struct {
		name    string
		path    string
		opts    []store.Option
		want    []string // substrings of the message
		is      error
		keepRaw []byte // the file's content must be unchanged
	}{
		{name: "csv by mistake", path: csvPath, want: []string{csvPath, "not an SQLite database"}, is: store.ErrNotStore, keepRaw: []byte(csvBody)},
		{name: "short junk", path: short, want: []string{short}, is: store.ErrNotStore, keepRaw: []byte("SQL")},
		{name: "a directory", path: dir, want: []string{dir, "directory"}, is: store.ErrNotStore},
		{name: "another program's database", path: foreign, want: []string{foreign, "another program"}, is: store.ErrNotStore},
		{name: "missing directory", path: filepath.Join(dir, "nope", "x.db"), want: []string{"nope", "no such file"}, is: fs.ErrNotExist},
		{name: "parent is a file", path: filepath.Join(aFile, "x.db"), want: []string{aFile, "not a directory"}},
		{name: "read-only open of missing file", path: filepath.Join(dir, "absent.db"), opts: []store.Option{store.ReadOnly()}, want: []string{"absent.db", "does not exist"}, is: fs.ErrNotExist},
		{name: "empty path", path: "", want: []string{"path"}, is: store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := store.Open(ctx, tt.path, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, s)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			if tt.keepRaw != nil {
				got, rerr := os.ReadFile(tt.path)
				require.NoError(t, rerr)
				assert.Equal(t, tt.keepRaw, got, "file must be left untouched")
				_, serr := os.Stat(tt.path + "-wal")
				assert.ErrorIs(t, serr, fs.ErrNotExist, "no WAL created beside it")
			}
		})
	}
	_, err := os.Stat(filepath.Join(dir, "absent.db"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "read-only open must not create the file")
}

func TestOpenReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	require.NoError(t, os.Mkdir(dir, 0o555))
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	_, err := store.Open(context.Background(), filepath.Join(dir, "x.db"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), dir)
}

func TestItemsRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		items := []audit.ItemRecord{
			{ID: "b", Image: "img/b.png", Draft: "Small left effusion.", Seq: 1},
			{ID: "a", Image: "img/a.png", Draft: "No acute findings.", Seq: 0},
		}
		require.NoError(t, s.PutItems(ctx, items))
		got, err := s.Items(ctx)
		require.NoError(t, err)
		assert.Equal(t, []audit.ItemRecord{items[1], items[0]}, got)

		// Upsert: change one, add one, keep the other.
		require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{{ID: "a", Image: "img/a2.png", Seq: 5}, {ID: "c", Seq: 2}}))
		got, err = s.Items(ctx)
		require.NoError(t, err)
		assert.Equal(t, []audit.ItemRecord{items[0], {ID: "c", Seq: 2}, {ID: "a", Image: "img/a2.png", Seq: 5}}, got)

		err = s.PutItems(ctx, []audit.ItemRecord{{ID: "ok"}, {ID: ""}})
		require.ErrorIs(t, err, store.ErrInvalid)
		assert.Contains(t, err.Error(), "field ID")
		got, err = s.Items(ctx)
		require.NoError(t, err)
		assert.Len(t, got, 3, "a refused batch writes nothing")
	})
}

func sampleStage(key string, stage audit.Stage) audit.StageRecord {
	box := schema.Box{Y0: 0.1, X0: 0.2, Y1: 0.5, X1: 0.6}
	conf := 0.75
	return audit.StageRecord{
		Key: key, Stage: stage, ItemID: "a1",
		ImageHash: "img-sha", DraftHash: "draft-sha",
		Model: "medgemma:4b", ModelDigest: "sha256:abc", PromptDigest: "p1", Options: `{"seed":42,"temperature":0}`,
		Host: "http://127.0.0.1:11434",
		Raw:  `{"findings":[]}`, Thinking: "hmm", DoneReason: "stop", Done: true,
		Findings:     []schema.Finding{{Label: schema.Pneumothorax, Box: &box, Confidence: &conf, Evidence: "pleural line"}, {Label: schema.Cardiomegaly}},
		SystemDigest: "sha256:sys", Ladder: "served/3/sample=0.4,0.9/corrective=sha256:c",
		Attempts: []audit.Attempt{
			{N: 1, Seed: 42, Raw: "prose", Done: true, DoneReason: "stop", EvalCount: 9, Wall: time.Second, Error: "no usable list"},
			{N: 2, Corrective: true, Seed: 42, Raw: `{"findings":[]}`, Done: true, DoneReason: "stop", EvalCount: 4, Wall: 2 * time.Second},
		},
		Labels:          []schema.DraftLabel{{Label: schema.PleuralEffusion, Status: schema.StatusPresent, Span: "small effusion"}},
		Diagnostics:     schema.Diagnostics{Salvaged: true, Notes: []schema.Diagnostic{{Kind: "truncated", Message: "cut"}}},
		PromptEvalCount: 300, EvalCount: 40,
		TotalDuration: 2 * time.Second, LoadDuration: time.Millisecond, EvalDuration: time.Second, Wall: 3 * time.Second,
		CreatedAt: time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC),
	}
}

func TestStageCache(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t, store.WithClock(fakeClock()))

		_, ok, err := s.GetStage(ctx, "k1")
		require.NoError(t, err)
		assert.False(t, ok, "miss on an empty store")

		rec := sampleStage("k1", audit.StageGrounding)
		require.NoError(t, s.PutStage(ctx, rec))
		got, ok, err := s.GetStage(ctx, "k1")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, rec, got, "every field round-trips")

		// A failed record under a new key is stored but never served.
		failed := audit.StageRecord{Key: "k2", Stage: audit.StageDraft, ItemID: "a1", Raw: "partial", Error: "HTTP 500"}
		require.NoError(t, s.PutStage(ctx, failed))
		_, ok, err = s.GetStage(ctx, "k2")
		require.NoError(t, err)
		assert.False(t, ok, "a failed call must be recomputed")

		// A later failure under a cached key does not hide the good record.
		require.NoError(t, s.PutStage(ctx, audit.StageRecord{Key: "k1", Stage: audit.StageGrounding, Error: "timeout"}))
		got, ok, err = s.GetStage(ctx, "k1")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, rec.Raw, got.Raw)

		// A successful rerun supersedes the earlier record.
		rerun := rec
		rerun.Raw, rerun.Findings, rerun.CreatedAt = `{"findings":[{"label":"no_finding"}]}`, []schema.Finding{{Label: schema.NoFinding}}, time.Time{}
		require.NoError(t, s.PutStage(ctx, rerun))
		got, ok, err = s.GetStage(ctx, "k1")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, rerun.Raw, got.Raw)
		assert.Equal(t, rerun.Findings, got.Findings)
		assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 8, 0, time.UTC), got.CreatedAt, "zero CreatedAt stamped by the clock (3rd stamp)")

		// Then a success for the failed key makes it a hit.
		ok2 := failed
		ok2.Error, ok2.Raw = "", `{"labels":[]}`
		require.NoError(t, s.PutStage(ctx, ok2))
		got, ok, err = s.GetStage(ctx, "k2")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, ok2.Raw, got.Raw)
	})
}

func TestPutStageValidation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		s := be.open(t)
		tests := []struct {
			name  string
			rec   audit.StageRecord
			field string
		}{
			{"no key", audit.StageRecord{Stage: audit.StageDraft}, "field Key"},
			{"bad stage", audit.StageRecord{Key: "k", Stage: "vision"}, "field Stage"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.PutStage(context.Background(), tt.rec)
				require.ErrorIs(t, err, store.ErrInvalid)
				assert.Contains(t, err.Error(), tt.field)
				assert.Contains(t, err.Error(), s.Path())
			})
		}
	})
}

func sampleReport() *audit.Report {
	return &audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
		{Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Urgent: true, DraftSpans: []string{}, Boxes: []schema.Box{{Y0: 0.1, X0: 0.1, Y1: 0.4, X1: 0.3}}},
		{Label: schema.Cardiomegaly, Kind: audit.UnsupportedByImage, DraftSpans: []string{"enlarged heart"}, Boxes: []schema.Box{}},
	}}
}

func TestResults(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t, store.WithClock(fakeClock()))

		_, ok, err := s.GetResult(ctx, "a1")
		require.NoError(t, err)
		assert.False(t, ok)
		all, err := s.Results(ctx)
		require.NoError(t, err)
		assert.Empty(t, all)

		r1 := audit.ResultRecord{ItemID: "a1", GroundingKey: "g1", DraftKey: "d1", Report: sampleReport(), Salvaged: true,
			UpdatedAt: time.Date(2026, 5, 6, 7, 8, 9, 10, time.UTC)}
		r2 := audit.ResultRecord{ItemID: "a2", GroundingKey: "g2", Error: "grounding: HTTP 500"}
		require.NoError(t, s.PutResult(ctx, r1))
		require.NoError(t, s.PutResult(ctx, r2))

		got, ok, err := s.GetResult(ctx, "a1")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, r1, got)

		got, ok, err = s.GetResult(ctx, "a2")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Nil(t, got.Report)
		assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC), got.UpdatedAt)

		// Latest per item: the rerun replaces the error.
		r2b := audit.ResultRecord{ItemID: "a2", GroundingKey: "g2b", DraftKey: "d2", Report: &audit.Report{Disagreements: []audit.Disagreement{}}}
		require.NoError(t, s.PutResult(ctx, r2b))
		all, err = s.Results(ctx)
		require.NoError(t, err)
		require.Len(t, all, 2)
		assert.Equal(t, r1, all["a1"])
		assert.Equal(t, "g2b", all["a2"].GroundingKey)
		assert.Empty(t, all["a2"].Error)
		require.NotNil(t, all["a2"].Report)
		assert.Empty(t, all["a2"].Report.Disagreements)

		err = s.PutResult(ctx, audit.ResultRecord{})
		require.ErrorIs(t, err, store.ErrInvalid)
		assert.Contains(t, err.Error(), "field ItemID")
	})
}

func TestVerdictValidation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		s := be.open(t)
		good := audit.Verdict{ItemID: "a12", DisagreementKey: "pneumothorax/missed_in_draft", Decision: audit.ImageRight, Annotator: "rad1"}
		tests := []struct {
			name  string
			edit  func(*audit.Verdict)
			field string
		}{
			{"item", func(v *audit.Verdict) { v.ItemID = "" }, "field ItemID"},
			{"key", func(v *audit.Verdict) { v.DisagreementKey = "" }, "field DisagreementKey"},
			{"annotator", func(v *audit.Verdict) { v.Annotator = "" }, "field Annotator"},
			{"decision", func(v *audit.Verdict) { v.Decision = "maybe" }, `field Decision: "maybe" is not one of`},
			{"empty decision", func(v *audit.Verdict) { v.Decision = "" }, "field Decision"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				v := good
				tt.edit(&v)
				_, err := s.SaveVerdict(context.Background(), v)
				require.ErrorIs(t, err, store.ErrInvalid)
				assert.Contains(t, err.Error(), tt.field)
				assert.Contains(t, err.Error(), "store "+s.Path()+": save verdict item")
			})
		}
		all, err := s.AllVerdicts(context.Background(), "")
		require.NoError(t, err)
		assert.Empty(t, all)
	})
}

func TestVerdictOverwriteAndUndo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t, store.WithClock(fakeClock()))
		const ptx, cardio = "pneumothorax/missed_in_draft", "cardiomegaly/unsupported_by_image"
		save := func(item, key string, d audit.Decision, who string) audit.Verdict {
			t.Helper()
			v, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: item, DisagreementKey: key, Decision: d, Annotator: who})
			require.NoError(t, err)
			return v
		}
		current := func(item, who string) map[string]audit.Decision {
			t.Helper()
			vs, err := s.Verdicts(ctx, item, who)
			require.NoError(t, err)
			m := map[string]audit.Decision{}
			for _, v := range vs {
				m[v.Annotator+" "+v.DisagreementKey] = v.Decision
			}
			return m
		}

		v1 := save("a1", ptx, audit.ImageRight, "rad1")
		assert.Positive(t, v1.ID)
		assert.Equal(t, schema.Pneumothorax, v1.Label, "label filled from the key")
		assert.Equal(t, audit.MissedInDraft, v1.Kind)
		assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC), v1.At)

		save("a1", ptx, audit.DraftRight, "rad1") // overwrite
		save("a1", ptx, audit.Unsure, "rad2")     // another annotator
		save("a1", cardio, audit.BothWrong, "rad1")
		save("a2", ptx, audit.ImageRight, "rad1")

		assert.Equal(t, map[string]audit.Decision{
			"rad1 " + cardio: audit.BothWrong, "rad1 " + ptx: audit.DraftRight, "rad2 " + ptx: audit.Unsure,
		}, current("a1", ""))
		assert.Equal(t, map[string]audit.Decision{"rad2 " + ptx: audit.Unsure}, current("a1", "rad2"))

		// Undo rad1's latest (a2), then cardio, then the overwrite: the first
		// verdict for ptx becomes current again.
		steps := []struct {
			wantItem, wantKey string
			wantDecision      audit.Decision
			after             map[string]audit.Decision
		}{
			{"a2", ptx, audit.ImageRight, map[string]audit.Decision{"rad1 " + cardio: audit.BothWrong, "rad1 " + ptx: audit.DraftRight}},
			{"a1", cardio, audit.BothWrong, map[string]audit.Decision{"rad1 " + ptx: audit.DraftRight}},
			{"a1", ptx, audit.DraftRight, map[string]audit.Decision{"rad1 " + ptx: audit.ImageRight}},
			{"a1", ptx, audit.ImageRight, map[string]audit.Decision{}},
		}
		for i, st := range steps {
			u, ok, err := s.UndoLastVerdict(ctx, "rad1")
			require.NoError(t, err, "step %d", i)
			require.True(t, ok, "step %d", i)
			assert.Equal(t, st.wantItem, u.ItemID, "step %d", i)
			assert.Equal(t, st.wantKey, u.DisagreementKey, "step %d", i)
			assert.Equal(t, st.wantDecision, u.Decision, "step %d", i)
			assert.Equal(t, st.after, current("a1", "rad1"), "step %d", i)
		}
		_, ok, err := s.UndoLastVerdict(ctx, "rad1")
		require.NoError(t, err)
		assert.False(t, ok, "nothing left to undo")
		assert.Equal(t, map[string]audit.Decision{"rad2 " + ptx: audit.Unsure}, current("a1", ""), "rad2 untouched")

		// A new verdict after undos is current and is the next one undone.
		v := save("a1", ptx, audit.BothWrong, "rad1")
		u, ok, err := s.UndoLastVerdict(ctx, "rad1")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, v.ID, u.ID)

		all, err := s.AllVerdicts(ctx, "")
		require.NoError(t, err)
		require.Len(t, all, 1)
		assert.Equal(t, "rad2", all[0].Annotator)
		mine, err := s.AllVerdicts(ctx, "rad1")
		require.NoError(t, err)
		assert.Empty(t, mine)

		// Every save and undo is in the audit trail.
		evs, err := s.Events(ctx, 0, 0)
		require.NoError(t, err)
		kinds := map[string]int{}
		for _, e := range evs {
			kinds[e.Kind]++
		}
		assert.Equal(t, map[string]int{"verdict": 6, "undo": 5}, kinds)
		assert.Contains(t, evs[0].Data, fmt.Sprintf(`"verdict_id":%d`, v1.ID))

		_, _, err = s.UndoLastVerdict(ctx, "")
		require.ErrorIs(t, err, store.ErrInvalid)
	})
}

func TestNotes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t, store.WithClock(fakeClock()))
		_, err := s.SaveNote(ctx, audit.Note{ItemID: "a1", Text: "x"})
		require.ErrorIs(t, err, store.ErrInvalid)
		assert.Contains(t, err.Error(), "field Annotator")
		_, err = s.SaveNote(ctx, audit.Note{Annotator: "rad1", Text: "x"})
		require.ErrorIs(t, err, store.ErrInvalid)
		assert.Contains(t, err.Error(), "field ItemID")

		n1, err := s.SaveNote(ctx, audit.Note{ItemID: "a1", Annotator: "rad1", Text: "check apex"})
		require.NoError(t, err)
		assert.Positive(t, n1.ID)
		_, err = s.SaveNote(ctx, audit.Note{ItemID: "a1", Annotator: "rad1", Text: "apex clear on review"})
		require.NoError(t, err)
		_, err = s.SaveNote(ctx, audit.Note{ItemID: "a1", Annotator: "rad2", Text: "agree"})
		require.NoError(t, err)
		_, err = s.SaveNote(ctx, audit.Note{ItemID: "a2", Annotator: "rad1", Text: "other item"})
		require.NoError(t, err)

		tests := []struct {
			item, who string
			want      []string
		}{
			{"a1", "", []string{"rad1: apex clear on review", "rad2: agree"}},
			{"a1", "rad2", []string{"rad2: agree"}},
			{"a3", "", nil},
		}
		for _, tt := range tests {
			ns, err := s.Notes(ctx, tt.item, tt.who)
			require.NoError(t, err)
			var got []string
			for _, n := range ns {
				got = append(got, n.Annotator+": "+n.Text)
			}
			assert.Equal(t, tt.want, got, "%s/%s", tt.item, tt.who)
		}

		// An empty note clears.
		_, err = s.SaveNote(ctx, audit.Note{ItemID: "a1", Annotator: "rad2"})
		require.NoError(t, err)
		ns, err := s.Notes(ctx, "a1", "rad2")
		require.NoError(t, err)
		assert.Empty(t, ns)
	})
}

func TestEventsAppendOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t, store.WithClock(fakeClock()))
		var ids []int64
		for i := range 5 {
			e, err := s.AppendEvent(ctx, audit.Event{Kind: "run_start", Data: fmt.Sprintf(`{"n":%d}`, i)})
			require.NoError(t, err)
			ids = append(ids, e.ID)
		}
		page, err := s.Events(ctx, ids[1], 2)
		require.NoError(t, err)
		require.Len(t, page, 2)
		assert.Equal(t, ids[2], page[0].ID)
		assert.Equal(t, `{"n":2}`, page[0].Data)
		assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 8, 0, time.UTC), page[0].At)

		for _, tt := range []struct {
			name string
			e    audit.Event
			msg  string
		}{
			{"no kind", audit.Event{}, "field Kind"},
			{"bad json", audit.Event{Kind: "x", Data: "{"}, "field Data"},
		} {
			_, err := s.AppendEvent(ctx, tt.e)
			require.ErrorIs(t, err, store.ErrInvalid, tt.name)
			assert.Contains(t, err.Error(), tt.msg)
		}

		// Bypass the API: the database itself refuses to rewrite history.
		_, err = s.SaveVerdict(ctx, audit.Verdict{ItemID: "a", DisagreementKey: "k", Decision: audit.Unsure, Annotator: "r"})
		require.NoError(t, err)
		_, err = s.SaveNote(ctx, audit.Note{ItemID: "a", Annotator: "r", Text: "n"})
		require.NoError(t, err)
		require.NoError(t, s.Close())
		db := be.raw(t, s.Path())
		for _, q := range []string{
			"UPDATE events SET kind = 'forged'",
			"DELETE FROM events WHERE id = 1",
			"DELETE FROM events",
			"UPDATE notes SET text = 'forged'",
			"DELETE FROM notes",
			"DELETE FROM verdicts",
			"UPDATE verdicts SET decision = 'image_right'",
			"UPDATE verdicts SET undone = 1, annotator = 'x'",
		} {
			_, err := db.Exec(q)
			require.Error(t, err, q)
			assert.Contains(t, err.Error(), "append-only", q)
		}
		if be.name == "postgres" {
			for _, table := range []string{"events", "notes", "verdicts"} {
				_, err := db.Exec("TRUNCATE " + table)
				require.Error(t, err, "TRUNCATE %s", table)
				assert.Contains(t, err.Error(), "append-only")
			}
		}
		var n int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM events WHERE kind <> 'forged'").Scan(&n))
		assert.Equal(t, 7, n)
		// The one update allowed: undone 0 -> 1, and never back.
		_, err = db.Exec("UPDATE verdicts SET undone = 1")
		require.NoError(t, err)
		_, err = db.Exec("UPDATE verdicts SET undone = 0")
		require.Error(t, err)
	})
}

func TestReadOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		path := be.location(t)
		w, err := store.Open(ctx, path)
		require.NoError(t, err)
		_, err = w.SaveVerdict(ctx, audit.Verdict{ItemID: "a", DisagreementKey: "k", Decision: audit.Unsure, Annotator: "r"})
		require.NoError(t, err)

		// Open beside a live writer, and after it closed.
		for _, closeWriter := range []bool{false, true} {
			if closeWriter {
				require.NoError(t, w.Close())
			}
			r, err := store.Open(ctx, path, store.ReadOnly())
			require.NoError(t, err)
			vs, err := r.Verdicts(ctx, "a", "")
			require.NoError(t, err)
			assert.Len(t, vs, 1)
			_, err = r.SaveVerdict(ctx, audit.Verdict{ItemID: "a", DisagreementKey: "k", Decision: audit.Unsure, Annotator: "r"})
			require.ErrorIs(t, err, store.ErrReadOnlyStore)
			assert.Contains(t, err.Error(), "read-only")
			require.NoError(t, r.Close())
		}
	})
}

func TestContextCanceled(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		s := be.open(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "a", DisagreementKey: "k", Decision: audit.Unsure, Annotator: "r"})
		require.ErrorIs(t, err, context.Canceled)
		_, err = s.Verdicts(ctx, "a", "")
		require.True(t, errors.Is(err, context.Canceled))
	})
}

func TestConcurrentWriters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		const goroutines, each = 8, 100
		var (
			writers sync.WaitGroup
			others  sync.WaitGroup
			mu      sync.Mutex
			errs    []error
		)
		record := func(err error) {
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}
		for g := range goroutines {
			writers.Go(func() {
				for i := range each {
					_, err := s.SaveVerdict(ctx, audit.Verdict{
						ItemID: fmt.Sprintf("item-%d", i), DisagreementKey: "pneumothorax/missed_in_draft",
						Decision: audit.ImageRight, Annotator: fmt.Sprintf("rad%d", g),
					})
					record(err)
				}
			})
		}
		done := make(chan struct{})
		// A reader beside the writers, as the TUI reads while the scheduler
		// writes; and a result writer, as the scheduler does.
		others.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				_, err := s.Verdicts(ctx, fmt.Sprintf("item-%d", i%each), "")
				record(err)
			}
		})
		others.Go(func() {
			for i := range 10 {
				record(s.PutResult(ctx, audit.ResultRecord{ItemID: fmt.Sprintf("item-%d", i), Report: sampleReport()}))
			}
		})
		writers.Wait()
		close(done)
		others.Wait()
		require.Empty(t, errs)

		all, err := s.AllVerdicts(ctx, "")
		require.NoError(t, err)
		assert.Len(t, all, goroutines*each)
		seen := map[string]bool{}
		for _, v := range all {
			seen[v.ItemID+" "+v.Annotator] = true
		}
		assert.Len(t, seen, goroutines*each, "one current verdict per (item, annotator)")
		evs, err := s.Events(ctx, 0, 0)
		require.NoError(t, err)
		assert.Len(t, evs, goroutines*each)
		res, err := s.Results(ctx)
		require.NoError(t, err)
		assert.Len(t, res, 10)
	})
}

func TestOddPathCharacters(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a dir?with#odd%chars&=")
	require.NoError(t, os.Mkdir(dir, 0o755))
	path := filepath.Join(dir, "wl 1.cxr.db")
	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	_, err = s.SaveNote(ctx, audit.Note{ItemID: "a", Annotator: "r", Text: "t"})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = os.Stat(path)
	require.NoError(t, err, "the file is where it was asked to be, name decoded")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"wl 1.cxr.db"}, names, "no stray escaped name; WAL files removed on Close")
	r, err := store.Open(ctx, path, store.ReadOnly())
	require.NoError(t, err)
	defer r.Close()
	ns, err := r.Notes(ctx, "a", "")
	require.NoError(t, err)
	assert.Len(t, ns, 1)
}

func TestUseAfterClose(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close twice is fine")
	_, err = s.SaveVerdict(ctx, audit.Verdict{ItemID: "a", DisagreementKey: "k", Decision: audit.Unsure, Annotator: "r"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "closed")
	_, _, err = s.GetStage(ctx, "k")
	require.Error(t, err)
}
