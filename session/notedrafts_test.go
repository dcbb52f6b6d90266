package session

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/tui"
)

// A draft of a note on a disagreement (keyed by item id, NUL, key) comes
// back from the drafts file under the same key, and messages name it
// without the NUL.
func TestDisagreementNoteDraftsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.json")
	in := map[string]string{"case-1": "item draft", "case-1\x00pneumothorax/missed_in_draft": "on the row"}
	require.NoError(t, saveDrafts(path, "s.db", "rad1", in))
	out, err := takeDrafts(path)
	require.NoError(t, err)
	assert.Equal(t, in, out)
	assert.Equal(t, "case-1 (pneumothorax/missed_in_draft)", tui.NoteDraftName("case-1\x00pneumothorax/missed_in_draft"))
	assert.Equal(t, "case-1", tui.NoteDraftName("case-1"))
}
