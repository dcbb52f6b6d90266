package audit

import "slices"

// StudyProgress is how far a study has come, for `study status`.
type StudyProgress struct {
	Study string `json:"study"`
	// Items assigned; ItemsRun of them have a result (their disagreements
	// are known; the others wait for `run` or a review to run them).
	Items    int `json:"items"`
	ItemsRun int `json:"items_run"`
	// Units is every disagreement of the items run; States counts them by
	// state (every state present, zero or not).
	Units  int               `json:"units"`
	States map[UnitState]int `json:"states"`
	// Complete: every item has run and every unit is agreed or
	// adjudicated.
	Complete     bool                  `json:"complete"`
	Readers      []ReaderProgress      `json:"readers"`
	Adjudicators []AdjudicatorProgress `json:"adjudicators"`
}

// ReaderProgress is one reader's share of a study.
type ReaderProgress struct {
	Reader string `json:"reader"`
	// Items assigned to the reader, and ItemsRun of them with a result.
	Items    int `json:"items"`
	ItemsRun int `json:"items_run"`
	// Units on the reader's items, Judged of them by the reader.
	Units  int `json:"units"`
	Judged int `json:"judged"`
	// ItemsDone: items run on which the reader judged every unit.
	ItemsDone int `json:"items_done"`
}

// AdjudicatorProgress is what one adjudicator settled.
type AdjudicatorProgress struct {
	Adjudicator string `json:"adjudicator"`
	Settled     int    `json:"settled"`
}

// Progress sums up a study from its items and units (as the store's
// StudyItems and StudyUnits return them).
func Progress(st Study, items []StudyItem, units []StudyUnit) StudyProgress {
	p := StudyProgress{
		Study: st.Name, Items: len(items), Units: len(units),
		States:       map[UnitState]int{},
		Readers:      make([]ReaderProgress, len(st.Readers)),
		Adjudicators: make([]AdjudicatorProgress, len(st.Adjudicators)),
	}
	for _, s := range UnitStates() {
		p.States[s] = 0
	}
	idx := map[string]int{}
	for i, r := range st.Readers {
		p.Readers[i].Reader = r
		idx[r] = i
	}
	for i, a := range st.Adjudicators {
		p.Adjudicators[i].Adjudicator = a
	}
	open := map[string]map[string]bool{} // item → readers with a unit left
	for _, u := range units {
		p.States[u.State]++
		for _, r := range u.Readers {
			i, ok := idx[r]
			if !ok {
				continue
			}
			p.Readers[i].Units++
			if slices.ContainsFunc(u.Judgements, func(j Judgement) bool { return j.Annotator == r }) {
				p.Readers[i].Judged++
			} else {
				if open[u.ItemID] == nil {
					open[u.ItemID] = map[string]bool{}
				}
				open[u.ItemID][r] = true
			}
		}
		if u.State == UnitAdjudicated {
			if i := slices.Index(st.Adjudicators, u.FinalBy); i >= 0 {
				p.Adjudicators[i].Settled++
			}
		}
	}
	for _, it := range items {
		if it.HasResult {
			p.ItemsRun++
		}
		for _, r := range it.Readers {
			i, ok := idx[r]
			if !ok {
				continue
			}
			p.Readers[i].Items++
			if it.HasResult {
				p.Readers[i].ItemsRun++
				if !open[it.ItemID][r] {
					p.Readers[i].ItemsDone++
				}
			}
		}
	}
	p.Complete = p.ItemsRun == p.Items && p.States[UnitOpen] == 0 && p.States[UnitDisputed] == 0
	return p
}
