package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// ExportFormats lists the formats Export writes.
func ExportFormats() []string { return []string{"jsonl", "csv"} }

// Export writes every item with its result, the current verdicts and the
// current notes, for analysis in pandas or R, in one consistent snapshot
// (writes made during the export are not half-included). Items come in
// worklist order (Seq), then items known only from results, verdicts or
// notes, by ID. Times are RFC 3339 in UTC. format is "jsonl" or "csv";
// anything else is an error listing the formats.
//
// # JSONL
//
// One JSON object per line, per item:
//
//	{"id", "image", "draft",
//	 "status":   "done" | "error" | "pending" (no result yet),
//	 "error":    the failure when status is "error", else "",
//	 "salvaged": true when a model output had to be repaired,
//	 "urgent":   true/false, null when there is no report,
//	 "findings":     [{"label", "box_2d": [y0,x0,y1,x1]}] grounded in the image,
//	 "draft_labels": [{"label", "status", "span"}] parsed from the draft,
//	 "disagreements": [{"label", "kind", "urgent", "draft_spans": [...],
//	     "boxes": [[y0,x0,y1,x1]], "stale",
//	     "verdicts": [{"annotator", "decision", "at"}]}],
//	 "notes": [{"annotator", "text", "at"}],
//	 "provenance": {"grounding": {"model", "model_digest", "prompt_digest",
//	     "options", "key"}, "draft": {...}}}
//
// Boxes are normalized [y0, x0, y1, x1] in the original image. A
// disagreement with "stale": true is not in the item's current report (a
// rerun reached another conclusion) but has verdicts, which are kept rather
// than dropped. A provenance stage is null when the item has no record of it.
//
// # CSV
//
// A header row, then one row per (item, disagreement, annotator verdict),
// in long format:
//
//	id                   item ID
//	image                image path as in the worklist
//	status               done | error | pending
//	urgent               true | false (empty without a report)
//	label                disagreement label (empty on an item-level row)
//	kind                 missed_in_draft | contradicted_by_image | hedged_in_draft | unsupported_by_image
//	disagreement_urgent  true | false (empty on an item-level row)
//	draft_spans          the draft phrases, joined with " | "
//	boxes                JSON array of [y0,x0,y1,x1] boxes, normalized
//	annotator            who decided (empty: not adjudicated)
//	decision             image_right | draft_right | both_wrong | unsure
//	decided_at           when, RFC 3339 UTC
//	note                 the annotator's current note on the item
//	error                why the item failed (status error)
//	stale                true when the disagreement is no longer in the current report
//
// An unadjudicated disagreement has one row with empty annotator and
// decision. An item without disagreements has one item-level row (empty
// label and kind). An annotator's note is repeated on each of their rows for
// the item; an annotator with a note but no verdict on the item gets an
// item-level row of their own.
func (s *Store) Export(ctx context.Context, w io.Writer, format string) error {
	op := "export " + format
	var write func(io.Writer, []exportItem) error
	switch format {
	case "jsonl":
		write = writeJSONL
	case "csv":
		write = writeCSV
	default:
		return s.errorf("export", invalid("format", "%q is not one of %s", format, strings.Join(ExportFormats(), ", ")))
	}
	items, err := s.exportItems(ctx)
	if err != nil {
		return s.errorf(op, err)
	}
	if err := ctx.Err(); err != nil {
		return s.errorf(op, err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := write(bw, items); err != nil {
		return s.errorf(op, err)
	}
	if err := bw.Flush(); err != nil {
		return s.errorf(op, err)
	}
	return nil
}

type exportItem struct {
	ID            string               `json:"id"`
	Image         string               `json:"image"`
	Draft         string               `json:"draft"`
	Status        string               `json:"status"`
	Error         string               `json:"error"`
	Salvaged      bool                 `json:"salvaged"`
	Urgent        *bool                `json:"urgent"`
	Findings      []schema.Finding     `json:"findings"`
	DraftLabels   []schema.DraftLabel  `json:"draft_labels"`
	Disagreements []exportDisagreement `json:"disagreements"`
	Notes         []exportNote         `json:"notes"`
	Provenance    exportProvenance     `json:"provenance"`
}

type exportDisagreement struct {
	Label      schema.Label    `json:"label"`
	Kind       compare.Kind    `json:"kind"`
	Urgent     bool            `json:"urgent"`
	DraftSpans []string        `json:"draft_spans"`
	Boxes      []schema.Box    `json:"boxes"`
	Stale      bool            `json:"stale"`
	Verdicts   []exportVerdict `json:"verdicts"`
}

type exportVerdict struct {
	Annotator string         `json:"annotator"`
	Decision  audit.Decision `json:"decision"`
	At        time.Time      `json:"at"`
}

type exportNote struct {
	Annotator string    `json:"annotator"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
}

type exportProvenance struct {
	Grounding *exportStage `json:"grounding"`
	Draft     *exportStage `json:"draft"`
}

type exportStage struct {
	Model        string          `json:"model"`
	ModelDigest  string          `json:"model_digest"`
	PromptDigest string          `json:"prompt_digest"`
	Options      json.RawMessage `json:"options"`
	Key          string          `json:"key"`

	findings []schema.Finding
	labels   []schema.DraftLabel
	failed   bool
}

// exportItems reads everything in one read transaction (one WAL snapshot)
// and assembles the items.
func (s *Store) exportItems(ctx context.Context) ([]exportItem, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to lose

	var items []audit.ItemRecord
	rows, err := tx.QueryContext(ctx, `SELECT id, image, draft, seq FROM items ORDER BY seq, id`)
	if err != nil {
		return nil, fmt.Errorf("items: %w", err)
	}
	for rows.Next() {
		var it audit.ItemRecord
		if err := rows.Scan(&it.ID, &it.Image, &it.Draft, &it.Seq); err != nil {
			rows.Close()
			return nil, fmt.Errorf("items: %w", err)
		}
		items = append(items, it)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("items: %w", err)
	}

	results := map[string]audit.ResultRecord{}
	rows, err = tx.QueryContext(ctx, `SELECT `+resultColumns+` FROM results`)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	for rows.Next() {
		r, err := scanResult(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("results: %w", err)
		}
		results[r.ItemID] = r
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}

	stages, err := exportStages(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("stage records: %w", err)
	}
	verdicts, err := queryVerdicts(ctx, tx, fmt.Sprintf(currentVerdicts, "1"))
	if err != nil {
		return nil, fmt.Errorf("verdicts: %w", err)
	}
	notes, err := queryNotes(ctx, tx, fmt.Sprintf(currentNotes, "1"))
	if err != nil {
		return nil, fmt.Errorf("notes: %w", err)
	}

	verdictsByItem := map[string][]audit.Verdict{}
	for _, v := range verdicts {
		verdictsByItem[v.ItemID] = append(verdictsByItem[v.ItemID], v)
	}
	notesByItem := map[string][]audit.Note{}
	for _, n := range notes {
		notesByItem[n.ItemID] = append(notesByItem[n.ItemID], n)
	}

	// Worklist order first, then anything known only from other tables.
	known := map[string]bool{}
	for _, it := range items {
		known[it.ID] = true
	}
	var extra []string
	addExtra := func(id string) {
		if !known[id] {
			known[id] = true
			extra = append(extra, id)
		}
	}
	for id := range results {
		addExtra(id)
	}
	for id := range verdictsByItem {
		addExtra(id)
	}
	for id := range notesByItem {
		addExtra(id)
	}
	sort.Strings(extra)
	for _, id := range extra {
		items = append(items, audit.ItemRecord{ID: id})
	}

	out := make([]exportItem, 0, len(items))
	for i, it := range items {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out = append(out, buildExportItem(it, results, stages, verdictsByItem[it.ID], notesByItem[it.ID]))
	}
	return out, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// exportStages loads, per provenance key, the record GetStage would serve (the
// latest without error) or else the latest failed one, for its provenance.
func exportStages(ctx context.Context, tx *sql.Tx) (map[string]*exportStage, error) {
	rows, err := tx.QueryContext(ctx, `SELECT key, model, model_digest, prompt_digest, options, findings, labels, error
		FROM stage_records ORDER BY key, (error = '') DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	out := map[string]*exportStage{}
	for rows.Next() {
		var (
			st                                 exportStage
			options, findings, labels, errText string
		)
		if err := rows.Scan(&st.Key, &st.Model, &st.ModelDigest, &st.PromptDigest, &options, &findings, &labels, &errText); err != nil {
			rows.Close()
			return nil, err
		}
		if _, seen := out[st.Key]; seen {
			continue // the first row per key is the one wanted
		}
		if json.Valid([]byte(options)) {
			st.Options = json.RawMessage(options)
		} else {
			st.Options, _ = json.Marshal(options) // as a JSON string
		}
		if err := json.Unmarshal([]byte(findings), &st.findings); err != nil {
			rows.Close()
			return nil, fmt.Errorf("stored findings of %q: %w", st.Key, err)
		}
		if err := json.Unmarshal([]byte(labels), &st.labels); err != nil {
			rows.Close()
			return nil, fmt.Errorf("stored labels of %q: %w", st.Key, err)
		}
		st.failed = errText != ""
		out[st.Key] = &st
	}
	return out, closeRows(rows)
}

func buildExportItem(it audit.ItemRecord, results map[string]audit.ResultRecord, stages map[string]*exportStage, verdicts []audit.Verdict, notes []audit.Note) exportItem {
	e := exportItem{
		ID: it.ID, Image: it.Image, Draft: it.Draft, Status: "pending",
		Findings: []schema.Finding{}, DraftLabels: []schema.DraftLabel{},
		Disagreements: []exportDisagreement{}, Notes: []exportNote{},
	}
	r, ok := results[it.ID]
	if ok {
		e.Error, e.Salvaged = r.Error, r.Salvaged
		switch {
		case r.Error != "":
			e.Status = "error"
		case r.Report == nil:
			e.Status, e.Error = "error", "no report"
		default:
			e.Status = "done"
		}
		if st := stages[r.GroundingKey]; st != nil {
			e.Provenance.Grounding = st
			if !st.failed && st.findings != nil {
				e.Findings = st.findings
			}
		}
		if st := stages[r.DraftKey]; st != nil {
			e.Provenance.Draft = st
			if !st.failed && st.labels != nil {
				e.DraftLabels = st.labels
			}
		}
	}
	byKey := map[string][]exportVerdict{}
	var keys []string
	for _, v := range verdicts {
		if _, seen := byKey[v.DisagreementKey]; !seen {
			keys = append(keys, v.DisagreementKey)
		}
		byKey[v.DisagreementKey] = append(byKey[v.DisagreementKey], exportVerdict{v.Annotator, v.Decision, v.At})
	}
	inReport := map[string]bool{}
	if ok && r.Report != nil {
		u := r.Report.Urgent
		e.Urgent = &u
		for _, d := range r.Report.Disagreements {
			inReport[d.Key()] = true
			e.Disagreements = append(e.Disagreements, exportDisagreement{
				Label: d.Label, Kind: d.Kind, Urgent: d.Urgent,
				DraftSpans: nonNil(d.DraftSpans), Boxes: nonNil(d.Boxes),
				Verdicts: nonNil(byKey[d.Key()]),
			})
		}
	}
	// Verdicts on disagreements the current report no longer has.
	for _, k := range keys {
		if inReport[k] {
			continue
		}
		var label schema.Label
		var kind compare.Kind
		for _, v := range verdicts {
			if v.DisagreementKey == k {
				label, kind = v.Label, v.Kind
				break
			}
		}
		e.Disagreements = append(e.Disagreements, exportDisagreement{
			Label: label, Kind: kind, DraftSpans: []string{}, Boxes: []schema.Box{},
			Stale: true, Verdicts: byKey[k],
		})
	}
	for _, n := range notes {
		e.Notes = append(e.Notes, exportNote{n.Annotator, n.Text, n.At})
	}
	return e
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeJSONL(w io.Writer, items []exportItem) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			return fmt.Errorf("item %q: %w", it.ID, err)
		}
	}
	return nil
}

// csvHeader is the CSV column order documented on Export.
var csvHeader = []string{"id", "image", "status", "urgent", "label", "kind", "disagreement_urgent",
	"draft_spans", "boxes", "annotator", "decision", "decided_at", "note", "error", "stale"}

func writeCSV(w io.Writer, items []exportItem) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, it := range items {
		urgent := ""
		if it.Urgent != nil {
			urgent = strconv.FormatBool(*it.Urgent)
		}
		noteOf := map[string]string{}
		for _, n := range it.Notes {
			noteOf[n.Annotator] = n.Text
		}
		hasRow := map[string]bool{}
		row := func(d *exportDisagreement, v *exportVerdict, annotator string) []string {
			rec := []string{it.ID, it.Image, it.Status, urgent, "", "", "", "", "", annotator, "", "", noteOf[annotator], it.Error, ""}
			if d != nil {
				boxes, _ := json.Marshal(d.Boxes) // []schema.Box always marshals
				rec[4], rec[5], rec[6] = string(d.Label), string(d.Kind), strconv.FormatBool(d.Urgent)
				rec[7], rec[8], rec[14] = strings.Join(d.DraftSpans, " | "), string(boxes), strconv.FormatBool(d.Stale)
			}
			if v != nil {
				rec[10], rec[11] = string(v.Decision), v.At.UTC().Format(time.RFC3339Nano)
			}
			if annotator != "" {
				hasRow[annotator] = true
			}
			return rec
		}
		var recs [][]string
		for i := range it.Disagreements {
			d := &it.Disagreements[i]
			if len(d.Verdicts) == 0 {
				recs = append(recs, row(d, nil, ""))
			}
			for j := range d.Verdicts {
				v := &d.Verdicts[j]
				recs = append(recs, row(d, v, v.Annotator))
			}
		}
		for _, n := range it.Notes {
			if !hasRow[n.Annotator] {
				recs = append(recs, row(nil, nil, n.Annotator))
			}
		}
		if len(recs) == 0 {
			recs = append(recs, row(nil, nil, ""))
		}
		if err := cw.WriteAll(recs); err != nil {
			return fmt.Errorf("item %q: %w", it.ID, err)
		}
	}
	cw.Flush()
	return cw.Error()
}
