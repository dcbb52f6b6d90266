package export

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// csvHeader is the CSV column order (docs/store.md describes each column).
var csvHeader = []string{"id", "image", "status", "urgent", "label", "kind", "disagreement_urgent",
	"draft_spans", "boxes", "annotator", "decision", "decided_at", "note", "error", "stale",
	"draft_in_doubt", "disagreement_draft_in_doubt",
	"run_a", "run_b", "difference_key", "preference", "preference_note", "disagreement_note",
	"study", "role"}

// The columns of csvHeader.
const (
	colID = iota
	colImage
	colStatus
	colUrgent
	colLabel
	colKind
	colDisagreementUrgent
	colDraftSpans
	colBoxes
	colAnnotator
	colDecision
	colDecidedAt
	colNote
	colError
	colStale
	colDraftInDoubt
	colDisagreementDraftInDoubt
	colRunA
	colRunB
	colDifferenceKey
	colPreference
	colPreferenceNote
	colDisagreementNote
	colStudy
	colRole
	numCols
)

type csvWriter struct {
	cw   *csv.Writer
	recs [][]string // reused between items
}

func newCSVWriter(w io.Writer) (*csvWriter, error) {
	c := &csvWriter{cw: csv.NewWriter(w)}
	return c, c.cw.Write(csvHeader)
}

// Flush writes the buffered rows.
func (c *csvWriter) Flush() error {
	c.cw.Flush()
	return c.cw.Error()
}

// Write writes the item's rows: one per (disagreement, annotator verdict),
// one per compare verdict, an item-level row for an item without either or
// for an annotator with a note and no verdict (docs/store.md).
func (c *csvWriter) Write(it *Item) error {
	urgent, inDoubt := "", ""
	if it.Urgent != nil { // a report: its third opinion is known too
		urgent, inDoubt = strconv.FormatBool(*it.Urgent), strconv.FormatBool(it.DraftInDoubt)
	}
	noteOf, disNotes := splitNotes(it.Notes)
	hasRow, seen := map[string]bool{}, map[string]bool{}
	c.recs = c.recs[:0]
	row := func(d *Disagreement, v *Verdict, annotator string) []string {
		rec := make([]string, numCols)
		rec[colID], rec[colImage], rec[colStatus], rec[colUrgent] = it.ID, it.Image, it.Status, urgent
		rec[colAnnotator], rec[colNote], rec[colError] = annotator, noteOf[annotator], it.Error
		rec[colDraftInDoubt] = inDoubt
		if d != nil {
			boxes, _ := json.Marshal(d.Boxes) // []schema.Box always marshals
			rec[colLabel], rec[colKind], rec[colDisagreementUrgent] = string(d.Label), string(d.Kind), strconv.FormatBool(d.Urgent)
			rec[colDraftSpans], rec[colBoxes], rec[colStale] = strings.Join(d.DraftSpans, " | "), string(boxes), strconv.FormatBool(d.Stale)
			rec[colDisagreementDraftInDoubt] = strconv.FormatBool(d.DraftInDoubt)
			rec[colDisagreementNote] = disNotes[string(d.Label)+"/"+string(d.Kind)][annotator]
		}
		if v != nil {
			rec[colDecision], rec[colDecidedAt], rec[colStudy], rec[colRole] = string(v.Decision), v.At.UTC().Format(time.RFC3339Nano), v.Study, v.Role
		}
		if annotator != "" {
			hasRow[annotator] = true
		}
		for i := range rec {
			rec[i] = termtext.CSVCell(rec[i], i == colNote || i == colDisagreementNote)
		}
		c.recs = append(c.recs, rec)
		return rec
	}
	for i := range it.Disagreements {
		d := &it.Disagreements[i]
		key := string(d.Label) + "/" + string(d.Kind)
		notes := map[string]string{}
		for a, t := range disNotes[key] {
			notes[a] = t
		}
		seen[key] = true
		if len(d.Verdicts) == 0 && len(notes) == 0 {
			row(d, nil, "")
		}
		for j := range d.Verdicts {
			v := &d.Verdicts[j]
			row(d, v, v.Annotator)
			delete(notes, v.Annotator)
		}
		for _, a := range sortedKeys(notes) { // a note and no verdict
			row(d, nil, a)
		}
	}
	for _, key := range sortedKeys(disNotes) { // on a disagreement the item no longer has
		if seen[key] {
			continue
		}
		label, kind, _ := strings.Cut(key, "/")
		d := &Disagreement{Label: schema.Label(label), Kind: audit.Kind(kind), Boxes: []schema.Box{}, Stale: true}
		for _, a := range sortedKeys(disNotes[key]) {
			row(d, nil, a)
		}
	}
	for i := range it.CompareVerdicts {
		c.compareRow(row(nil, nil, it.CompareVerdicts[i].Annotator), &it.CompareVerdicts[i])
	}
	for _, n := range it.Notes {
		if !hasRow[n.Annotator] {
			row(nil, nil, n.Annotator)
		}
	}
	if len(c.recs) == 0 {
		row(nil, nil, "")
	}
	for _, rec := range c.recs {
		if err := c.cw.Write(rec); err != nil {
			return fmt.Errorf("item %q: %w", it.ID, err)
		}
	}
	return nil
}

// splitNotes sorts notes into the item's, by annotator, and the
// disagreements', by key then annotator.
func splitNotes(notes []Note) (noteOf map[string]string, disNotes map[string]map[string]string) {
	noteOf, disNotes = map[string]string{}, map[string]map[string]string{}
	for _, n := range notes {
		if n.Disagreement == "" {
			noteOf[n.Annotator] = n.Text
			continue
		}
		if disNotes[n.Disagreement] == nil {
			disNotes[n.Disagreement] = map[string]string{}
		}
		disNotes[n.Disagreement][n.Annotator] = n.Text
	}
	return noteOf, disNotes
}

// sortedKeys is m's keys in order, for rows in a stable order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// compareRow fills rec, a row of the compare verdict v's annotator, with
// v: its label, the difference's kind (only_a, only_b, moved: the key's
// second part), when it was given and the compare columns.
func (c *csvWriter) compareRow(rec []string, v *CompareVerdict) {
	parts := strings.Split(v.DifferenceKey, "/")
	kind := ""
	if len(parts) > 1 {
		kind = parts[1]
	}
	rec[colLabel], rec[colKind], rec[colDecidedAt] = string(v.Label), kind, v.At.UTC().Format(time.RFC3339Nano)
	rec[colRunA], rec[colRunB], rec[colDifferenceKey] = v.RunA, v.RunB, v.DifferenceKey
	rec[colPreference], rec[colPreferenceNote] = string(v.Preference), v.Note
	for _, i := range []int{colLabel, colKind, colRunA, colRunB, colDifferenceKey, colPreference, colPreferenceNote} {
		rec[i] = termtext.CSVCell(rec[i], i == colPreferenceNote)
	}
}
