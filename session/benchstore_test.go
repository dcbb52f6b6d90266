package session

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/tui"
)

// The study's refusals reach the workstation as tui.Refused, in words
// that fit its message line, not as the store's error (path, operation,
// item), which the line cut before the reason.
func TestBenchStoreRefusals(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "wl.cxr.db"))
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{{ID: "c0"}}))
	_, err = s.CreateStudy(ctx, audit.Study{Name: "duo", Readers: []string{"ann", "ben"}, PerItem: 2, Adjudicators: []string{"dee"}})
	require.NoError(t, err)
	_, err = s.AssignStudy(ctx, "duo", "test")
	require.NoError(t, err)
	key := "pneumothorax/missed_in_draft"
	rep := &audit.Report{Disagreements: []audit.Disagreement{{Label: schema.Pneumothorax, Kind: audit.MissedInDraft}}}
	require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "c0", Report: rep}))
	b := newBenchStore(s, "duo")
	save := func(who string, d audit.Decision) error {
		_, err := b.SaveVerdict(ctx, audit.Verdict{ItemID: "c0", DisagreementKey: key, Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Decision: d, Annotator: who})
		return err
	}

	var r *tui.Refused
	require.ErrorAs(t, save("dee", audit.Unsure), &r)
	assert.Equal(t, "still open: not every reader has judged it", r.Reason)
	assert.Empty(t, r.Agreed)

	require.NoError(t, save("ann", audit.DraftRight))
	require.NoError(t, save("ben", audit.DraftRight))
	require.ErrorAs(t, save("dee", audit.Unsure), &r)
	assert.Equal(t, audit.DraftRight, r.Agreed, "the readers' final decision, for the workstation to show")

	require.NoError(t, s.CloseStudy(ctx, "duo", "pi", "reported"))
	require.ErrorAs(t, save("ann", audit.ImageRight), &r)
	assert.Equal(t, "study duo is closed: it takes no verdicts", r.Reason)
}
