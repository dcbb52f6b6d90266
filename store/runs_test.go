package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// TestStartRunNames: a configuration keeps its name across sessions; an
// unnamed new one takes the grounding model's name, then both models',
// then a number; a name is never given to two configurations.
func TestStartRunNames(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		loc := be.location(t)
		s, err := store.Open(ctx, loc)
		require.NoError(t, err)
		v1 := audit.RunConfig{GroundingModel: "v1", GroundingDigest: "d1", DraftModel: "nano", GroundingPrompt: "p", DraftPrompt: "q"}
		v1b := v1
		v1b.GroundingDigest = "d1b" // another build of v1
		v1c := v1
		v1c.DraftPrompt = "q2"
		v2 := v1
		v2.GroundingModel = "v2"
		for _, c := range []struct {
			name string
			cfg  audit.RunConfig
			want string
			err  string
		}{
			{"", v1, "v1", ""},
			{"", v1, "v1", ""},   // the same configuration: its run again
			{"v1", v1, "v1", ""}, // named as it is
			{"", v1b, "v1+nano", ""},
			{"", v1c, "v1+nano-2", ""},
			{"baseline", v1, "", `this configuration is run "v1" already`},
			{"v1", v2, "", `"v1" is another configuration's run`},
			{"second", v2, "second", ""},
		} {
			got, err := s.StartRun(ctx, c.name, c.cfg, "cases.csv")
			if c.err != "" {
				require.ErrorIs(t, err, store.ErrRunName)
				assert.ErrorContains(t, err, c.err)
				continue
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got.Name)
		}
		require.NoError(t, s.Close())

		// Another session lists the same runs.
		s2, err := store.Open(ctx, loc)
		require.NoError(t, err)
		defer s2.Close()
		runs, err := s2.Runs(ctx)
		require.NoError(t, err)
		var names []string
		for _, r := range runs {
			names = append(names, r.Name)
			assert.Equal(t, "cases.csv", r.Worklist)
			assert.Equal(t, r.Config.Key(), r.Key)
		}
		assert.ElementsMatch(t, []string{"v1", "v1+nano", "v1+nano-2", "second"}, names)
	})
}

// TestRunItemsAndGrounding: a run's outcomes count as done and failed,
// and RunGrounding serves the findings of the grounding records they
// rest on, whatever other runs stored since.
func TestRunItemsAndGrounding(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		ptx := []schema.Finding{{Label: schema.Pneumothorax, Box: &schema.Box{Y0: 0.1, X0: 0.5, Y1: 0.4, X1: 0.9}}}
		for _, r := range []audit.StageRecord{
			{Key: "ga", ItemID: "a", Model: "v1", Findings: ptx},
			{Key: "gb", ItemID: "b", Model: "v1", Error: "unparseable output"},
			{Key: "ga2", ItemID: "a", Model: "v2"},
		} {
			r.Stage = audit.StageGrounding
			require.NoError(t, s.PutStage(ctx, r))
		}
		run, err := s.StartRun(ctx, "", audit.RunConfig{GroundingModel: "v1", DraftModel: "nano"}, "w.csv")
		require.NoError(t, err)
		require.NoError(t, s.PutRunItems(ctx, run.Name, []audit.RunItem{
			{ItemID: "b", GroundingKey: "gb", GroundingError: "unparseable output", Error: "grounding: unparseable output"},
			{ItemID: "a", GroundingKey: "ga", DraftKey: "da"},
			{ItemID: "c", Error: "image: no such file"},
		}))
		runs, err := s.Runs(ctx)
		require.NoError(t, err)
		require.Len(t, runs, 1)
		assert.Equal(t, [3]int{3, 1, 2}, [3]int{runs[0].Items, runs[0].Done, runs[0].Failed})

		type row struct {
			id  string
			n   int
			err string
		}
		var rows []row
		ok, err := s.RunGrounding(ctx, "v1", func(id string, fs []schema.Finding, e string) error {
			rows = append(rows, row{id, len(fs), e})
			return nil
		})
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, []row{{"a", 1, ""}, {"b", 0, "unparseable output"}, {"c", 0, "image: no such file"}}, rows)

		ok, err = s.RunGrounding(ctx, "nope", func(string, []schema.Finding, string) error { return nil })
		require.NoError(t, err)
		assert.False(t, ok)
	})
}

// TestCompareVerdicts: the latest judgment per reviewer and difference is
// current, notes kept; invalid ones are refused.
func TestCompareVerdicts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		base := audit.CompareVerdict{ItemID: "a", RunA: "v1", RunB: "v2", DifferenceKey: "pneumothorax/only_b/a-/b0", Annotator: "ann"}
		for _, p := range []audit.Preference{audit.PreferA, audit.PreferB} {
			v := base
			v.Preference, v.Note = p, "apex "+string(p)
			_, err := s.SaveCompareVerdict(ctx, v)
			require.NoError(t, err)
		}
		other := base
		other.Annotator, other.Preference = "bob", audit.PreferBothWrong
		_, err := s.SaveCompareVerdict(ctx, other)
		require.NoError(t, err)
		bad := base
		bad.Preference = "maybe"
		_, err = s.SaveCompareVerdict(ctx, bad)
		assert.ErrorContains(t, err, "Preference")

		got, err := s.CompareVerdicts(ctx)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, audit.PreferB, got[0].Preference)
		assert.Equal(t, "apex b_right", got[0].Note)
		assert.Equal(t, schema.Pneumothorax, got[0].Label)
		assert.Equal(t, "bob", got[1].Annotator)

		// Exported with the item, like every verdict.
		require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{{ID: "a", Image: "a.png"}}))
		var out strings.Builder
		require.NoError(t, s.Export(ctx, &out, "jsonl"))
		var line struct {
			Compare []struct {
				RunA       string `json:"run_a"`
				Preference audit.Preference
				Note       string
				Annotator  string
			} `json:"compare_verdicts"`
		}
		require.NoError(t, json.Unmarshal([]byte(out.String()), &line))
		require.Len(t, line.Compare, 2)
		assert.Equal(t, audit.PreferB, line.Compare[0].Preference)
		assert.Equal(t, "apex b_right", line.Compare[0].Note)
		assert.Equal(t, "v1", line.Compare[0].RunA)

		// And in the CSV, a row each.
		out.Reset()
		require.NoError(t, s.Export(ctx, &out, "csv"))
		assert.Contains(t, out.String(), ",v1,v2,pneumothorax/only_b/a-/b0,b_right,apex b_right,,,\n")
		assert.Contains(t, out.String(), ",v1,v2,pneumothorax/only_b/a-/b0,both_wrong,,,,\n")
	})
}
