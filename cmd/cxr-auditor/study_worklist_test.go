package main

// Synthetic data only.

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// The study commands take WORKLIST and --db as review and export do:
// every one accepts --allow-outside-paths (status and verdicts refused it,
// so the README's demo walk-through could not pass it along), and with
// the store named by --db the worklist gives the subset and order (status
// and verdicts took a WORKLIST and reported the whole study).
func TestStudyCommandsTakeTheWorklistAsReviewDoes(t *testing.T) {
	wl := studyWorklist(t, "c0", "c1", "c2")
	db := store.DefaultPath(wl)
	r := invokeMain(t, "", "study", "create", "tri", "--readers", "ann,ben,cat", "--adjudicator", "dee", wl, "--allow-outside-paths")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	judgeTri(t, db)

	for _, args := range [][]string{
		{"study", "status", "tri", wl},
		{"study", "verdicts", "tri", wl},
		{"study", "list", wl},
		{"study", "assign", "tri", wl},
		{"study", "close", "tri", wl},
		{"study", "reopen", "tri", wl},
		{"study", "add-reader", "tri", "eve", wl},
		{"study", "reassign", "tri", "eve", "--to", "ann", wl},
	} {
		r := invokeMain(t, "", append(args, "--allow-outside-paths")...)
		assert.Equal(t, 0, r.code, "%v: stderr: %s", args, r.stderr)
	}

	// A worklist of c1 then c0 (and an id the study lacks), with --db:
	// only those items, in its order.
	sub := filepath.Join(t.TempDir(), "sub.csv")
	require.NoError(t, os.WriteFile(sub, []byte("id,image,draft\nc1,c1.png,x\nzz,zz.png,x\nc0,c0.png,x\n"), 0o600))
	p := studyStatusOf(t, "tri", "--db", db, sub)
	assert.Equal(t, 2, p.Items, "c0 and c1 of the study's three")
	assert.Equal(t, 2, p.Units)
	assert.Equal(t, 1, p.States[audit.UnitAdjudicated])
	assert.Equal(t, 1, p.States[audit.UnitOpen])
	whole := studyStatusOf(t, "tri", "--db", db)
	assert.Equal(t, 3, whole.Items, "without a worklist, the whole study")

	r = invokeMain(t, "", "study", "status", "tri", "--json", "--db", db, sub)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, `"worklist":"`+sub+`","study_items":3`, "the JSON says it is a subset, of how many")
	r = invokeMain(t, "", "study", "status", "tri", "--db", db, sub)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "2 of the study's 3 items are in "+sub)

	r = invokeMain(t, "", "study", "verdicts", "tri", "--all", "--db", db, sub)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	require.NoError(t, err)
	var items []string
	for _, row := range rows[1:] {
		if len(items) == 0 || items[len(items)-1] != row[1] {
			items = append(items, row[1])
		}
	}
	assert.Equal(t, []string{"c1", "c0"}, items, "the worklist's items, in its order")
}

// studyStatusOf runs study status --json with args.
func studyStatusOf(t *testing.T, args ...string) audit.StudyProgress {
	t.Helper()
	r := invokeMain(t, "", append([]string{"study", "status", "--json"}, args...)...)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	var p audit.StudyProgress
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &p))
	return p
}

// TestStudyCreateAssignTakeTheWorklistAsSubset: study create and study
// assign with a WORKLIST and --db assigned every item the store held, not
// only the worklist's, while status and verdicts take the worklist as the
// subset. Now they assign the worklist's items, in its order.
func TestStudyCreateAssignTakeTheWorklistAsSubset(t *testing.T) {
	wl := studyWorklist(t, "c0", "c1", "c2", "c3")
	db := store.DefaultPath(wl)
	r := invokeMain(t, "", "study", "create", "whole", "--readers", "ann,ben", "--adjudicator", "dee", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)

	sub := studyWorklist(t, "c2", "c0")
	r = invokeMain(t, "", "study", "create", "part", "--readers", "ann,ben", "--adjudicator", "dee", "--db", db, sub)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "2 items assigned")
	assert.Equal(t, 2, studyStatusOf(t, "part", "--db", db).Items, "c2 and c0, not the store's four")

	more := studyWorklist(t, "c3", "c2")
	r = invokeMain(t, "", "study", "assign", "part", "--db", db, more)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "1 item assigned", "c3 only: c2 was assigned already")
	assert.Equal(t, 3, studyStatusOf(t, "part", "--db", db).Items, "c1 stays out")

	s, err := store.Open(t.Context(), db, store.ReadOnly())
	require.NoError(t, err)
	defer s.Close()
	items, err := s.StudyItems(t.Context(), "part")
	require.NoError(t, err)
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ItemID)
	}
	assert.Equal(t, []string{"c2", "c0", "c3"}, ids, "in the worklists' order")
	assert.Equal(t, 4, studyStatusOf(t, "whole", "--db", db).Items, "a worklist alone names the store beside it: every item")
}
