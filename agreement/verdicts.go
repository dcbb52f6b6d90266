package agreement

import (
	"fmt"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// SkippedVerdict is a stored verdict that cannot be a rating, and why.
type SkippedVerdict struct {
	Verdict audit.Verdict
	Reason  string
}

// Error names the verdict by its ID, item and annotator, and the reason.
func (s SkippedVerdict) Error() string {
	return fmt.Sprintf("verdict %d (item %q, key %q, annotator %q): %s",
		s.Verdict.ID, s.Verdict.ItemID, s.Verdict.DisagreementKey, s.Verdict.Annotator, s.Reason)
}

// FromVerdicts turns current verdicts (one per item, disagreement and
// annotator, as Store.AllVerdicts returns them) into the ratings of
// Measure: the unit is (item, disagreement key), the reader the
// annotator and the category the decision.
//
// The label and kind are read from the key "label/kind" (the one a
// verdict is saved under), falling back to the verdict's own fields for a
// key of another shape, so every rating of a unit agrees on them. A
// verdict Measure would refuse (empty item or annotator, a label
// that is not a positive one, an unknown kind or decision, a key whose
// label or kind contradicts the verdict's, a second verdict of one
// annotator on one unit) is left out and returned in skipped instead of
// failing the whole analysis; the ratings are then a valid input.
func FromVerdicts(vs []audit.Verdict) (ratings []Rating, skipped []SkippedVerdict) {
	type seat struct{ item, key, reader string }
	seen := make(map[seat]bool, len(vs))
	ratings = make([]Rating, 0, len(vs))
	for _, v := range vs {
		label, kind := v.Label, v.Kind
		if l, k, ok := strings.Cut(v.DisagreementKey, "/"); ok {
			if (label != "" && label != schema.Label(l)) || (kind != "" && kind != audit.Kind(k)) {
				skipped = append(skipped, SkippedVerdict{v, fmt.Sprintf("its label/kind %s/%s contradict its key", label, kind)})
				continue
			}
			label, kind = schema.Label(l), audit.Kind(k)
		}
		reason := ""
		switch {
		case v.ItemID == "":
			reason = "empty item id"
		case v.DisagreementKey == "":
			reason = "empty disagreement key"
		case v.Annotator == "":
			reason = "empty annotator"
		case !label.Positive():
			reason = fmt.Sprintf("label %q is not a positive label", label)
		case !kind.Valid():
			reason = fmt.Sprintf("kind %q is not a disagreement kind", kind)
		case !v.Decision.Valid():
			reason = fmt.Sprintf("decision %q is not one of image_right, draft_right, both_wrong, unsure", v.Decision)
		}
		s := seat{v.ItemID, v.DisagreementKey, v.Annotator}
		if reason == "" && seen[s] {
			reason = "a second current verdict of this annotator on this disagreement"
		}
		if reason != "" {
			skipped = append(skipped, SkippedVerdict{v, reason})
			continue
		}
		seen[s] = true
		ratings = append(ratings, Rating{
			ItemID: v.ItemID, Key: v.DisagreementKey, Label: label, Kind: kind,
			Reader: v.Annotator, Category: string(v.Decision),
		})
	}
	return ratings, skipped
}
