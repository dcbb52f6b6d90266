package store

import (
	"context"
	"fmt"
	"strings"
)

// UnclaimedVerdict is a verdict given before verdicts named their study
// that two or more studies could claim (its annotator a member of each,
// its item in each, given after each was created). The upgrade gave it to
// none of them rather than guess, so it counts in no study's state.
type UnclaimedVerdict struct {
	VerdictID int64  `json:"verdict_id"`
	ItemID    string `json:"item_id"`
	Annotator string `json:"annotator"`
	// Studies are the studies that could claim it, in name order.
	Studies []string `json:"studies"`
}

// UnclaimedVerdicts lists the verdicts the upgrade left outside every
// study because more than one could claim them: those study could claim,
// or all of them when study is "". A store from before the upgrade's
// schema version has none to report.
func (s *Store) UnclaimedVerdicts(ctx context.Context, study string) ([]UnclaimedVerdict, error) {
	op := "unclaimed verdicts"
	var n int
	probe := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'verdict_study_claims'`
	if s.dialect.postgres {
		probe = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'verdict_study_claims'`
	}
	if err := s.r.QueryRowContext(ctx, probe).Scan(&n); err != nil {
		return nil, s.errorf(op, err)
	}
	if n == 0 {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT c.verdict_id, v.item_id, v.annotator, c.study
		FROM verdict_study_claims c JOIN verdicts v ON v.id = c.verdict_id
		WHERE v.study = '' AND ($1 = '' OR c.verdict_id IN (SELECT verdict_id FROM verdict_study_claims WHERE study = $1))
		ORDER BY c.verdict_id, c.study`, study)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	defer rows.Close()
	var out []UnclaimedVerdict
	for rows.Next() {
		var u UnclaimedVerdict
		var st string
		if err := rows.Scan(&u.VerdictID, &u.ItemID, &u.Annotator, &st); err != nil {
			return nil, s.errorf(op, err)
		}
		if k := len(out) - 1; k >= 0 && out[k].VerdictID == u.VerdictID {
			out[k].Studies = append(out[k].Studies, st)
			continue
		}
		u.Studies = []string{st}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf(op, err)
	}
	return out, nil
}

// checkUnclaimed warns of verdicts the upgrade could give to no single
// study, naming the first few.
func (s *Store) checkUnclaimed(ctx context.Context) (Check, bool) {
	us, err := s.UnclaimedVerdicts(ctx, "")
	if err != nil || len(us) == 0 {
		return Check{}, false
	}
	var names []string
	for i, u := range us {
		if i == 3 {
			names = append(names, "…")
			break
		}
		names = append(names, fmt.Sprintf("#%d (%s on %s: %s)", u.VerdictID, u.Annotator, u.ItemID, strings.Join(u.Studies, ", ")))
	}
	return Check{Name: "studies", Status: CheckWarn,
		Message: fmt.Sprintf("warning: %d verdict(s) from before verdicts named their study could belong to more than one study and count in none: %s",
			len(us), strings.Join(names, "; ")),
		Fix: "the reader or adjudicator gives them again in the study's session (`cxr-auditor review --study NAME`)"}, true
}
