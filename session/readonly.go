package session

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// OpenReadOnly opens the store of a command that only reads (db, the
// store beside worklist, or $CXR_AUDITOR_DB), never creating one, and
// prints the store's TLS warning on stderr when it has one. With both db
// and worklist, db is the store (the worklist then names the subset, see
// WorklistIDs), as run and review take them.
func OpenReadOnly(ctx context.Context, env Env, db, worklist string) (*store.Store, error) {
	path, err := readLocation(env, db, worklist)
	if err != nil {
		return nil, err
	}
	return openReadOnlyAt(ctx, env, path)
}

// readLocation is the store a reading command names: db, the store beside
// worklist, or $CXR_AUDITOR_DB.
func readLocation(env Env, db, worklist string) (string, error) {
	path := db
	switch {
	case path != "":
	case worklist != "":
		path = StoreLocation("", worklist, env.Getenv)
	case path == "":
		path = StoreLocation("", "", env.Getenv)
	}
	if path == "" {
		return "", fmt.Errorf("%w: name the database with --db FILE (or a postgres:// URL, or %s) or give the WORKLIST it belongs to", ErrUsage, EnvDB)
	}
	return path, nil
}

// WorklistIDs returns the ids of the rows of the worklist at path, good
// or bad (a row whose image moved still names its item), in the
// worklist's order: the subset a reading command covers, and its order,
// when the store is named elsewhere (--db, or $CXR_AUDITOR_DB), as run
// and review take them. It is nil when path is "" or the store is the one
// beside the worklist (the worklist then only locates it).
func WorklistIDs(ctx context.Context, env Env, db, path string) ([]string, error) {
	if path == "" || (db == "" && (env.Getenv == nil || env.Getenv(EnvDB) == "")) {
		return nil, nil
	}
	ids := []string{}
	_, err := worklist.Scan(ctx, path, func(it audit.Item) error {
		ids = append(ids, it.ID)
		return nil
	}, func(p worklist.RowError) {
		if p.ID != "" {
			ids = append(ids, p.ID)
		}
	}, worklist.AllowOutsidePaths())
	if err != nil && !errors.Is(err, worklist.ErrNoItems) {
		return nil, err
	}
	return ids, nil
}

// openReadOnlyAt opens the existing store at path read-only and prints
// its TLS warning.
func openReadOnlyAt(ctx context.Context, env Env, path string) (*store.Store, error) {
	if err := CheckStorePath(path); err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, path, store.ReadOnly())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no database at %s: run `cxr-auditor run` or `review` on the worklist first, or pass --db: %w", path, err)
	case err != nil:
		return nil, err
	}
	if w := s.InsecureWarning(); w != "" {
		fmt.Fprintln(env.Stderr, w)
	}
	return s, nil
}

// WriteJSON writes v as one line of JSON. HTML escaping is off because
// draft spans are verbatim text ("<", "&") meant to be read, not embedded
// in HTML; termtext.JSON escapes what a terminal would act on (spans and
// labels come from model output).
func WriteJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if _, err := w.Write(termtext.JSON(b.Bytes())); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// WriteCSV writes header and rows with every cell inert on a terminal and
// in a spreadsheet: the rule of the store's CSV export (termtext.CSVCell).
func WriteCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, row := range rows {
		for i := range row {
			row[i] = termtext.CSVCell(row[i], false)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
