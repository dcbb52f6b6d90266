package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/tui"
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
// lacks). cfg.Blind and cfg.Extra are set for the role. Which items a
// role gets is audit.ReviewItems' decision.
func narrowToStudy(ctx context.Context, env Env, s *store.Store, cfg *WorkstationConfig, items []audit.Item) ([]audit.Item, []string, error) {
	st, err := s.Study(ctx, cfg.Study)
	if err != nil {
		return nil, nil, err
	}
	assigned, err := s.StudyItems(ctx, cfg.Study)
	if err != nil {
		return nil, nil, err
	}
	var units []audit.StudyUnit
	if st.RoleOf(cfg.Annotator) == audit.RoleAdjudicator {
		if units, err = s.StudyUnits(ctx, cfg.Study); err != nil {
			return nil, nil, err
		}
	}
	ids, role, err := audit.ReviewItems(st, cfg.Annotator, assigned, units)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: --study: %v", ErrUsage, err)
	}
	mode, err := studyRole(cfg, st, role)
	if err != nil {
		return nil, nil, err
	}
	if role == audit.RoleReader && !cfg.Blind {
		// Unblinding is part of the study's record: `study status`
		// shows who read seeing the others' verdicts.
		if err := s.RecordUnblinded(ctx, st.Name, cfg.Annotator, "review --blind=false"); err != nil {
			return nil, nil, err
		}
		mode = "reader, NOT blind (recorded in the study)"
	}
	if role == audit.RoleAdjudicator {
		cfg.settled = agreedUnits(units)
		cfg.roles = studyRoles(st, assigned)
	}
	cfg.reader = role == audit.RoleReader
	out, missing := pick(items, ids)
	var problems []string
	if missing > 0 {
		problems = append(problems, fmt.Sprintf("%s of study %s for %s %s not in this worklist", tui.Count(missing, "item"), st.Name, cfg.Annotator, isAre(missing)))
	}
	if len(out) == 0 {
		if role == audit.RoleAdjudicator {
			WriteLine(env.Stdout, "%s", nothingToAdjudicate(st.Name, audit.Progress(st, assigned, units)))
			return nil, nil, errNothingToReview
		}
		return nil, nil, fmt.Errorf("study %s: none of the %s assigned to %s is in the worklist %s (is it the study's worklist?)", st.Name, tui.Count(len(ids), "item"), cfg.Annotator, cfg.Worklist)
	}
	status := fmt.Sprintf("study %s · %s", st.Name, mode)
	if cfg.Extra != "" {
		status = cfg.Extra + " · " + status
	}
	cfg.Extra = status
	return out, problems, nil
}

// studyRole sets cfg.Blind for the annotator's role in st and names the
// role for the status bar: a reader is blind unless --blind=false was
// given; an adjudicator sees the readers' verdicts and may not be blind.
func studyRole(cfg *WorkstationConfig, st audit.Study, role audit.Role) (string, error) {
	switch role {
	case audit.RoleReader:
		if !cfg.BlindSet {
			cfg.Blind = true
		}
		if cfg.Blind {
			return "reader, blind", nil
		}
	case audit.RoleAdjudicator:
		if cfg.BlindSet && cfg.Blind {
			return "", fmt.Errorf("%w: --blind: %s adjudicates study %s, and an adjudicator sees the readers' verdicts", ErrUsage, cfg.Annotator, st.Name)
		}
		cfg.Blind = false
		return "adjudicator", nil
	}
	return "reader", nil
}

// agreedUnits maps item → disagreement key → the readers' decision, for
// the units they agreed on: an adjudicator sees them marked agreed and
// passes them by (the store refuses a verdict on them anyway).
func agreedUnits(units []audit.StudyUnit) map[string]map[string]audit.Decision {
	out := map[string]map[string]audit.Decision{}
	for _, u := range units {
		if u.State != audit.UnitAgreed {
			continue
		}
		if out[u.ItemID] == nil {
			out[u.ItemID] = map[string]audit.Decision{}
		}
		out[u.ItemID][u.Key] = u.Final
	}
	return out
}

// studyRoles is who judges the study's units, for the workstation to
// resolve them again as it reads the readers' verdicts anew.
func studyRoles(st audit.Study, items []audit.StudyItem) *tui.StudyRoles {
	r := &tui.StudyRoles{Name: st.Name, Readers: map[string][]string{}, Adjudicators: st.Adjudicators}
	for _, it := range items {
		r.Readers[it.ItemID] = it.Readers
	}
	return r
}

// pick keeps the items whose id is in ids, in the items' order, and
// counts the ids no item has.
func pick(items []audit.Item, ids []string) ([]audit.Item, int) {
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
	return out, len(want)
}

// isAre is the verb that goes with n things.
func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
