package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

const evalDescription = `Evaluate predicted findings against ground truth and print the card's
table with a percentile bootstrap interval on every figure, or with --json
one JSON object (docs/metrics.md defines every figure, both protocols and
the JSON shape).

--truth is where the truth is kept: a JSONL truth file, one {"id",
"findings"} per line, or a worklist (CSV or JSONL) whose truth column or
key holds it (its images must be there: the worklist is read as review
reads it). --pred is JSONL, one {"id", "findings"} per line, or {"id",
"error"} for an item whose output could not be parsed; the output of 'run'
is accepted as it is. --run reads a run from the store instead (--db, else
$CXR_AUDITOR_DB): until the store names runs, a run is the latest
grounding results of the model named NAME. An item whose prediction
failed, or that has none, predicts nothing. Predictions for ids not in the
truth are ignored with a warning; when no prediction id matches the truth
at all, eval says so and exits 1.

With several --pred or --run, each run after the first is compared with
the first: both F1s, the difference with a paired bootstrap interval and
McNemar's exact p per finding, then parse failures, localization, mean IoU
and urgent recall side by side. --errors writes each item's errors against
the truth (missed, spurious, mislocated at --iou, matched) as JSONL.`

const evalExample = `
cxr-auditor eval --truth testdata/demo/worklist.csv --pred results.jsonl
cxr-auditor eval --truth truth.jsonl --pred v1.jsonl --pred v2.jsonl --protocol card --json
cxr-auditor eval --truth truth.jsonl --run medgemma-v1 --run medgemma-v2 --db cases.cxr.db`

// evalFlags are the eval command's settings.
type evalFlags struct {
	preds, runs          []string
	db, truthPath        string
	protocol, errorsPath string
	resamples            int
	seed                 uint64
	level, iou           float64
	asJSON               bool
	urgent               *labelsFlag
}

func newEvalCmd(e env) *cobra.Command {
	var f evalFlags
	cmd := &cobra.Command{
		Use:     "eval --truth FILE (--pred FILE | --run NAME)...",
		Short:   "evaluate predictions against ground truth, with intervals",
		Long:    evalDescription,
		Example: evalExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEval(cmd.Context(), e, f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.preds, "pred", nil, "predictions FILE (JSONL; the output of 'run' works); repeat to compare runs")
	fl.StringArrayVar(&f.runs, "run", nil, "a run from the store, by NAME; repeat to compare runs")
	fl.StringVar(&f.db, "db", "", "the store of --run: a FILE or a postgres:// URL (default: $CXR_AUDITOR_DB)")
	fl.StringVar(&f.truthPath, "truth", "", "ground truth: a truth FILE (JSONL of {id, findings}) or a WORKLIST with a truth column")
	fl.StringVar(&f.protocol, "protocol", string(compare.ProtocolItem), "the protocol: item (boxes matched within each item) or card (the model card's harness)")
	fl.IntVar(&f.resamples, "resamples", compare.DefaultResamples, "bootstrap resamples (0: no intervals)")
	fl.Uint64Var(&f.seed, "seed", 1, "bootstrap seed: the same seed gives the same intervals")
	fl.Float64Var(&f.level, "level", compare.DefaultLevel, "interval coverage, between 0 and 1")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object instead of the table")
	fl.StringVar(&f.errorsPath, "errors", "", "write each item's errors against the truth to FILE (JSONL)")
	fl.Float64Var(&f.iou, "iou", compare.LooseIoU, "the IoU under which --errors calls a box mislocated")
	f.urgent = addUrgentFlag(cmd, "comma-separated LABELS whose recall is reported; \"\" for none")
	_ = cmd.RegisterFlagCompletionFunc("pred", completeJSON)
	_ = cmd.RegisterFlagCompletionFunc("truth", completeWorklist)
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("protocol", completeWords(string(compare.ProtocolItem), string(compare.ProtocolCard)))
	return cmd
}

// options checks the flags and returns what compare needs.
func (f evalFlags) options() (compare.Options, error) {
	p, err := compare.ParseProtocol(f.protocol)
	if err != nil {
		return compare.Options{}, fmt.Errorf("%w: --protocol: %w", errUsage, err)
	}
	b := compare.Bootstrap{Resamples: f.resamples, Seed: f.seed, Level: f.level}
	if err := b.Validate(); err != nil {
		return compare.Options{}, fmt.Errorf("%w: %w", errUsage, err)
	}
	switch {
	case f.truthPath == "":
		return compare.Options{}, fmt.Errorf("%w: --truth is required", errUsage)
	case len(f.preds)+len(f.runs) == 0:
		return compare.Options{}, fmt.Errorf("%w: give predictions with --pred FILE or --run NAME", errUsage)
	case !(f.iou > 0 && f.iou <= 1):
		return compare.Options{}, fmt.Errorf("%w: --iou %v: want a number in (0, 1]", errUsage, f.iou)
	}
	stdin := 0
	for _, p := range append([]string{f.truthPath}, f.preds...) {
		if isStdin(p) {
			stdin++
		}
	}
	if stdin > 1 {
		return compare.Options{}, fmt.Errorf("%w: only one of --truth and --pred can read stdin", errUsage)
	}
	return compare.Options{Protocol: p, Urgent: f.urgent.labels, Bootstrap: b}, nil
}

// runEval implements `cxr-auditor eval`.
func runEval(ctx context.Context, e env, f evalFlags) error {
	opts, err := f.options()
	if err != nil {
		return err
	}
	what := f.truthPath
	if isStdin(what) {
		what = "stdin"
	}
	truth, err := readTruthItems(ctx, truthFile(e, f.truthPath), what)
	if err != nil {
		return err
	}
	var st *store.Store
	if len(f.runs) > 0 {
		if st, err = openEvalStore(ctx, e, f.db); err != nil {
			return err
		}
		defer st.Close()
	}
	errs, err := openErrorsFile(f, opts.Urgent)
	if err != nil {
		return err
	}
	defer errs.abort()

	var runs []compare.NamedScores
	for _, src := range predSources(e, f, st) {
		s, err := scoreSource(ctx, e, src, truth, opts.Protocol, errs)
		if err != nil {
			return err
		}
		runs = append(runs, compare.NamedScores{Name: src.name, Scores: s})
	}
	if len(runs) == 1 {
		rep, err := compare.Evaluate(ctx, runs[0].Scores, opts)
		if err != nil {
			return err
		}
		if err := errs.commit(); err != nil {
			return err
		}
		if f.asJSON {
			return session.WriteJSON(e.stdout, rep)
		}
		return rep.WriteText(e.stdout)
	}
	c, err := compare.CompareRuns(ctx, runs, opts)
	if err != nil {
		return err
	}
	if vs, ok := any(st).(compareVerdictSource); ok && st != nil {
		verdicts, err := vs.CompareVerdicts(ctx)
		if err != nil {
			return err
		}
		c.AttachTally(verdicts)
	}
	if err := errs.commit(); err != nil {
		return err
	}
	if f.asJSON {
		return session.WriteJSON(e.stdout, c)
	}
	return c.WriteText(e.stdout)
}

// openEvalStore opens the store of --run read-only.
func openEvalStore(ctx context.Context, e env, db string) (*store.Store, error) {
	path := session.StoreLocation(db, "", e.getenv)
	if path == "" {
		return nil, fmt.Errorf("%w: --run reads the store: name it with --db FILE (or a postgres:// URL, or %s)", errUsage, session.EnvDB)
	}
	if err := session.CheckStorePath(path); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, path, store.ReadOnly())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no database at %s: run `cxr-auditor run` first, or pass --db: %w", path, err)
	}
	if err != nil {
		return nil, err
	}
	if w := st.InsecureWarning(); w != "" {
		fmt.Fprintln(e.stderr, w)
	}
	return st, nil
}
