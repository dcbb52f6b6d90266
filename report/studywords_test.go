package report

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// TestStudyBlocksCountInWords: the study's opening line says its counts
// with the plural right ("1 disagreement", not "1 disagreements").
func TestStudyBlocksCountInWords(t *testing.T) {
	for _, tc := range []struct {
		items, units int
		want         string
	}{
		{1, 1, "Study s: 1 item (1 run), 1 disagreement to judge; complete: false."},
		{3, 0, "Study s: 3 items (1 run), 0 disagreements to judge; complete: false."},
		{2, 5, "Study s: 2 items (1 run), 5 disagreements to judge; complete: false."},
	} {
		b := studyBlocks(audit.StudyProgress{Study: "s", Items: tc.items, ItemsRun: 1, Units: tc.units})
		assert.Equal(t, tc.want, b[0].Para)
	}
}
