package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// unitWatch is where one unit (an item's disagreement) stood, before a
// verdict on it was saved or undone, in every study that holds its item;
// finishUnit compares with where it stands after and logs each change of
// state (audit.Resolve) as a "study_unit" event in the same transaction.
// So every step of a study (two readers' verdicts differing, the
// adjudicator settling it, an undo reopening it) is in the event log.
type unitWatch struct {
	item, key string
	studies   []unitStudy
}

type unitStudy struct {
	name                  string
	readers, adjudicators []string
	state                 audit.UnitState
	final                 audit.Decision
	by                    string
}

// studyUnitData is the payload of "study_unit" events.
type studyUnitData struct {
	Study           string            `json:"study"`
	DisagreementKey string            `json:"disagreement_key"`
	From            audit.UnitState   `json:"from"`
	To              audit.UnitState   `json:"to"`
	Final           audit.Decision    `json:"final,omitempty"`
	FinalBy         string            `json:"final_by,omitempty"`
	Judgements      []audit.Judgement `json:"judgements"`
}

// watchUnit reads where (item, key) stands in the studies holding item,
// inside tx, before the verdict is written. It returns nil, after one
// indexed query, for an item in no study. On PostgreSQL it takes the
// item's unit lock first, so that of two readers saving at once the
// second sees the first's verdict (READ COMMITTED reads what committed
// before each statement) and the change to "disputed" is logged once.
func (s *Store) watchUnit(ctx context.Context, tx *sql.Tx, item, key string) (*unitWatch, error) {
	rows, err := tx.QueryContext(ctx, `SELECT si.study, si.reader FROM study_items si
		JOIN study_members m ON m.study = si.study AND m.annotator = si.reader
		WHERE si.item_id = $1 AND NOT EXISTS (SELECT 1 FROM study_reader_changes d
			WHERE d.study = si.study AND d.annotator = si.reader AND d.kind = 'depart'
			AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.study = si.study AND v.item_id = si.item_id
				AND v.annotator = si.reader AND v.undone = 0))
		ORDER BY si.study, m.position`, item)
	if err != nil {
		return nil, err
	}
	w := &unitWatch{item: item, key: key}
	for rows.Next() {
		var study, reader string
		if err := rows.Scan(&study, &reader); err != nil {
			rows.Close()
			return nil, err
		}
		if n := len(w.studies); n == 0 || w.studies[n-1].name != study {
			w.studies = append(w.studies, unitStudy{name: study})
		}
		last := &w.studies[len(w.studies)-1]
		last.readers = append(last.readers, reader)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(w.studies) == 0 {
		return nil, nil
	}
	if err := s.lockKey(ctx, tx, lockUnit, item); err != nil {
		return nil, err
	}
	arows, err := tx.QueryContext(ctx, `SELECT study, annotator FROM study_members
		WHERE role = 'adjudicator' AND study IN (SELECT study FROM study_items WHERE item_id = $1)
		ORDER BY study, position`, item)
	if err != nil {
		return nil, err
	}
	for arows.Next() {
		var study, who string
		if err := arows.Scan(&study, &who); err != nil {
			arows.Close()
			return nil, err
		}
		for i := range w.studies {
			if w.studies[i].name == study {
				w.studies[i].adjudicators = append(w.studies[i].adjudicators, who)
			}
		}
	}
	arows.Close()
	if err := arows.Err(); err != nil {
		return nil, err
	}
	for i := range w.studies {
		u := &w.studies[i]
		js, err := unitJudgements(ctx, tx, item, key, u.name)
		if err != nil {
			return nil, err
		}
		u.state, u.final, u.by = audit.Resolve(u.readers, u.adjudicators, js)
	}
	return w, nil
}

// finishUnit logs, in tx, each study whose unit changed state (or final
// decision) since watchUnit; annotator is who caused it. A nil watch does
// nothing.
func finishUnit(ctx context.Context, tx *sql.Tx, w *unitWatch, annotator string, at time.Time) error {
	if w == nil {
		return nil
	}
	for _, u := range w.studies {
		js, err := unitJudgements(ctx, tx, w.item, w.key, u.name)
		if err != nil {
			return err
		}
		state, final, by := audit.Resolve(u.readers, u.adjudicators, js)
		if state == u.state && final == u.final && by == u.by {
			continue
		}
		mine := slices.DeleteFunc(slices.Clone(js), func(j audit.Judgement) bool {
			return !slices.Contains(u.readers, j.Annotator) && !slices.Contains(u.adjudicators, j.Annotator)
		})
		data, err := json.Marshal(studyUnitData{
			Study: u.name, DisagreementKey: w.key, From: u.state, To: state, Final: final, FinalBy: by, Judgements: nonNil(mine),
		})
		if err != nil {
			return err
		}
		if err := insertEvent(ctx, tx, audit.Event{At: at, Kind: "study_unit", ItemID: w.item, Annotator: annotator, Data: string(data)}); err != nil {
			return err
		}
	}
	return nil
}

// unitJudgements returns the current verdicts given in study on (item,
// key), oldest first: a study's state is made of its own verdicts only.
func unitJudgements(ctx context.Context, db querier, item, key, study string) ([]audit.Judgement, error) {
	vs, err := queryVerdicts(ctx, db, fmt.Sprintf(currentVerdicts, "v.item_id = $1 AND v.disagreement_key = $2 AND v.study = $3"), item, key, study)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(vs, func(a, b audit.Verdict) int { return int(a.ID - b.ID) })
	out := make([]audit.Judgement, len(vs))
	for i, v := range vs {
		out[i] = audit.Judgement{Annotator: v.Annotator, Decision: v.Decision, VerdictID: v.ID}
	}
	return out, nil
}

// StudyUnits returns every unit of the study, item by item in assignment
// order: each review row of the item's latest result (its disagreements
// and urgent findings to confirm, in the report's order, as the
// workstation shows them), then any unit judged that the result no
// longer reports (Stale), each with the judgements of the item's readers
// (in assignment order) and of the study's adjudicators, and where it
// stands (audit.Resolve). An item whose models have not run has no units yet. All
// of it is read in one snapshot. A stored report that cannot be read is an
// error naming the item.
func (s *Store) StudyUnits(ctx context.Context, name string) ([]audit.StudyUnit, error) {
	op := fmt.Sprintf("study %q units", name)
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect.postgres {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for the three reads
	}
	tx, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to lose
	units, err := s.studyUnits(ctx, tx, name)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	return units, nil
}

func (s *Store) studyUnits(ctx context.Context, tx *sql.Tx, name string) ([]audit.StudyUnit, error) {
	st, err := readStudy(ctx, tx, name)
	if err != nil {
		return nil, err
	}
	items, err := studyItemsTx(ctx, tx, st)
	if err != nil {
		return nil, err
	}
	reports, err := studyReports(ctx, tx, name)
	if err != nil {
		return nil, err
	}
	vs, err := queryVerdicts(ctx, tx, fmt.Sprintf(currentVerdicts,
		"v.study = $1 AND v.item_id IN (SELECT item_id FROM study_items WHERE study = $1)"), name)
	if err != nil {
		return nil, err
	}
	byItem := map[string][]audit.Verdict{}
	for _, v := range vs {
		byItem[v.ItemID] = append(byItem[v.ItemID], v)
	}
	var out []audit.StudyUnit
	for _, it := range items {
		out = append(out, itemUnits(st, it, reports[it.ItemID], byItem[it.ItemID])...)
	}
	return out, nil
}

// studyReports reads the current report of every item of the study.
func studyReports(ctx context.Context, tx *sql.Tx, name string) (map[string]*audit.Report, error) {
	reports := map[string]*audit.Report{}
	rows, err := tx.QueryContext(ctx, `SELECT item_id, report FROM results
		WHERE item_id IN (SELECT item_id FROM study_items WHERE study = $1)`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, err
		}
		var rep *audit.Report
		if err := json.Unmarshal([]byte(raw), &rep); err != nil {
			return nil, fmt.Errorf("stored report of item %q: %w", id, err)
		}
		reports[id] = rep
	}
	return reports, rows.Err()
}

// itemUnits returns the units of one study item: its report's review rows
// (audit.Report.ReviewRows: the disagreements, then the urgent findings to
// confirm), in report order, then (stale) the keys that only the verdicts
// of its readers or of an adjudicator still name, in key order. The units
// are what the workstation asks a verdict on, judged or not, so an urgent
// finding to confirm counts before anyone confirmed it.
func itemUnits(st audit.Study, it audit.StudyItem, rep *audit.Report, verdicts []audit.Verdict) []audit.StudyUnit {
	var keys []string
	meta := map[string][2]string{}
	if rep != nil {
		for _, d := range rep.ReviewRows() {
			if _, dup := meta[d.Key()]; !dup {
				keys = append(keys, d.Key())
				meta[d.Key()] = [2]string{string(d.Label), string(d.Kind)}
			}
		}
	}
	reported := len(keys)
	var stale []string
	for _, v := range verdicts {
		counts := slices.Contains(it.Readers, v.Annotator) || slices.Contains(st.Adjudicators, v.Annotator)
		if _, ok := meta[v.DisagreementKey]; !ok && counts {
			stale = append(stale, v.DisagreementKey)
			meta[v.DisagreementKey] = [2]string{string(v.Label), string(v.Kind)}
		}
	}
	slices.Sort(stale)
	keys = append(keys, stale...)
	out := make([]audit.StudyUnit, 0, len(keys))
	for i, key := range keys {
		u := audit.StudyUnit{
			ItemID: it.ItemID, Key: key, Label: schema.Label(meta[key][0]), Kind: audit.Kind(meta[key][1]),
			Readers: it.Readers, Stale: i >= reported,
		}
		var js []audit.Judgement
		for _, v := range verdicts {
			if v.DisagreementKey == key {
				js = append(js, audit.Judgement{Annotator: v.Annotator, Decision: v.Decision, VerdictID: v.ID})
			}
		}
		u.State, u.Final, u.FinalBy = audit.Resolve(it.Readers, st.Adjudicators, js)
		u.Judgements = nonNil(orderJudgements(js, it.Readers, st.Adjudicators))
		out = append(out, u)
	}
	return out
}

// orderJudgements lists the readers' judgements in the readers' order, then
// the adjudicators' in the order they were made.
func orderJudgements(js []audit.Judgement, readers, adjudicators []string) []audit.Judgement {
	var out []audit.Judgement
	for _, who := range readers {
		for _, j := range js {
			if j.Annotator == who {
				out = append(out, j)
			}
		}
	}
	adj := slices.DeleteFunc(slices.Clone(js), func(j audit.Judgement) bool { return !slices.Contains(adjudicators, j.Annotator) })
	slices.SortFunc(adj, func(a, b audit.Judgement) int { return cmp.Compare(a.VerdictID, b.VerdictID) })
	return append(out, adj...)
}
