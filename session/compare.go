package session

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/replay"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/tui"
)

// ParseCompare reads --compare A,B: two different run names.
func ParseCompare(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	a, b, ok := strings.Cut(v, ",")
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if !ok || a == "" || b == "" || strings.Contains(b, ",") {
		return nil, fmt.Errorf("%w: --compare %q: want two run names, A,B ('cxr-auditor runs' lists them)", ErrUsage, v)
	}
	if a == b {
		return nil, fmt.Errorf("%w: --compare %q: a run compared with itself", ErrUsage, v)
	}
	return []string{a, b}, nil
}

// loadCompare reads both runs' findings and the compare verdicts of the
// pair from st, for the workstation's compare mode. A run the store does
// not have is a usage error naming the runs it has.
func loadCompare(ctx context.Context, st *store.Store, runs []string) (*tui.CompareConfig, error) {
	cfg := &tui.CompareConfig{RunA: runs[0], RunB: runs[1], Items: map[string]tui.CompareItem{}, Save: st.SaveCompareVerdict}
	for side, name := range runs {
		ok, err := st.RunGrounding(ctx, name, func(id string, fs []schema.Finding, errText string) error {
			it := cfg.Items[id]
			if side == 0 {
				it.A, it.AFailed = fs, errText != ""
			} else {
				it.B, it.BFailed = fs, errText != ""
			}
			cfg.Items[id] = it
			return nil
		})
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: --compare: no run %q in %s (%s)", ErrUsage, name, st.Path(), runNames(ctx, st))
		}
	}
	vs, err := st.CompareVerdicts(ctx)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.RunA == runs[0] && v.RunB == runs[1] {
			cfg.Verdicts = append(cfg.Verdicts, v)
		}
	}
	return cfg, nil
}

// runNames lists the store's runs in words, for an error.
func runNames(ctx context.Context, st *store.Store) string {
	runs, err := st.Runs(ctx)
	if err != nil || len(runs) == 0 {
		return "it has none: 'cxr-auditor run' makes them"
	}
	names := make([]string, len(runs))
	for i, r := range runs {
		names[i] = r.Name
	}
	return "it has " + strings.Join(names, ", ")
}

// demoCompare runs the demo's two grounding models over its worklist in
// batch, at once (a replay server without latency), the draft stage once
// (the second run serves it from the first's records), and returns the
// two runs' names.
func demoCompare(ctx context.Context, env Env, d *Demo, draftModel string) ([]string, error) {
	srv, err := replay.NewServer(ctx, d.Worklist, d.recording, replay.Options{})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	host, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	quiet := Env{Stdin: env.Stdin, Stdout: io.Discard, Stderr: io.Discard, Getenv: env.Getenv}
	var names []string
	for _, model := range []string{prompts.DefaultGroundingModel, replay.SecondGroundingModel} {
		err := Run(ctx, quiet, RunConfig{Config: Config{
			Worklist: d.Worklist, AllowOutside: true, DB: d.DB, Hosts: []*ollama.Host{host},
			GroundingModel: model, DraftModel: draftModel, Urgent: schema.DefaultUrgent(), EmbeddedPromptOK: true, Capacity: 2,
		}, Share: "off", Lease: time.Minute})
		if err != nil && !isExit2(err) {
			return nil, fmt.Errorf("demo --compare: running %s: %w", model, err)
		}
		name, err := latestRunOf(ctx, d.DB, model)
		if err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

// isExit2 is the exit of a run with failed items: the demo has one on
// purpose (a grounding answered in prose).
func isExit2(err error) bool {
	e, ok := err.(ExitError)
	return ok && e.Code == 2
}

// latestRunOf is the name of the run of grounding model last updated in
// the store at db.
func latestRunOf(ctx context.Context, db, model string) (string, error) {
	st, err := store.Open(ctx, db, store.ReadOnly())
	if err != nil {
		return "", err
	}
	defer st.Close()
	runs, err := st.Runs(ctx)
	if err != nil {
		return "", err
	}
	var best *audit.RunInfo
	for i, r := range runs {
		if r.Config.GroundingModel == model && (best == nil || r.Updated.After(best.Updated)) {
			best = &runs[i]
		}
	}
	if best == nil {
		return "", fmt.Errorf("demo --compare: no run of %s in %s", model, db)
	}
	return best.Name, nil
}
