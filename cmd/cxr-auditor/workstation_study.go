package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// errNothingToReview ends a study session before the workstation opens:
// the annotator has nothing to do in the study yet (said on stdout, exit
// status 0).
var errNothingToReview = errors.New("nothing to review")

// narrowToStudy turns a workstation into a study member's: a reader sees
// only the items assigned to them, blind to everyone else's verdicts
// unless --blind=false was given; an adjudicator sees the items in
// dispute (or settled by an adjudicator), with every reader's verdicts,
// and may not be blind. It returns the items to show, in worklist order,
// and problems to show in the workstation (study items this worklist
// lacks). cfg.blind and cfg.extraStatus are set for the role. Which items
// a role gets is audit.ReviewItems' decision.
func narrowToStudy(ctx context.Context, e env, s *store.Store, cfg *workstationConfig, items []audit.Item) ([]audit.Item, []string, error) {
	st, err := s.Study(ctx, cfg.study)
	if err != nil {
		return nil, nil, err
	}
	assigned, err := s.StudyItems(ctx, cfg.study)
	if err != nil {
		return nil, nil, err
	}
	var units []audit.StudyUnit
	if st.RoleOf(cfg.annotator) == audit.RoleAdjudicator {
		if units, err = s.StudyUnits(ctx, cfg.study); err != nil {
			return nil, nil, err
		}
	}
	ids, role, err := audit.ReviewItems(st, cfg.annotator, assigned, units)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: --study: %v", errUsage, err)
	}
	mode := "reader"
	switch role {
	case audit.RoleReader:
		if !cfg.blindSet {
			cfg.blind = true
		}
		if cfg.blind {
			mode = "reader, blind"
		}
	case audit.RoleAdjudicator:
		if cfg.blindSet && cfg.blind {
			return nil, nil, fmt.Errorf("%w: --blind: %s adjudicates study %s, and an adjudicator sees the readers' verdicts", errUsage, cfg.annotator, st.Name)
		}
		cfg.blind = false
		mode = "adjudicator"
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	var out []audit.Item
	for _, it := range items {
		if want[it.ID] {
			out = append(out, it)
			delete(want, it.ID)
		}
	}
	var problems []string
	if n := len(want); n > 0 {
		problems = append(problems, fmt.Sprintf("%d item(s) of study %s for %s are not in this worklist", n, st.Name, cfg.annotator))
	}
	if len(out) == 0 {
		if role == audit.RoleAdjudicator {
			p := audit.Progress(st, assigned, units)
			writeLine(e.stdout, "study %s: nothing to adjudicate yet (%d disagreements: %d open, %d agreed, %d adjudicated)",
				st.Name, p.Units, p.States[audit.UnitOpen], p.States[audit.UnitAgreed], p.States[audit.UnitAdjudicated])
			return nil, nil, errNothingToReview
		}
		return nil, nil, fmt.Errorf("study %s: none of the %d item(s) assigned to %s is in the worklist %s (is it the study's worklist?)", st.Name, len(ids), cfg.annotator, cfg.worklist)
	}
	status := fmt.Sprintf("study %s · %s", st.Name, mode)
	if cfg.extraStatus != "" {
		status = cfg.extraStatus + " · " + status
	}
	cfg.extraStatus = status
	return out, problems, nil
}
