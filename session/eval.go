package session

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// EvalConfig is what Eval scores and how; the eval command fills it from
// its flags.
type EvalConfig struct {
	// Preds are prediction files (JSONL, run's output works; "-" for
	// stdin); Runs are runs in the store DB ("": $CXR_AUDITOR_DB).
	Preds, Runs []string
	DB          string
	// Truth is a truth file or a worklist with truth; Corrected applies
	// the store's truth corrections to it (the store: DB, else the one
	// beside Truth).
	Truth     string
	Corrected bool
	// Protocol is item or card.
	Protocol string
	// Errors is a file for each item's errors against the truth ("":
	// none); IoU the overlap under which a box is mislocated there.
	Errors string
	IoU    float64
	// Resamples, Seed and Level are the bootstrap's.
	Resamples int
	Seed      uint64
	Level     float64
	// JSON prints one JSON object instead of the table.
	JSON bool
	// Urgent labels have their recall reported.
	Urgent []schema.Label
}

// options checks the flags and returns what compare needs.
func (f EvalConfig) options() (compare.Options, error) {
	p, err := compare.ParseProtocol(f.Protocol)
	if err != nil {
		return compare.Options{}, fmt.Errorf("%w: --protocol: %w", ErrUsage, err)
	}
	b := compare.Bootstrap{Resamples: f.Resamples, Seed: f.Seed, Level: f.Level}
	if err := b.Validate(); err != nil {
		return compare.Options{}, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	switch {
	case f.Truth == "":
		return compare.Options{}, fmt.Errorf("%w: --truth is required", ErrUsage)
	case len(f.Preds)+len(f.Runs) == 0:
		return compare.Options{}, fmt.Errorf("%w: give predictions with --pred FILE or --run NAME", ErrUsage)
	case !(f.IoU > 0 && f.IoU <= 1):
		return compare.Options{}, fmt.Errorf("%w: --iou %v: want a number in (0, 1]", ErrUsage, f.IoU)
	}
	stdin := 0
	for _, p := range append([]string{f.Truth}, f.Preds...) {
		if isStdin(p) {
			stdin++
		}
	}
	if stdin > 1 {
		return compare.Options{}, fmt.Errorf("%w: only one of --truth and --pred can read stdin", ErrUsage)
	}
	return compare.Options{Protocol: p, Urgent: f.Urgent, Bootstrap: b}, nil
}

// Eval scores each run's predictions (files, or runs in the store)
// against the truth and prints the card's table with intervals, or JSON;
// two runs or more are compared, paired. With Errors, each item's errors
// against the truth go to that file, replaced only when all went well.
func Eval(ctx context.Context, env Env, f EvalConfig) error {
	opts, err := f.options()
	if err != nil {
		return err
	}
	what := f.Truth
	if isStdin(what) {
		what = "stdin"
	}
	src := truthFile(env, f.Truth)
	if f.Corrected {
		cs, err := correctionsFor(ctx, env, f.DB, f.Truth)
		if err != nil {
			return err
		}
		applied := 0
		src = correctedSource(src, cs, &applied)
		what += " (corrected)"
	}
	truth, err := readTruthItems(ctx, src, what)
	if err != nil {
		return err
	}
	var st *store.Store
	if len(f.Runs) > 0 {
		if st, err = openEvalStore(ctx, env, f.DB); err != nil {
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
	for _, src := range predSources(env, f, st) {
		s, err := scoreSource(ctx, env, src, truth, opts.Protocol, errs)
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
		if f.JSON {
			return WriteJSON(env.Stdout, rep)
		}
		return rep.WriteText(env.Stdout)
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
	if f.JSON {
		return WriteJSON(env.Stdout, c)
	}
	return c.WriteText(env.Stdout)
}

// openEvalStore opens the store of --run read-only.
func openEvalStore(ctx context.Context, env Env, db string) (*store.Store, error) {
	path := StoreLocation(db, "", env.Getenv)
	if path == "" {
		return nil, fmt.Errorf("%w: --run reads the store: name it with --db FILE (or a postgres:// URL, or %s)", ErrUsage, EnvDB)
	}
	if err := CheckStorePath(path); err != nil {
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
		fmt.Fprintln(env.Stderr, w)
	}
	return st, nil
}
