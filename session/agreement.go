package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/agreement"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// AgreementConfig is what Agreement measures and how it prints it; the
// agreement command fills it from its flags.
type AgreementConfig struct {
	// DB or Worklist names the store (OpenReadOnly).
	DB, Worklist string
	// Readers are the readers to compare (nil: every annotator, or the
	// study's readers); Study narrows the verdicts to a reading study's
	// items.
	Readers []string
	Study   string
	// JSON or CSV choose the output (text by default).
	JSON, CSV bool
	// Method is the kappa (auto, cohen or fleiss); MinReaders the readers a
	// disagreement needs to count; Level the intervals' confidence.
	Method     string
	MinReaders int
	Level      float64
}

// Agreement reads every reader's current verdicts from the store and
// prints agreement.Measure's report. A stored verdict that cannot be a
// rating is named on stderr and left out, and the exit status is then 2.
func Agreement(ctx context.Context, env Env, cfg AgreementConfig) error {
	opts, err := cfg.options()
	if err != nil {
		return err
	}
	s, err := OpenReadOnly(ctx, env, cfg.DB, cfg.Worklist)
	if err != nil {
		return err
	}
	defer s.Close()
	verdicts, readers, err := cfg.verdicts(ctx, s)
	if err != nil {
		return err
	}
	ids, err := WorklistIDs(ctx, env, cfg.DB, cfg.Worklist)
	if err != nil {
		return err
	}
	if ids != nil {
		in := make(map[string]bool, len(ids))
		for _, id := range ids {
			in[id] = true
		}
		verdicts = slices.DeleteFunc(verdicts, func(v audit.Verdict) bool { return !in[v.ItemID] })
	}
	ratings, skipped := agreement.FromVerdicts(verdicts)
	for _, sk := range skipped {
		fmt.Fprintf(env.Stderr, "agreement: skipped %s\n", termtext.Line(sk.Error()))
	}
	opts.Readers = readers
	rep, err := agreement.Measure(ratings, opts)
	if err != nil {
		if errors.Is(err, agreement.ErrInvalidOptions) {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		return fmt.Errorf("agreement: %w", err)
	}
	if len(ratings) == 0 {
		fmt.Fprintf(env.Stderr, "agreement: no verdicts to compare in %s\n", termtext.Line(s.Path()))
	}
	if err := cfg.write(env.Stdout, rep); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if len(skipped) > 0 {
		fmt.Fprintf(env.Stderr, "agreement: %d stored verdict(s) left out; the figures are over the rest\n", len(skipped))
		return ExitError{Code: 2}
	}
	return nil
}

// options checks the settings before the store is read: every mistake is
// a usage error naming its flag.
func (cfg AgreementConfig) options() (agreement.Options, error) {
	method, err := agreement.ParseKappaMethod(cfg.Method)
	if err != nil {
		return agreement.Options{}, fmt.Errorf("%w: --method: %v", ErrUsage, err)
	}
	switch {
	case cfg.JSON && cfg.CSV:
		return agreement.Options{}, fmt.Errorf("%w: give --json or --csv, not both", ErrUsage)
	case cfg.MinReaders < 2:
		return agreement.Options{}, fmt.Errorf("%w: --min-readers must be at least 2, got %d", ErrUsage, cfg.MinReaders)
	case !(cfg.Level > 0 && cfg.Level < 1):
		return agreement.Options{}, fmt.Errorf("%w: --level must be between 0 and 1 (0.95 for 95%%), got %v", ErrUsage, cfg.Level)
	}
	for i, r := range cfg.Readers {
		if strings.TrimSpace(r) == "" {
			return agreement.Options{}, fmt.Errorf("%w: --readers: entry %d is empty", ErrUsage, i+1)
		}
	}
	opts := agreement.Options{Readers: cfg.Readers, Method: method, MinReaders: cfg.MinReaders, Level: cfg.Level}
	if _, err := agreement.Measure(nil, opts); err != nil {
		return agreement.Options{}, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return opts, nil
}

// verdicts are the current verdicts to compare, narrowed to the study's
// items and to the readers, and the readers compared.
func (cfg AgreementConfig) verdicts(ctx context.Context, s *store.Store) ([]audit.Verdict, []string, error) {
	verdicts, err := s.AllVerdicts(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	readers := cfg.Readers
	if cfg.Study != "" {
		st, err := s.Study(ctx, cfg.Study)
		if err != nil {
			return nil, nil, err
		}
		items, err := s.StudyItems(ctx, cfg.Study)
		if err != nil {
			return nil, nil, err
		}
		verdicts = audit.StudyVerdicts(cfg.Study, items, verdicts)
		if len(readers) == 0 {
			readers = st.Readers
		}
	}
	if len(readers) > 0 {
		verdicts = slices.DeleteFunc(verdicts, func(v audit.Verdict) bool { return !slices.Contains(readers, v.Annotator) })
	}
	return verdicts, readers, nil
}

// write prints the report as JSON, CSV (long form) or text.
func (cfg AgreementConfig) write(w io.Writer, rep agreement.Report) error {
	switch {
	case cfg.JSON:
		return WriteJSON(w, rep)
	case cfg.CSV:
		return WriteCSV(w, agreement.CSVHeader, rep.CSVRows())
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		return err
	}
	_, err := io.WriteString(w, termtext.Text(b.String()))
	return err
}
