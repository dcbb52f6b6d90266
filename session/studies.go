package session

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/tui"
)

// StudyStore names the store of a study command: DB, or the store beside
// Worklist, or $CXR_AUDITOR_DB. A command that writes records Worklist's
// rows first (AllowOutside: --allow-outside-paths).
type StudyStore struct {
	DB, Worklist string
	AllowOutside bool
}

// StudyCreate creates the study and assigns every item the store holds
// (WORKLIST's rows recorded first) to its readers, saying how many each
// got; with WORKLIST and the store named elsewhere (--db or
// $CXR_AUDITOR_DB), only WORKLIST's items, in its order (WorklistIDs).
func StudyCreate(ctx context.Context, env Env, f StudyStore, study audit.Study) error {
	if len(study.Readers) == 0 {
		return fmt.Errorf("%w: --readers is required (comma-separated annotator names)", ErrUsage)
	}
	study.CreatedBy = LoginName(env)
	if err := study.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	s, err := openStudyStore(ctx, env, "study create", f)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.CreateStudy(ctx, study); err != nil {
		return err
	}
	added, err := assignStudy(ctx, env, s, f, study.Name, study.CreatedBy)
	if err != nil {
		return fmt.Errorf("study %s was created but its items are not assigned (run 'cxr-auditor study assign %s'): %w", study.Name, study.Name, err)
	}
	WriteLine(env.Stdout, "study %s created in %s: %s; %d per item", study.Name, s.Path(), study.Members(), study.PerItem)
	printAssigned(env, study, added)
	if len(added) == 0 {
		WriteLine(env.Stderr, "cxr-auditor study create: the store holds no items yet: give the WORKLIST, or run 'cxr-auditor study assign %s WORKLIST'", study.Name)
	}
	return nil
}

// StudyAssign assigns to the study's readers the items added since it was
// created (WORKLIST's rows recorded first), continuing its rule; with
// WORKLIST and the store named elsewhere, only WORKLIST's items, in its
// order, as StudyCreate.
func StudyAssign(ctx context.Context, env Env, f StudyStore, name string) error {
	s, err := openStudyStore(ctx, env, "study assign", f)
	if err != nil {
		return err
	}
	defer s.Close()
	study, err := s.Study(ctx, name)
	if err != nil {
		return err
	}
	added, err := assignStudy(ctx, env, s, f, name, LoginName(env))
	if err != nil {
		return err
	}
	printAssigned(env, study, added)
	return nil
}

// assignStudy assigns the study's new items: the worklist's when it
// subsets the store (WorklistIDs), else every stored item.
func assignStudy(ctx context.Context, env Env, s *store.Store, f StudyStore, name, by string) ([]audit.StudyItem, error) {
	only, err := WorklistIDs(ctx, env, f.DB, f.Worklist)
	if err != nil {
		return nil, err
	}
	return s.AssignStudyItems(ctx, name, by, only)
}

// printAssigned says how many items each reader was given.
func printAssigned(env Env, study audit.Study, added []audit.StudyItem) {
	per := map[string]int{}
	for _, it := range added {
		for _, r := range it.Readers {
			per[r]++
		}
	}
	parts := make([]string, len(study.Readers))
	for i, r := range study.Readers {
		parts[i] = fmt.Sprintf("%s %d", r, per[r])
	}
	WriteLine(env.Stdout, "%s assigned: %s", tui.Count(len(added), "item"), strings.Join(parts, ", "))
}

// openStudyStore opens the store read-write for a study command that
// writes, recording WORKLIST's rows first when one is given.
func openStudyStore(ctx context.Context, env Env, command string, f StudyStore) (*store.Store, error) {
	worklist := f.Worklist
	path := StoreLocation(f.DB, worklist, env.Getenv)
	if path == "" {
		return nil, fmt.Errorf("%w: name the store with --db FILE (or a postgres:// URL, or %s) or give the WORKLIST", ErrUsage, EnvDB)
	}
	if err := CheckStorePath(path); err != nil {
		return nil, err
	}
	var recs []audit.ItemRecord
	if worklist != "" {
		wl, err := LoadWorklist(ctx, env.Stderr, command, worklist, f.AllowOutside)
		if err != nil {
			return nil, err
		}
		for i, it := range wl.Items {
			recs = append(recs, audit.ItemRecord{ID: it.ID, Image: it.ImagePath, Draft: it.Draft, Seq: i})
		}
	}
	opts, err := StoreOptions(env.Getenv)
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, path, opts...)
	if err != nil {
		return nil, err
	}
	if w := s.InsecureWarning(); w != "" {
		fmt.Fprintln(env.Stderr, w)
	}
	if len(recs) > 0 {
		if err := s.PutItems(ctx, recs); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// StudyList prints the studies in the store, as a table or (asJSON) a
// JSON array.
func StudyList(ctx context.Context, env Env, f StudyStore, asJSON bool) error {
	s, err := OpenReadOnly(ctx, env, f.DB, f.Worklist)
	if err != nil {
		return err
	}
	defer s.Close()
	studies, err := s.Studies(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return WriteJSON(env.Stdout, studies)
	}
	if len(studies) == 0 {
		WriteLine(env.Stderr, "no study in %s: 'cxr-auditor study create' makes one", s.Path())
		return nil
	}
	rows := [][]string{{"STUDY", "READERS", "PER ITEM", "ADJUDICATORS", "CREATED"}}
	for _, st := range studies {
		rows = append(rows, []string{st.Name, strings.Join(st.Readers, ","), fmt.Sprint(st.PerItem),
			strings.Join(st.Adjudicators, ","), st.CreatedAt.Format("2006-01-02 15:04") + " by " + st.CreatedBy})
	}
	return writeTable(env, rows)
}

// writeTable prints rows as columns separated by two spaces, every cell
// sanitised (termtext.Line) and measured as the terminal shows it.
func writeTable(env Env, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			r[i] = termtext.Line(c)
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], ansi.StringWidth(r[i]))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
			}
		}
		b.WriteString("\n")
	}
	_, err := fmt.Fprint(env.Stdout, b.String())
	return err
}

// loadStudy reads a study with its items and units from s.
func loadStudy(ctx context.Context, s *store.Store, name string) (audit.Study, []audit.StudyItem, []audit.StudyUnit, error) {
	st, err := s.Study(ctx, name)
	if err != nil {
		return st, nil, nil, err
	}
	items, err := s.StudyItems(ctx, name)
	if err != nil {
		return st, nil, nil, err
	}
	units, err := s.StudyUnits(ctx, name)
	return st, items, units, err
}

// StudyStatus prints how far a study has come: items, disagreements by
// state, each reader and adjudicator, and what comes next (asJSON: the
// progress as one JSON object).
func StudyStatus(ctx context.Context, env Env, f StudyStore, name string, asJSON bool) error {
	s, err := OpenReadOnly(ctx, env, f.DB, f.Worklist)
	if err != nil {
		return err
	}
	defer s.Close()
	st, items, units, err := loadStudy(ctx, s, name)
	if err != nil {
		return err
	}
	order, err := WorklistIDs(ctx, env, f.DB, f.Worklist)
	if err != nil {
		return err
	}
	all := len(items)
	items, units = subsetStudy(order, items, units)
	p := audit.Progress(st, items, units)
	log, closed, err := s.StudyLog(ctx, name)
	if err != nil {
		return err
	}
	unclaimed, err := s.UnclaimedVerdicts(ctx, name)
	if err != nil {
		return err
	}
	if asJSON {
		return WriteJSON(env.Stdout, struct {
			audit.StudyProgress
			Closed    bool                     `json:"closed"`
			Log       []store.StudyLogEntry    `json:"log"`
			Unclaimed []store.UnclaimedVerdict `json:"unclaimed,omitempty"`
			// With a worklist that subsets the study: it, and how
			// many items the whole study has.
			Worklist   string `json:"worklist,omitempty"`
			StudyItems int    `json:"study_items,omitempty"`
		}{p, closed, nonNilLog(log), unclaimed, subsetOf(order, f.Worklist), subsetOf(order, all)})
	}
	WriteLine(env.Stdout, "study %s: %s; %d per item; created %s by %s",
		st.Name, st.Members(), st.PerItem, st.CreatedAt.Format("2006-01-02 15:04 MST"), st.CreatedBy)
	printStudyLog(env, log, closed)
	printUnclaimed(env, unclaimed)
	if order != nil {
		WriteLine(env.Stdout, "%s", inWorklist(len(items), all, f.Worklist))
	}
	WriteLine(env.Stdout, "items: %d assigned, %d run%s", p.Items, p.ItemsRun, waiting(p.Items-p.ItemsRun, "waiting for their models to run ('cxr-auditor run')"))
	WriteLine(env.Stdout, "disagreements: %d: %d open, %d agreed, %d disputed (waiting for adjudication), %d adjudicated",
		p.Units, p.States[audit.UnitOpen], p.States[audit.UnitAgreed], p.States[audit.UnitDisputed], p.States[audit.UnitAdjudicated])
	rows := [][]string{{"READER", "ITEMS", "RUN", "DONE", "JUDGED"}}
	for _, r := range p.Readers {
		rows = append(rows, []string{r.Reader, fmt.Sprint(r.Items), fmt.Sprint(r.ItemsRun), fmt.Sprint(r.ItemsDone), fmt.Sprintf("%d/%d", r.Judged, r.Units)})
	}
	fmt.Fprintln(env.Stdout)
	if err := writeTable(env, rows); err != nil {
		return err
	}
	if len(p.Adjudicators) > 0 {
		rows = [][]string{{"ADJUDICATOR", "SETTLED"}}
		for _, a := range p.Adjudicators {
			rows = append(rows, []string{a.Adjudicator, fmt.Sprint(a.Settled)})
		}
		fmt.Fprintln(env.Stdout)
		if err := writeTable(env, rows); err != nil {
			return err
		}
	}
	fmt.Fprintln(env.Stdout)
	switch {
	case p.Complete:
		WriteLine(env.Stdout, "complete: every disagreement has a final verdict ('cxr-auditor study verdicts %s')", st.Name)
	case p.States[audit.UnitDisputed] > 0 && len(st.Adjudicators) > 0:
		WriteLine(env.Stdout, "next: %s adjudicates with 'cxr-auditor review WORKLIST --study %s --annotator %s'", st.Adjudicators[0], st.Name, st.Adjudicators[0])
	default:
		WriteLine(env.Stdout, "in progress: each reader reviews with 'cxr-auditor review WORKLIST --study %s --annotator NAME'", st.Name)
	}
	return nil
}

// subsetOf is v when order subsets the study, else v's zero value.
func subsetOf[T any](order []string, v T) T {
	if order == nil {
		var zero T
		return zero
	}
	return v
}

func waiting(n int, what string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d %s)", n, what)
}

// StudyVerdicts writes the study's settled disagreements (all: every one)
// with the readers' verdicts and the final one, as csv or jsonl.
func StudyVerdicts(ctx context.Context, env Env, f StudyStore, name, format string, all bool) error {
	if format != "csv" && format != "jsonl" {
		return fmt.Errorf("%w: --format %q: want csv or jsonl", ErrUsage, format)
	}
	s, err := OpenReadOnly(ctx, env, f.DB, f.Worklist)
	if err != nil {
		return err
	}
	defer s.Close()
	units, err := s.StudyUnits(ctx, name)
	if err != nil {
		return err
	}
	order, err := WorklistIDs(ctx, env, f.DB, f.Worklist)
	if err != nil {
		return err
	}
	_, units = subsetStudy(order, nil, units)
	if !all {
		units = slices.DeleteFunc(units, func(u audit.StudyUnit) bool {
			return u.State != audit.UnitAgreed && u.State != audit.UnitAdjudicated
		})
	}
	if format == "jsonl" {
		for _, u := range units {
			row := studyVerdictRow{Study: name, StudyUnit: u, Judgements: roleJudgements(u)}
			if err := WriteJSON(env.Stdout, row); err != nil {
				return err
			}
		}
		return nil
	}
	// Tidy: one row per unit per reader (decision empty while they have
	// not judged it), then one per adjudicator's verdict.
	var rows [][]string
	for _, u := range units {
		for _, j := range tidyJudgements(u) {
			rows = append(rows, []string{name, u.ItemID, u.Key, string(u.Label), string(u.Kind), string(u.State), string(u.Final), u.FinalBy,
				fmt.Sprint(u.Stale), j.Annotator, string(j.Role), string(j.Decision)})
		}
	}
	header := []string{"study", "item_id", "key", "label", "kind", "state", "final", "final_by", "stale", "annotator", "role", "decision"}
	if err := WriteCSV(env.Stdout, header, rows); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// studyVerdictRow is one unit in study verdicts' JSONL: the study it
// belongs to, and every judgement with the role it was given in.
type studyVerdictRow struct {
	Study string `json:"study"`
	audit.StudyUnit
	// Judgements shadows the unit's, adding each one's role.
	Judgements []roleJudgement `json:"judgements"`
}

// roleJudgement is a judgement with the role of its giver in the study.
type roleJudgement struct {
	Annotator string         `json:"annotator"`
	Role      audit.Role     `json:"role"`
	Decision  audit.Decision `json:"decision,omitempty"`
}

// roleJudgements lists the unit's judgements (readers first, then the
// adjudicators'), each with its role: a reader of the item, or else
// (StudyUnit keeps no one else's) an adjudicator of the study.
func roleJudgements(u audit.StudyUnit) []roleJudgement {
	out := make([]roleJudgement, 0, len(u.Judgements))
	for _, j := range u.Judgements {
		role := audit.RoleAdjudicator
		if slices.Contains(u.Readers, j.Annotator) {
			role = audit.RoleReader
		}
		out = append(out, roleJudgement{Annotator: j.Annotator, Role: role, Decision: j.Decision})
	}
	return out
}

// tidyJudgements lists, for the CSV, one judgement per reader of the
// unit (decision empty while they have not judged it), then the
// adjudicators' in the order given.
func tidyJudgements(u audit.StudyUnit) []roleJudgement {
	js := roleJudgements(u)
	out := make([]roleJudgement, 0, len(u.Readers)+len(js))
	for _, r := range u.Readers {
		j := roleJudgement{Annotator: r, Role: audit.RoleReader}
		if i := slices.IndexFunc(js, func(j roleJudgement) bool { return j.Annotator == r }); i >= 0 {
			j = js[i]
		}
		out = append(out, j)
	}
	for _, j := range js {
		if j.Role == audit.RoleAdjudicator {
			out = append(out, j)
		}
	}
	return out
}
