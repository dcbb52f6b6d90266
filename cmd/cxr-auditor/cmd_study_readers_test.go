package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// study add-reader, replace and reassign change the readers; study status
// shows each in the log, and a departed reader's verdict is refused.
func TestStudyReaderCommands(t *testing.T) {
	wl := studyWorklist(t, "c0", "c1")
	r := invokeMain(t, "", "study", "create", "duo", "--readers", "ann,ben", "--adjudicator", "dee", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)

	r = invokeMain(t, "", "study", "add-reader", "duo", "cal", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "cal added as a reader")
	r = invokeMain(t, "", "study", "replace", "duo", "ben", "eve", "--why", "left", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "2 unread items moved to eve")
	r = invokeMain(t, "", "study", "reassign", "duo", "ann", "--to", "cal", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "2 unread items moved to cal")
	r = invokeMain(t, "", "study", "reassign", "duo", "ann", "--to", "cal", wl)
	assert.NotEqual(t, 0, r.code, "ann departed already")

	r = invokeMain(t, "", "study", "status", "duo", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Regexp(t, `log: .* cal added as a reader`, r.stdout)
	assert.Regexp(t, `log: .* ben DEPARTED: unread items to eve by .* \(left\)`, r.stdout)
	assert.Regexp(t, `log: .* ann DEPARTED: unread items to cal`, r.stdout)

	s, err := store.Open(t.Context(), store.DefaultPath(wl))
	require.NoError(t, err)
	defer s.Close()
	_, err = s.SaveVerdict(t.Context(), audit.Verdict{ItemID: "c0", DisagreementKey: "pneumothorax/missed_in_draft", Decision: audit.Unsure, Annotator: "ben", Study: "duo"})
	require.ErrorIs(t, err, store.ErrStudyClosed, "a departed reader's verdict is refused")
	items, err := s.StudyItems(t.Context(), "duo")
	require.NoError(t, err)
	for _, it := range items {
		assert.ElementsMatch(t, []string{"cal", "eve"}, it.Readers, it.ItemID)
	}
}
