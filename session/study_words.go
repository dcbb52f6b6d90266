package session

import (
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/tui"
)

// nothingToAdjudicate tells an adjudicator that no disagreement of the
// study is disputed yet, with its disagreements by state ("1
// disagreement", never "1 disagreements").
func nothingToAdjudicate(study string, p audit.StudyProgress) string {
	return fmt.Sprintf("study %s: nothing to adjudicate yet (%s: %d open, %d agreed, %d adjudicated)",
		study, tui.Count(p.Units, "disagreement"), p.States[audit.UnitOpen], p.States[audit.UnitAgreed], p.States[audit.UnitAdjudicated])
}

// inWorklist says how many of the study's items a subsetting worklist
// holds, in number with both counts.
func inWorklist(n, all int, path string) string {
	verb := "are"
	if n == 1 {
		verb = "is"
	}
	return fmt.Sprintf("worklist: %d of the study's %s %s in %s; the figures below are theirs", n, tui.Count(all, "item"), verb, path)
}
