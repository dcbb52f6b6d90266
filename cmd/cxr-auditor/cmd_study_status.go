package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

func newStudyStatusCmd(e env) *cobra.Command {
	var (
		f      studyStoreFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "status NAME [--db FILE | WORKLIST]",
		Short: "how far a study has come: each reader, the disputes, the adjudication",
		Long: `Show a study's progress: items assigned and run, the disagreements by
state (open: not every reader has judged it; agreed; disputed: the readers
differ and it waits for the adjudicator; adjudicated), each reader's items
and judgements, and what each adjudicator settled. The store is opened
read-only.`,
		Args: argsBetween(1, 2, "want the study NAME and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStudyStatus(cmd.Context(), e, f.db, args[0], args[1:], asJSON)
		},
	}
	f.add(cmd, false)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the progress as one JSON object")
	return cmd
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

func runStudyStatus(ctx context.Context, e env, db, name string, pos []string, asJSON bool) error {
	s, err := session.OpenReadOnly(ctx, e.session(), db, first(pos))
	if err != nil {
		return err
	}
	defer s.Close()
	st, items, units, err := loadStudy(ctx, s, name)
	if err != nil {
		return err
	}
	p := audit.Progress(st, items, units)
	if asJSON {
		return session.WriteJSON(e.stdout, p)
	}
	writeLine(e.stdout, "study %s: %s; %d per item; created %s by %s",
		st.Name, st.Members(), st.PerItem, st.CreatedAt.Format("2006-01-02 15:04 MST"), st.CreatedBy)
	writeLine(e.stdout, "items: %d assigned, %d run%s", p.Items, p.ItemsRun, waiting(p.Items-p.ItemsRun, "waiting for their models to run ('cxr-auditor run')"))
	writeLine(e.stdout, "disagreements: %d: %d open, %d agreed, %d disputed (waiting for adjudication), %d adjudicated",
		p.Units, p.States[audit.UnitOpen], p.States[audit.UnitAgreed], p.States[audit.UnitDisputed], p.States[audit.UnitAdjudicated])
	rows := [][]string{{"READER", "ITEMS", "RUN", "DONE", "JUDGED"}}
	for _, r := range p.Readers {
		rows = append(rows, []string{r.Reader, fmt.Sprint(r.Items), fmt.Sprint(r.ItemsRun), fmt.Sprint(r.ItemsDone), fmt.Sprintf("%d/%d", r.Judged, r.Units)})
	}
	fmt.Fprintln(e.stdout)
	if err := writeTable(e, rows); err != nil {
		return err
	}
	if len(p.Adjudicators) > 0 {
		rows = [][]string{{"ADJUDICATOR", "SETTLED"}}
		for _, a := range p.Adjudicators {
			rows = append(rows, []string{a.Adjudicator, fmt.Sprint(a.Settled)})
		}
		fmt.Fprintln(e.stdout)
		if err := writeTable(e, rows); err != nil {
			return err
		}
	}
	fmt.Fprintln(e.stdout)
	switch {
	case p.Complete:
		writeLine(e.stdout, "complete: every disagreement has a final verdict ('cxr-auditor study verdicts %s')", st.Name)
	case p.States[audit.UnitDisputed] > 0 && len(st.Adjudicators) > 0:
		writeLine(e.stdout, "next: %s adjudicates with 'cxr-auditor review WORKLIST --study %s --annotator %s'", st.Adjudicators[0], st.Name, st.Adjudicators[0])
	default:
		writeLine(e.stdout, "in progress: each reader reviews with 'cxr-auditor review WORKLIST --study %s --annotator NAME'", st.Name)
	}
	return nil
}

func waiting(n int, what string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d %s)", n, what)
}

func newStudyVerdictsCmd(e env) *cobra.Command {
	var (
		f      studyStoreFlags
		format string
		all    bool
	)
	cmd := &cobra.Command{
		Use:   "verdicts NAME [--db FILE | WORKLIST]",
		Short: "the final verdict of every disagreement of a study (csv or jsonl)",
		Long: `Write the study's disagreements with every reader's verdict and the final
one: the readers' when they agreed, the adjudicator's when they did not.
By default only the settled ones (agreed or adjudicated); --all adds the
open and disputed ones, without a final verdict. JSONL: one object per
disagreement (item_id, key, label, kind, readers, judgements, state,
final, final_by, stale). CSV: one row per disagreement, columns item_id,
key, label, kind, state, final, final_by, stale, judgements (as
"alice=image_right bob=draft_right"); cells are inert as export's are.
The store is opened read-only.`,
		Args: argsBetween(1, 2, "want the study NAME and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStudyVerdicts(cmd.Context(), e, f.db, args[0], args[1:], format, all)
		},
	}
	f.add(cmd, false)
	cmd.Flags().StringVar(&format, "format", "csv", "output format: csv or jsonl")
	cmd.Flags().BoolVar(&all, "all", false, "also the open and disputed disagreements")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords("csv", "jsonl"))
	return cmd
}

func runStudyVerdicts(ctx context.Context, e env, db, name string, pos []string, format string, all bool) error {
	if format != "csv" && format != "jsonl" {
		return fmt.Errorf("%w: --format %q: want csv or jsonl", errUsage, format)
	}
	s, err := session.OpenReadOnly(ctx, e.session(), db, first(pos))
	if err != nil {
		return err
	}
	defer s.Close()
	units, err := s.StudyUnits(ctx, name)
	if err != nil {
		return err
	}
	if !all {
		units = slices.DeleteFunc(units, func(u audit.StudyUnit) bool {
			return u.State != audit.UnitAgreed && u.State != audit.UnitAdjudicated
		})
	}
	if format == "jsonl" {
		for _, u := range units {
			if err := session.WriteJSON(e.stdout, u); err != nil {
				return err
			}
		}
		return nil
	}
	rows := make([][]string, 0, len(units))
	for _, u := range units {
		js := make([]string, len(u.Judgements))
		for i, j := range u.Judgements {
			js[i] = j.Annotator + "=" + string(j.Decision)
		}
		rows = append(rows, []string{u.ItemID, u.Key, string(u.Label), string(u.Kind), string(u.State), string(u.Final), u.FinalBy,
			fmt.Sprint(u.Stale), strings.Join(js, " ")})
	}
	header := []string{"item_id", "key", "label", "kind", "state", "final", "final_by", "stale", "judgements"}
	if err := session.WriteCSV(e.stdout, header, rows); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
