package session

import (
	"context"
	"errors"
	"slices"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// studyOrder returns the ids of f.Worklist's rows, good or bad, in its
// order, when the store is named elsewhere (--db or $CXR_AUDITOR_DB): the
// subset and order a study command reports, as export and review take a
// WORKLIST with a store. It is nil without a worklist, or when the
// worklist only locates the store beside it (the whole study is then
// reported). Only ids are read, so paths outside its folder do not matter.
func studyOrder(ctx context.Context, env Env, f StudyStore) ([]string, error) {
	if f.Worklist == "" || (f.DB == "" && (env.Getenv == nil || env.Getenv(EnvDB) == "")) {
		return nil, nil
	}
	ids := []string{}
	_, err := worklist.Scan(ctx, f.Worklist, func(it audit.Item) error {
		ids = append(ids, it.ID)
		return nil
	}, func(p worklist.RowError) {
		if p.ID != "" {
			ids = append(ids, p.ID)
		}
	}, worklist.AllowOutsidePaths())
	if err != nil && !errors.Is(err, worklist.ErrNoItems) {
		return nil, err
	}
	return ids, nil
}

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
