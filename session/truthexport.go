package session

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/tui"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// The workstation keeps truth corrections in the store.
var _ tui.TruthStore = (*store.Store)(nil)

// corrections is the store's corrected truth by item, read whole.
type corrections map[string]audit.TruthCorrection

// readCorrections reads every item's current correction from st.
func readCorrections(ctx context.Context, st *store.Store) (corrections, error) {
	out := corrections{}
	err := st.CorrectedTruth(ctx, func(c audit.TruthCorrection) error { out[c.ItemID] = c; return nil })
	return out, err
}

// correctedSource is src with the store's corrections applied: a row's
// findings replaced by its item's correction, and the corrected items src
// lacks after its rows, in id order. applied counts the corrections used.
func correctedSource(src truthSource, cs corrections, applied *int) truthSource {
	return func(ctx context.Context, add func(worklist.TruthRow) error) error {
		seen := map[string]bool{}
		err := src(ctx, func(r worklist.TruthRow) error {
			if c, ok := cs[r.ID]; ok && !seen[r.ID] {
				r.Findings = c.Findings
				*applied++
			}
			seen[r.ID] = true
			return add(r)
		})
		if err != nil {
			return err
		}
		var rest []string
		for id := range cs {
			if !seen[id] {
				rest = append(rest, id)
			}
		}
		slices.Sort(rest)
		for _, id := range rest {
			*applied++
			if err := add(worklist.TruthRow{ID: id, Findings: cs[id].Findings}); err != nil {
				return err
			}
		}
		return nil
	}
}

// openTruthStore opens the store of corrections read-only: --db, else
// $CXR_AUDITOR_DB, else the one beside the truth (a worklist's).
func openTruthStore(ctx context.Context, env Env, db, truth string) (*store.Store, error) {
	path := StoreLocation(db, truth, env.Getenv)
	if path == "" {
		return nil, fmt.Errorf("%w: the corrected truth is in the store: name it with --db FILE (or a postgres:// URL, or %s)", ErrUsage, EnvDB)
	}
	return openReadOnlyAt(ctx, env, path)
}

// TruthProvenance is the first line of a corrected truth file written by
// export --truth: where the truth and its corrections came from.
type TruthProvenance struct {
	Tool        string    `json:"tool"`
	Truth       string    `json:"truth"`
	Store       string    `json:"store"`
	Items       int       `json:"items"`
	Corrections int       `json:"corrections"`
	ExportedAt  time.Time `json:"exported_at"`
}

// ExportTruth writes the corrected truth: the truth at cfg.Truth (a truth
// file or a worklist with truth) with the store's corrections applied,
// as JSONL, {"provenance": ...} first and then one {"id", "findings"} per
// item. eval --truth reads the file as it is. The store is opened
// read-only; --out is replaced only when the export succeeded.
func ExportTruth(ctx context.Context, env Env, cfg ExportConfig) error {
	wl := cfg.Worklist
	if wl == "" && cfg.DB == "" {
		wl = cfg.Truth // a worklist with truth: the store beside it
	}
	path, err := readLocation(env, cfg.DB, wl)
	if err != nil {
		return err
	}
	if cfg.Out != "" {
		protected := append(StoreFiles(path), Protected{What: "the truth", Path: cfg.Truth})
		if err := CheckOutput("--out", cfg.Out, protected...); err != nil {
			return err
		}
	}
	if err := CheckInput(cfg.Truth); err != nil {
		return fmt.Errorf("--truth: %w", err)
	}
	st, err := openReadOnlyAt(ctx, env, path)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := readCorrections(ctx, st)
	if err != nil {
		return err
	}
	var rows []worklist.TruthRow
	applied := 0
	src := correctedSource(truthFile(env, cfg.Truth), cs, &applied)
	if err := src(ctx, func(r worklist.TruthRow) error { rows = append(rows, r); return nil }); err != nil {
		return err
	}
	prov := TruthProvenance{Tool: "cxr-auditor export --truth", Truth: cfg.Truth, Store: store.RedactURL(path),
		Items: len(rows), Corrections: applied, ExportedAt: time.Now().UTC()}
	if cfg.Out == "" {
		return writeTruthJSONL(env.Stdout, prov, rows)
	}
	f, err := safefile.Create(cfg.Out)
	if err != nil {
		return fmt.Errorf("export to %s: %w", cfg.Out, err)
	}
	defer f.Abort()
	if err := writeTruthJSONL(f, prov, rows); err != nil {
		return err
	}
	return f.Commit()
}

// writeTruthJSONL writes the provenance line and the rows, each through
// termtext.JSON: ids are outside text and may reach a terminal.
func writeTruthJSONL(w io.Writer, prov TruthProvenance, rows []worklist.TruthRow) error {
	bw := bufio.NewWriter(w)
	line := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = bw.Write(append(termtext.JSON(b), '\n'))
		return err
	}
	if err := line(map[string]TruthProvenance{"provenance": prov}); err != nil {
		return err
	}
	for _, r := range rows {
		fs := r.Findings
		if fs == nil {
			fs = []schema.Finding{}
		}
		if err := line(struct {
			ID       string           `json:"id"`
			Findings []schema.Finding `json:"findings"`
		}{r.ID, fs}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// correctionsFor reads the corrected truth from the store eval
// --corrected names (db, else the one beside truth).
func correctionsFor(ctx context.Context, env Env, db, truth string) (corrections, error) {
	st, err := openTruthStore(ctx, env, db, truth)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return readCorrections(ctx, st)
}
