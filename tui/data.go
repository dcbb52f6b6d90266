package tui

import (
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// saveState is where a verdict is on its way to disk.
type saveState int

const (
	stateSaving saveState = iota
	stateSaved
	stateFailed
)

// verdictEntry is the reviewer's current verdict on one disagreement as the
// UI knows it.
type verdictEntry struct {
	decision audit.Decision
	state    saveState
	seq      int
	err      string
}

// row is what the worklist knows about one item without loading it.
type row struct {
	status audit.Status // "" until the store or the pipeline says
	stage  audit.Stage  // the stage running, for the progress display
	report *compare.Report
	result *audit.Result // full result once known (findings, raw outputs)
	err    string
	// cached is true when the summary came from the store at open.
	cached bool
	// detailPending is true while the full cached result is being loaded:
	// the picture waits for its findings rather than being drawn twice.
	detailPending bool
}

// reviewData is what the workstation knows about the worklist: the items,
// what the store and the pipeline said about each, and the verdicts and
// notes. The root model owns it and hands each pane the part it draws.
type reviewData struct {
	items  []audit.Item
	index  map[string]int // item ID → index of its first occurrence
	rows   []row          // parallel to items
	urgent map[schema.Label]bool
	// mine is this reviewer's verdicts: item → disagreement key → verdict.
	mine map[string]map[string]*verdictEntry
	// others is the other annotators' verdicts by item (empty when blind).
	others map[string][]audit.Verdict
	// notes is this reviewer's note by item; noteReq records the items
	// whose note was asked of the store.
	notes   map[string]string
	noteReq map[string]bool
	// noteDrafts is note text typed but not saved, by item: closed with
	// esc, refused by the store or on its way to it.
	noteDrafts map[string]string

	// searchText is each item's id and draft in lower case, built at the
	// first search.
	searchText []string

	loaded    bool // session (cached results and verdicts) loaded
	running   int  // items with status running
	detailGen int  // generation of the latest full-result lookup
}

func newReviewData(items []audit.Item, urgent []schema.Label) reviewData {
	d := reviewData{
		items:      items,
		index:      make(map[string]int, len(items)),
		rows:       make([]row, len(items)),
		urgent:     map[schema.Label]bool{},
		mine:       map[string]map[string]*verdictEntry{},
		others:     map[string][]audit.Verdict{},
		notes:      map[string]string{},
		noteReq:    map[string]bool{},
		noteDrafts: map[string]string{},
	}
	for i, it := range items {
		if _, dup := d.index[it.ID]; !dup {
			d.index[it.ID] = i
		}
	}
	for _, l := range urgent {
		d.urgent[l] = true
	}
	return d
}

// disagreements returns item i's disagreements (nil when none are known
// yet or i is out of range).
func (d *reviewData) disagreements(i int) []compare.Disagreement {
	if i < 0 || i >= len(d.rows) {
		return nil
	}
	if r := d.rows[i].report; r != nil {
		return r.Disagreements
	}
	return nil
}

// adjudicated reports whether every disagreement of item i has a verdict
// of this reviewer that is saved or saving (a failed save does not count).
// Items without a report are not adjudicated.
func (d *reviewData) adjudicated(i int) bool {
	r := d.rows[i].report
	if r == nil {
		return false
	}
	return d.adjudicatedCount(i) == len(r.Disagreements)
}

// adjudicatedCount counts this reviewer's verdicts on item i's current
// disagreements (saved or saving).
func (d *reviewData) adjudicatedCount(i int) int {
	r := d.rows[i].report
	if r == nil {
		return 0
	}
	n := 0
	mine := d.mine[d.items[i].ID]
	for _, dis := range r.Disagreements {
		if v := mine[dis.Key()]; v != nil && v.state != stateFailed {
			n++
		}
	}
	return n
}

// needsWork reports whether item i still asks something of the reviewer:
// its result is not in yet, or it has a disagreement without a verdict.
// Failed items do not (they need a rerun, not a verdict).
func (d *reviewData) needsWork(i int) bool {
	switch d.rows[i].status {
	case audit.StatusError:
		return false
	case audit.StatusDone:
		return !d.adjudicated(i)
	}
	return d.rows[i].report == nil || !d.adjudicated(i)
}

func (d *reviewData) isUrgent(i int) bool {
	return d.rows[i].report != nil && d.rows[i].report.Urgent
}

// firstOpenDisagreement returns the index of item i's first disagreement
// without a verdict of this reviewer (0 when all have one).
func (d *reviewData) firstOpenDisagreement(i int) int {
	mine := d.mine[d.items[i].ID]
	for j, dis := range d.disagreements(i) {
		if v := mine[dis.Key()]; v == nil || v.state == stateFailed {
			return j
		}
	}
	return 0
}

// setStatus changes item i's status, keeping the count of running items.
func (d *reviewData) setStatus(i int, s audit.Status) {
	r := &d.rows[i]
	if r.status == audit.StatusRunning {
		d.running--
	}
	if s == audit.StatusRunning {
		d.running++
	}
	r.status = s
}

// counts returns how many items are done and how many failed.
func (d *reviewData) counts() (done, failed int) {
	for i := range d.rows {
		switch d.rows[i].status {
		case audit.StatusDone:
			done++
		case audit.StatusError:
			failed++
		}
	}
	return done, failed
}
