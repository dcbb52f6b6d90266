package session

import (
	"slices"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// subsetStudy keeps the study's items and units whose item is in order,
// in order's order (units keep their order within an item); an id the
// study lacks is passed over, a repeated one counts once. A nil order
// keeps everything as it is.
func subsetStudy(order []string, items []audit.StudyItem, units []audit.StudyUnit) ([]audit.StudyItem, []audit.StudyUnit) {
	if order == nil {
		return items, units
	}
	rank := make(map[string]int, len(order))
	for i, id := range order {
		if _, dup := rank[id]; !dup {
			rank[id] = i
		}
	}
	items = slices.DeleteFunc(slices.Clone(items), func(it audit.StudyItem) bool { _, ok := rank[it.ItemID]; return !ok })
	slices.SortStableFunc(items, func(a, b audit.StudyItem) int { return rank[a.ItemID] - rank[b.ItemID] })
	units = slices.DeleteFunc(slices.Clone(units), func(u audit.StudyUnit) bool { _, ok := rank[u.ItemID]; return !ok })
	slices.SortStableFunc(units, func(a, b audit.StudyUnit) int { return rank[a.ItemID] - rank[b.ItemID] })
	return items, units
}
