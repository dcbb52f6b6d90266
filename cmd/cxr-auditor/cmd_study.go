package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

const studyDescription = `Run a blind double-reading study with adjudication. A study names its
readers, how many of them read each item (--per-item, default 2) and its
adjudicators. Its items are assigned to the readers by a fixed rule: in
worklist order, the n-th item goes to readers n·k to n·k+k−1 (k per item),
counted round the readers in the order given, so every reader gets the
same number of items, give or take one, and no item gets a reader twice.

Each reader reviews with --study: only their items, blind to everyone
else's verdicts. When the readers of an item judge one of its
disagreements differently, it goes to adjudication: the adjudicator,
reviewing with --study, sees the items in dispute with both readers'
verdicts and records the final one. Every step (creation, each
assignment, each disagreement's change of state) is in the store's event
log; 'study status' shows the progress, 'study verdicts' the final
decisions and 'agreement --study' the readers' agreement.

A study never changes once created (its readers, per-item count and
adjudicators are part of the record): for another design, create another
study. Items added to the worklist later join it with 'study assign'.`

const studyExample = `
cxr-auditor study create pilot --readers alice,bob --adjudicator carol cases.csv
cxr-auditor review cases.csv --study pilot --annotator alice     # each reader, blind
cxr-auditor study status pilot cases.csv
cxr-auditor review cases.csv --study pilot --annotator carol     # the adjudicator
cxr-auditor study verdicts pilot cases.csv --format csv > final.csv`

func newStudyCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "study",
		Short:   "blind double-reading studies: create, assign, status, verdicts",
		Long:    studyDescription,
		Example: studyExample,
		Args:    unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(e.stderr)
			_ = cmd.Help()
			return exitError{Code: 2}
		},
	}
	cmd.AddCommand(newStudyCreateCmd(e), newStudyAssignCmd(e), newStudyListCmd(e), newStudyStatusCmd(e), newStudyVerdictsCmd(e))
	return cmd
}

// studyStoreFlags are the flags every study subcommand shares.
type studyStoreFlags struct {
	db           string
	allowOutside bool
}

func (f *studyStoreFlags) add(cmd *cobra.Command, worklist bool) {
	cmd.Flags().StringVar(&f.db, "db", "", "the store: a FILE or a postgres:// URL (default: $CXR_AUDITOR_DB, else beside WORKLIST)")
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	if worklist {
		addAllowOutsideFlag(cmd, &f.allowOutside)
	}
}

func newStudyCreateCmd(e env) *cobra.Command {
	var (
		f     studyStoreFlags
		study audit.Study
	)
	cmd := &cobra.Command{
		Use:   "create NAME --readers A,B [--per-item 2] --adjudicator C [--db FILE | WORKLIST]",
		Short: "create a study and assign its items to the readers",
		Long: `Create the study NAME and assign every item to its readers (see 'study
--help' for the rule). With WORKLIST its rows are recorded in the store first
(the store beside it, unless --db); without, the items the store already
holds are assigned. NAME is letters, digits, '.', '_' and '-'.`,
		Example: `
cxr-auditor study create pilot --readers alice,bob --adjudicator carol cases.csv
cxr-auditor study create triple --readers ann,ben,cat --per-item 2 --adjudicator dee --db postgres://cxr@db/cxr cases.csv`,
		Args: argsBetween(1, 2, "want the study NAME and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			study.Name = args[0]
			return runStudyCreate(cmd.Context(), e, f, study, args[1:])
		},
	}
	f.add(cmd, true)
	fl := cmd.Flags()
	fl.StringSliceVar(&study.Readers, "readers", nil, "the READERS (comma-separated annotator names, in the order of the assignment rule)")
	fl.IntVar(&study.PerItem, "per-item", 2, "readers per item")
	fl.StringSliceVar(&study.Adjudicators, "adjudicator", nil, "the ADJUDICATOR (comma-separated for several; any one may settle a dispute)")
	_ = cmd.RegisterFlagCompletionFunc("readers", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("adjudicator", cobra.NoFileCompletions)
	return cmd
}

func runStudyCreate(ctx context.Context, e env, f studyStoreFlags, study audit.Study, pos []string) error {
	if len(study.Readers) == 0 {
		return fmt.Errorf("%w: --readers is required (comma-separated annotator names)", errUsage)
	}
	study.CreatedBy = session.LoginName(e.session())
	if err := study.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	s, err := openStudyStore(ctx, e, "study create", f, pos)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.CreateStudy(ctx, study); err != nil {
		return err
	}
	added, err := s.AssignStudy(ctx, study.Name, study.CreatedBy)
	if err != nil {
		return fmt.Errorf("study %s was created but its items are not assigned (run 'cxr-auditor study assign %s'): %w", study.Name, study.Name, err)
	}
	writeLine(e.stdout, "study %s created in %s: %s; %d per item", study.Name, s.Path(), study.Members(), study.PerItem)
	printAssigned(e, study, added)
	if len(added) == 0 {
		writeLine(e.stderr, "cxr-auditor study create: the store holds no items yet: give the WORKLIST, or run 'cxr-auditor study assign %s WORKLIST'", study.Name)
	}
	return nil
}

func newStudyAssignCmd(e env) *cobra.Command {
	var f studyStoreFlags
	cmd := &cobra.Command{
		Use:   "assign NAME [--db FILE | WORKLIST]",
		Short: "assign the items added since the study was created",
		Long: `Assign to the study's readers every item the store holds that the study
does not have yet (with WORKLIST, its rows are recorded first), continuing
the rule where it stopped. Items already assigned never move.`,
		Args: argsBetween(1, 2, "want the study NAME and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStudyAssign(cmd.Context(), e, f, args[0], args[1:])
		},
	}
	f.add(cmd, true)
	return cmd
}

func runStudyAssign(ctx context.Context, e env, f studyStoreFlags, name string, pos []string) error {
	s, err := openStudyStore(ctx, e, "study assign", f, pos)
	if err != nil {
		return err
	}
	defer s.Close()
	study, err := s.Study(ctx, name)
	if err != nil {
		return err
	}
	added, err := s.AssignStudy(ctx, name, session.LoginName(e.session()))
	if err != nil {
		return err
	}
	printAssigned(e, study, added)
	return nil
}

// printAssigned says how many items each reader was given.
func printAssigned(e env, study audit.Study, added []audit.StudyItem) {
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
	writeLine(e.stdout, "%d item(s) assigned: %s", len(added), strings.Join(parts, ", "))
}

// openStudyStore opens the store read-write for a study command that
// writes, recording WORKLIST's rows first when one is given.
func openStudyStore(ctx context.Context, e env, command string, f studyStoreFlags, pos []string) (*store.Store, error) {
	worklist := ""
	if len(pos) == 1 {
		worklist = pos[0]
	}
	path := session.StoreLocation(f.db, worklist, e.getenv)
	if path == "" {
		return nil, fmt.Errorf("%w: name the store with --db FILE (or a postgres:// URL, or %s) or give the WORKLIST", errUsage, session.EnvDB)
	}
	if err := session.CheckStorePath(path); err != nil {
		return nil, err
	}
	var recs []audit.ItemRecord
	if worklist != "" {
		wl, err := session.LoadWorklist(ctx, e.stderr, command, worklist, f.allowOutside)
		if err != nil {
			return nil, err
		}
		for i, it := range wl.Items {
			recs = append(recs, audit.ItemRecord{ID: it.ID, Image: it.ImagePath, Draft: it.Draft, Seq: i})
		}
	}
	opts, err := session.StoreOptions(e.getenv)
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, path, opts...)
	if err != nil {
		return nil, err
	}
	if w := s.InsecureWarning(); w != "" {
		fmt.Fprintln(e.stderr, w)
	}
	if len(recs) > 0 {
		if err := s.PutItems(ctx, recs); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func newStudyListCmd(e env) *cobra.Command {
	var (
		f      studyStoreFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list [--db FILE | WORKLIST]",
		Short: "list the studies in the store",
		Args:  argsBetween(0, 1, "want at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := session.OpenReadOnly(cmd.Context(), e.session(), f.db, first(args))
			if err != nil {
				return err
			}
			defer s.Close()
			studies, err := s.Studies(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return session.WriteJSON(e.stdout, studies)
			}
			if len(studies) == 0 {
				writeLine(e.stderr, "no study in %s: 'cxr-auditor study create' makes one", s.Path())
				return nil
			}
			rows := [][]string{{"STUDY", "READERS", "PER ITEM", "ADJUDICATORS", "CREATED"}}
			for _, st := range studies {
				rows = append(rows, []string{st.Name, strings.Join(st.Readers, ","), fmt.Sprint(st.PerItem),
					strings.Join(st.Adjudicators, ","), st.CreatedAt.Format("2006-01-02 15:04") + " by " + st.CreatedBy})
			}
			return writeTable(e, rows)
		},
	}
	f.add(cmd, false)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the studies as a JSON array")
	return cmd
}

// writeTable prints rows as columns separated by two spaces, every cell
// sanitised (termtext.Line) and measured as the terminal shows it.
func writeTable(e env, rows [][]string) error {
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
	_, err := fmt.Fprint(e.stdout, b.String())
	return err
}
