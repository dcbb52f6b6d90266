package main

// Synthetic data only: the demo's phantoms and hand-written outputs.

import (
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// openOf finds the workstation's resume line, "(N of M open)".
var openOf = regexp.MustCompile(`\((\d+) of (\d+) open\)`)

// `study status`, the adjudicator and the reader's workstation count the
// same units before anyone judged: demo-12-nodule-hedge's urgent finding,
// which its draft reports (a row to confirm), is one of them. It once
// joined the study's count only when someone judged it: status said 7
// while the workstation showed 8 open.
func TestStudyCountsTheRowsToConfirm(t *testing.T) {
	dir := smallDemo(t, "demo-03-ptx-missed", "demo-12-nodule-hedge")
	wl := filepath.Join(dir, session.DemoWorklist)
	loc := filepath.Join(t.TempDir(), "study.cxr.db")
	r := invokeMain(t, "", "study", "create", "pilot", "--readers", "alice,bob", "--adjudicator", "carol", "--db", loc, wl, "--allow-outside-paths")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	srv := runStudyItems(t, dir, loc)

	rows := 0
	s, err := store.Open(t.Context(), loc, store.ReadOnly())
	require.NoError(t, err)
	results, err := s.Results(t.Context())
	require.NoError(t, err)
	require.NoError(t, s.Close())
	for id, res := range results {
		require.NotNil(t, res.Report, id)
		rows += len(res.Report.ReviewRows())
	}
	require.Greater(t, rows, len(disagreementKeys(t, loc)["demo-03-ptx-missed"]), "demo-12 has a row to confirm")

	p := studyStatus(t, loc)
	assert.Equal(t, rows, p.Units, "study status counts every row the workstation asks a verdict on")
	assert.Equal(t, rows, p.States["open"])

	r = invokeMain(t, "", "review", wl, "--study", "pilot", "--annotator", "carol", "--db", loc, "--ollama", srv.URL(), "--allow-outside-paths")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "nothing to adjudicate yet ("+strconv.Itoa(rows)+" disagreements: "+strconv.Itoa(rows)+" open")

	screen := studySession(t, dir, loc, "alice", nil, nil)
	m := openOf.FindStringSubmatch(screen)
	require.NotNil(t, m, "alice's resume line: %q", tail(screen, 2000))
	assert.Equal(t, []string{strconv.Itoa(rows), strconv.Itoa(rows)}, m[1:], "alice's workstation: every unit open")
}
