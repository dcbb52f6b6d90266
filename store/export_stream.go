package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store/export"
)

// exportColumns is what one exported item is read from, in one row: the
// item, its result, the provenance record of each stage (the one GetStage
// would serve, else the latest failed one), and its current verdicts and
// notes as JSON arrays (agg spells the aggregate in a back end's SQL).
// Reading all of it in one statement per section keeps the Go side to one
// pass over one cursor: no per-item queries, nothing held but the item
// being written.
func exportColumns(agg jsonAgg) string {
	return `x.id, x.image, x.draft,
	r.item_id IS NOT NULL, coalesce(r.report, 'null'), coalesce(r.salvaged, 0), coalesce(r.error, ''),
	g.key, g.model, g.model_digest, g.prompt_digest, g.options, g.findings, g.error,
	d.key, d.model, d.model_digest, d.prompt_digest, d.options, d.labels, d.error,
	(SELECT ` + agg("v.disagreement_key, v.label, v.kind, v.decision, v.annotator, v.at, v.study, v.role", "v.disagreement_key, v.annotator, v.study") + `
		FROM verdicts v
		WHERE v.item_id = x.id AND v.undone = 0 AND NOT EXISTS (
			SELECT 1 FROM verdicts v2 WHERE v2.item_id = v.item_id AND v2.disagreement_key = v.disagreement_key
				AND v2.annotator = v.annotator AND v2.study = v.study AND v2.undone = 0 AND v2.id > v.id)),
	(SELECT ` + agg("n.annotator, n.text, n.at, n.disagreement", "n.annotator, n.disagreement") + `
		FROM notes n
		WHERE n.item_id = x.id AND n.text <> '' AND NOT EXISTS (
			SELECT 1 FROM notes n2 WHERE n2.item_id = n.item_id AND n2.annotator = n.annotator
				AND n2.disagreement = n.disagreement AND n2.id > n.id)),
	(SELECT ` + agg("c.run_a, c.run_b, c.difference_key, c.label, c.preference, c.note, c.annotator, c.at",
		"c.run_a, c.run_b, c.difference_key, c.annotator") + `
		FROM compare_verdicts c
		WHERE c.item_id = x.id AND c.undone = 0 AND NOT EXISTS (
			SELECT 1 FROM compare_verdicts c2 WHERE c2.item_id = c.item_id AND c2.run_a = c.run_a AND c2.run_b = c.run_b
				AND c2.difference_key = c.difference_key AND c2.annotator = c.annotator AND c2.undone = 0 AND c2.id > c.id))`
}

const exportJoins = `
	LEFT JOIN results r ON r.item_id = x.id
	LEFT JOIN stage_records g ON g.id = (SELECT id FROM stage_records
		WHERE key = r.grounding_key ORDER BY (error = '') DESC, id DESC LIMIT 1)
	LEFT JOIN stage_records d ON d.id = (SELECT id FROM stage_records
		WHERE key = r.draft_key ORDER BY (error = '') DESC, id DESC LIMIT 1)`

// exportQueriesFor returns the queries run in order: the worklist's items
// in worklist order, then the items known only from results, verdicts or
// notes, by ID (filtered before the UNION, which then only sorts the few
// extras instead of every ID of a million-item run).
func exportQueriesFor(agg jsonAgg) []string {
	cols := exportColumns(agg)
	return []string{
		`SELECT ` + cols + ` FROM items x` + exportJoins + ` ORDER BY x.seq, x.id`,
		`SELECT ` + cols + ` FROM (
		SELECT u.item_id AS id, '' AS image, '' AS draft FROM (
			SELECT item_id FROM results WHERE item_id NOT IN (SELECT id FROM items) UNION
			SELECT item_id FROM verdicts WHERE undone = 0 AND item_id NOT IN (SELECT id FROM items) UNION
			SELECT item_id FROM notes WHERE text <> '' AND item_id NOT IN (SELECT id FROM items)) u) x` + exportJoins + ` ORDER BY x.id`,
	}
}

// streamItems reads every exported item in one read transaction (one
// snapshot) and hands each to write. Unreadable parts are passed to skip.
// full also decodes what only JSONL shows (findings, draft labels).
//
// Reading and writing overlap: one goroutine steps the SQLite cursor while
// this one decodes and writes, each about half of an item's cost, through
// a small bounded queue of reused rows, so memory stays flat and two cores
// are both used (docs/performance.md, "Store choices").
func (s *Store) streamItems(ctx context.Context, queries []exportQuery, full bool, skip func(SkippedRow), write func(*export.Item) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to lose

	const queue = 256
	filled := make(chan *exportRow, queue)
	free := make(chan *exportRow, queue+2)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(filled)
		return readExportRows(gctx, tx, queries, free, filled)
	})
	g.Go(func() error {
		var it export.Item
		for row := range filled {
			if row.err != nil {
				skip(SkippedRow{Table: "items", ItemID: row.id.String, Field: "(row)", Err: row.err})
			} else {
				row.build(&it, full, skip)
				if err := write(&it); err != nil {
					for range filled { // let the reader finish
					}
					return err
				}
			}
			free <- row
		}
		return nil
	})
	return g.Wait()
}

// readExportRows runs exportQueries and sends each row on filled, taking
// rows to fill from free (or new ones until the queue is full).
func readExportRows(ctx context.Context, tx *sql.Tx, queries []exportQuery, free <-chan *exportRow, filled chan<- *exportRow) error {
	for _, q := range queries {
		rows, err := tx.QueryContext(ctx, q.text, q.args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var row *exportRow
			select {
			case row = <-free:
			default:
				row = &exportRow{}
			}
			row.err = row.scan(rows)
			select {
			case filled <- row:
			case <-ctx.Done():
				rows.Close()
				return ctx.Err()
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
	}
	return nil
}

// exportRow is one row of exportQueries, reused from row to row.
type exportRow struct {
	id, image, draft sql.NullString
	hasResult        bool
	report           string
	salvaged         int
	resultErr        string
	g, d             stageCols
	verdicts, notes  string
	compare          string // current compare verdicts, a JSON array
	err              error  // of the scan
}

type stageCols struct {
	key, model, digest, prompt, options, parsed, err sql.NullString
}

func (r *exportRow) scan(rows *sql.Rows) error {
	return rows.Scan(&r.id, &r.image, &r.draft,
		&r.hasResult, &r.report, &r.salvaged, &r.resultErr,
		&r.g.key, &r.g.model, &r.g.digest, &r.g.prompt, &r.g.options, &r.g.parsed, &r.g.err,
		&r.d.key, &r.d.model, &r.d.digest, &r.d.prompt, &r.d.options, &r.d.parsed, &r.d.err,
		&r.verdicts, &r.notes, &r.compare)
}

// build fills it from r, reusing its slices.
func (r *exportRow) build(it *export.Item, full bool, skip func(SkippedRow)) {
	*it = export.Item{
		ID: r.id.String, Image: r.image.String, Draft: r.draft.String, Status: "pending",
		Findings: emptyJSONArray, DraftLabels: emptyJSONArray,
		Disagreements: it.Disagreements[:0], Notes: it.Notes[:0], CompareVerdicts: it.CompareVerdicts[:0],
		DraftDoubts: []audit.DraftDoubt{}, RuleLabels: []schema.DraftLabel{},
	}
	var report *audit.Report
	if r.hasResult {
		report = r.buildResult(it, full, skip)
	}
	r.buildDisagreements(it, report, skip)
	it.Notes = r.readNotes(it.Notes, it.ID, skip)
	it.CompareVerdicts = r.readCompare(it.CompareVerdicts, it.ID, skip)
}

// readCompare decodes the compare verdicts column into dst; a verdict
// whose time does not parse is skipped.
func (r *exportRow) readCompare(dst []export.CompareVerdict, itemID string, skip func(SkippedRow)) []export.CompareVerdict {
	if r.compare == "[]" {
		return dst
	}
	var raw [][8]string
	if err := json.Unmarshal([]byte(r.compare), &raw); err != nil {
		skip(SkippedRow{Table: "compare_verdicts", ItemID: itemID, Field: "(all)", Err: err})
		return dst
	}
	for _, c := range raw {
		at, err := parseTime(c[7])
		if err != nil {
			skip(SkippedRow{Table: "compare_verdicts", ItemID: itemID, Field: "at", Err: err})
			continue
		}
		dst = append(dst, export.CompareVerdict{RunA: c[0], RunB: c[1], DifferenceKey: c[2], Label: schema.Label(c[3]),
			Preference: audit.Preference(c[4]), Note: c[5], Annotator: c[6], At: at})
	}
	return dst
}

// buildResult fills the item's status, error and provenance (and, when
// full, its findings and draft labels) from its stored result, and returns
// the result's report (nil when there is none or it cannot be read).
func (r *exportRow) buildResult(it *export.Item, full bool, skip func(SkippedRow)) *audit.Report {
	var report *audit.Report
	it.Error, it.Salvaged = r.resultErr, r.salvaged != 0
	if err := json.Unmarshal([]byte(r.report), &report); err != nil {
		skip(SkippedRow{Table: "results", ItemID: it.ID, Field: "report", Err: err})
		report = nil
		it.Status, it.Error = "error", joinErr(it.Error, fmt.Sprintf("stored result unreadable: %v", err))
	} else {
		switch {
		case r.resultErr != "":
			it.Status = "error"
		case report == nil:
			it.Status, it.Error = "error", "no report"
		default:
			it.Status = "done"
		}
	}
	if st, ok := r.g.stage(); ok {
		it.Provenance.Grounding = st
		if full && r.g.err.String == "" {
			it.Findings = rawList(r.g.parsed.String, func(err error) {
				skip(SkippedRow{Table: "stage_records", ItemID: it.ID, Field: "findings", Err: err})
			})
		}
	}
	if st, ok := r.d.stage(); ok {
		it.Provenance.Draft = st
		if full && r.d.err.String == "" {
			it.DraftLabels = rawList(r.d.parsed.String, func(err error) {
				skip(SkippedRow{Table: "stage_records", ItemID: it.ID, Field: "labels", Err: err})
			})
		}
	}
	return report
}

// buildDisagreements lists the report's disagreements with their verdicts,
// then, as stale, the disagreements that only verdicts still name (a rerun
// reached another conclusion; the verdicts are kept, not dropped).
func (r *exportRow) buildDisagreements(it *export.Item, report *audit.Report, skip func(SkippedRow)) {
	verdicts := r.readVerdicts(it.ID, skip)
	byKey := map[string][]export.Verdict{}
	var keys []string
	for _, v := range verdicts {
		if _, seen := byKey[v.key]; !seen {
			keys = append(keys, v.key)
		}
		byKey[v.key] = append(byKey[v.key], v.Verdict)
	}
	inReport := map[string]bool{}
	if report != nil {
		u := report.Urgent
		it.Urgent, it.UrgentFindings, it.ImageOnly = &u, report.UrgentFindings, report.ImageOnly
		it.DraftInDoubt = len(report.DraftDoubts) > 0
		it.DraftDoubts, it.RuleLabels = nonNil(report.DraftDoubts), nonNil(report.RuleLabels)
		// The review rows: disagreements, then the urgent findings to
		// confirm (kind "urgent"), each with its verdicts.
		for _, d := range report.ReviewRows() {
			inReport[d.Key()] = true
			it.Disagreements = append(it.Disagreements, export.Disagreement{
				Label: d.Label, Kind: d.Kind, Urgent: d.Urgent,
				DraftSpans: nonNil(d.DraftSpans), Boxes: nonNil(d.Boxes),
				DraftInDoubt: d.DraftInDoubt, Verdicts: nonNil(byKey[d.Key()]),
			})
		}
	}
	for _, k := range keys {
		if inReport[k] {
			continue
		}
		var label schema.Label
		var kind audit.Kind
		for _, v := range verdicts {
			if v.key == k {
				label, kind = v.label, v.kind
				break
			}
		}
		it.Disagreements = append(it.Disagreements, export.Disagreement{
			Label: label, Kind: kind, DraftSpans: []string{}, Boxes: []schema.Box{},
			Stale: true, Verdicts: byKey[k],
		})
	}
}

// emptyJSONArray is what an item without findings or labels exports.
var emptyJSONArray = json.RawMessage("[]")

// rawList passes a stored JSON list (findings, draft labels) through to the
// export as it is: the store wrote it with encoding/json from the same
// types, so decoding and encoding it again only cost time (a third of the
// JSONL export's). It must be a JSON array (null and anything else become
// []); one that is not valid JSON is reported to bad and left out.
func rawList(s string, bad func(error)) json.RawMessage {
	if s == "" || s == "null" || s == "[]" {
		return emptyJSONArray
	}
	if s[0] != '[' || !json.Valid([]byte(s)) {
		var v []json.RawMessage
		err := json.Unmarshal([]byte(s), &v) // for the error's words
		if err == nil {
			err = fmt.Errorf("not a JSON array")
		}
		bad(err)
		return emptyJSONArray
	}
	return json.RawMessage(s)
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// stage is the provenance of one stage record, or ok false when the item
// has no record of it.
func (c *stageCols) stage() (*export.Stage, bool) {
	if !c.key.Valid {
		return nil, false
	}
	st := &export.Stage{Model: c.model.String, ModelDigest: c.digest.String, PromptDigest: c.prompt.String, Key: c.key.String}
	if json.Valid([]byte(c.options.String)) {
		st.Options = json.RawMessage(c.options.String)
	} else {
		st.Options, _ = json.Marshal(c.options.String) // as a JSON string
	}
	return st, true
}

type keyedVerdict struct {
	key   string
	label schema.Label
	kind  audit.Kind
	export.Verdict
}

// readVerdicts decodes the verdicts column; a verdict whose time does not
// parse is skipped.
func (r *exportRow) readVerdicts(itemID string, skip func(SkippedRow)) []keyedVerdict {
	if r.verdicts == "[]" {
		return nil // most items: no verdict, no decoding
	}
	var raw [][8]string
	if err := json.Unmarshal([]byte(r.verdicts), &raw); err != nil {
		skip(SkippedRow{Table: "verdicts", ItemID: itemID, Field: "(all)", Err: err})
		return nil
	}
	out := make([]keyedVerdict, 0, len(raw))
	for _, v := range raw {
		at, err := parseTime(v[5])
		if err != nil {
			skip(SkippedRow{Table: "verdicts", ItemID: itemID, Field: "at", Err: err})
			continue
		}
		out = append(out, keyedVerdict{key: v[0], label: schema.Label(v[1]), kind: audit.Kind(v[2]),
			Verdict: export.Verdict{Annotator: v[4], Decision: audit.Decision(v[3]), At: at, Study: v[6], Role: v[7]}})
	}
	return out
}

// readNotes decodes the notes column into dst; a note whose time does not
// parse is skipped.
func (r *exportRow) readNotes(dst []export.Note, itemID string, skip func(SkippedRow)) []export.Note {
	if r.notes == "[]" {
		return dst
	}
	var raw [][4]string
	if err := json.Unmarshal([]byte(r.notes), &raw); err != nil {
		skip(SkippedRow{Table: "notes", ItemID: itemID, Field: "(all)", Err: err})
		return dst
	}
	for _, n := range raw {
		at, err := parseTime(n[2])
		if err != nil {
			skip(SkippedRow{Table: "notes", ItemID: itemID, Field: "at", Err: err})
			continue
		}
		dst = append(dst, export.Note{Annotator: n[0], Text: n[1], At: at, Disagreement: n[3]})
	}
	return dst
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
