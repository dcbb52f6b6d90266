package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

func collectSummaries(t *testing.T, s *store.Store) []audit.ResultSummary {
	t.Helper()
	var out []audit.ResultSummary
	require.NoError(t, s.ResultSummaries(context.Background(), func(r audit.ResultSummary) error {
		out = append(out, r)
		return nil
	}))
	return out
}

func TestResultSummaries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "b", Report: sampleReport(), Salvaged: true}))
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "a", Error: "grounding: HTTP 500"}))
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "c", Report: &audit.Report{}}))
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "d"}))
		doubtful := sampleReport()
		doubtful.DraftDoubts = make([]audit.DraftDoubt, 6) // every label: the most a report has
		for i, l := range schema.Labels() {
			doubtful.DraftDoubts[i] = audit.DraftDoubt{Label: l, Model: schema.StatusPresent, Rules: schema.StatusSilent}
		}
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "e", Report: doubtful}))
		rep := sampleReport()
		assert.Equal(t, []audit.ResultSummary{
			{ItemID: "a", Status: audit.StatusError, Error: "grounding: HTTP 500"},
			{ItemID: "b", Status: audit.StatusDone, Salvaged: true, Urgent: rep.Urgent, Disagreements: len(rep.Disagreements)},
			{ItemID: "c", Status: audit.StatusDone},
			{ItemID: "d", Status: audit.StatusError, Error: "no report"},
			{ItemID: "e", Status: audit.StatusDone, Urgent: rep.Urgent, Disagreements: len(rep.Disagreements), DraftDoubts: 6},
		}, sortedSummaries(collectSummaries(t, s)))

		// A rerun replaces the summary with the result.
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "b", Report: &audit.Report{}}))
		assert.Equal(t, audit.ResultSummary{ItemID: "b", Status: audit.StatusDone}, sortedSummaries(collectSummaries(t, s))[1])
	})
}

// TestMigrateFromV3FillsSummaries: results stored before version 4 get
// their urgent flag and disagreement count from the stored report.
func TestMigrateFromV3FillsSummaries(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v3.cxr.db")
	store.CreateAtVersion(t, path, 3)
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO results (item_id, report, error, updated_at) VALUES
		('u', '{"urgent":true,"disagreements":[{"label":"pneumothorax"},{"label":"effusion"}]}', '', '2025-12-01T10:00:00.000000000Z'),
		('n', 'null', 'HTTP 500', '2025-12-01T10:00:00.000000000Z'),
		('x', '{broken', '', '2025-12-01T10:00:00.000000000Z')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, []audit.ResultSummary{
		{ItemID: "n", Status: audit.StatusError, Error: "HTTP 500"},
		{ItemID: "u", Status: audit.StatusDone, Urgent: true, Disagreements: 2},
		{ItemID: "x", Status: audit.StatusDone},
	}, sortedSummaries(collectSummaries(t, s)))
}

func sortedSummaries(s []audit.ResultSummary) []audit.ResultSummary {
	slices.SortFunc(s, func(a, b audit.ResultSummary) int { return strings.Compare(a.ItemID, b.ItemID) })
	return s
}

// TestMigrateFromV7FillsDraftDoubts: results stored before version 8 get
// their count of labels in doubt from the stored report.
func TestMigrateFromV7FillsDraftDoubts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v7.cxr.db")
	store.CreateAtVersion(t, path, 7)
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO results (item_id, report, error, updated_at, disagreements) VALUES
		('d', '{"urgent":false,"disagreements":[{"label":"pneumothorax"}],"draft_doubts":[{"label":"pneumothorax"},{"label":"no_finding"}]}', '', '2026-12-01T10:00:00.000000000Z', 1),
		('p', '{"urgent":false,"disagreements":[]}', '', '2026-12-01T10:00:00.000000000Z', 0),
		('x', '{broken', '', '2026-12-01T10:00:00.000000000Z', 0)`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, []audit.ResultSummary{
		{ItemID: "d", Status: audit.StatusDone, Disagreements: 1, DraftDoubts: 2},
		{ItemID: "p", Status: audit.StatusDone},
		{ItemID: "x", Status: audit.StatusDone},
	}, sortedSummaries(collectSummaries(t, s)))
}
