package audit

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cxr-auditor/cxr-auditor/compare"
)

// compare cannot import audit (audit imports compare), so it spells the
// decisions out for the agreement statistics; this keeps the two lists equal.
func TestDecisionCategoriesMatchDecisions(t *testing.T) {
	want := []string{string(ImageRight), string(DraftRight), string(BothWrong), string(Unsure)}
	assert.Equal(t, want, compare.DecisionCategories())
	for _, c := range compare.DecisionCategories() {
		assert.True(t, Decision(c).Valid(), c)
	}
}
