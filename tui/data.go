package tui

import (
	"github.com/cxr-auditor/cxr-auditor/audit"
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
	// kept is where a refused verdict was kept for saving again (the
	// store's rescue file), "" when it was not: a kept verdict is not
	// lost by quitting.
	kept string
	// refused is why the study refused the verdict (Refused), "" when it
	// did not: the reader was told, and nothing would save it, so it
	// does not hold quit back either.
	refused string
}

// row is what the worklist knows about one item without loading it.
type row struct {
	status audit.Status // "" until the store or the pipeline says
	stage  audit.Stage  // the stage running, for the progress display
	report *audit.Report
	result *audit.Result // full result once known (findings, raw outputs)
	err    string
	// summary is what the store's summary said of the result at open,
	// until the full result (report) is known.
	summary summary
	// cached is true when the summary came from the store at open.
	cached bool
	// detailPending is true while the full cached result is being loaded:
	// the picture waits for its findings rather than being drawn twice.
	detailPending bool
	// stale: the store's result was made with another prompt, model or
	// options (the pipeline's Lookup refused it): shown as such, not as
	// done, until a result of this session's arrives.
	stale bool
}

// summary is the little the worklist knows of a cached result before its
// report is loaded.
type summary struct {
	known         bool
	urgent        bool
	disagreements int
	doubts        int // labels whose draft reading is in doubt
}

// reviewData is what the workstation knows about the worklist: the items,
// what the store and the pipeline said about each, and the verdicts and
// notes. The root model owns it and hands each pane the part it draws.
type reviewData struct {
	items  []audit.Item
	index  ItemIndex // item ID → index of its first occurrence
	rows   rowTable  // parallel to items
	urgent map[schema.Label]bool
	// mine is this reviewer's verdicts: item → disagreement key → verdict.
	mine map[string]map[string]*verdictEntry
	// others is the other annotators' verdicts by item (empty when blind).
	others map[string][]audit.Verdict
	// settled: Config.Settled.
	settled map[string]map[string]audit.Decision
	// notes is this reviewer's note by item; noteReq records the items
	// whose note was asked of the store.
	notes   map[string]string
	noteReq map[string]bool
	// disNotes is this reviewer's notes on disagreements: item →
	// disagreement key → text (no entry when none).
	disNotes map[string]map[string]string
	// noteDrafts is note text typed but not saved, by noteKey (item, or
	// item and disagreement): closed with
	// esc, refused by the store or on its way to it.
	noteDrafts map[string]string
	// noteKept is, by noteKey, the text of a refused note kept for saving
	// again (the store's rescue file), and where: a draft still holding
	// that text is not lost by quitting.
	noteKept map[string]keptNote
	// otherNotes is the other annotators' notes by item, in words (none
	// when blind).
	otherNotes map[string]string
	// corrected is the corrected truth by item (the store's, and this
	// session's corrections as they are made).
	corrected map[string][]schema.Finding
	// restored says that note drafts of a stopped session came back
	// ("" when none), until the load's message has said it too.
	restored string
	// prefix is what every item id shares (Model.idPrefix), once known.
	prefix     string
	prefixDone bool
	// truthSums caches each item's rows against its truth, summed up
	// (Model.truthSum); built at first use.
	truthSums []truthSummary

	// searchText is each item's id and draft in lower case, built at the
	// first search.
	searchText []string

	loaded bool // session (cached results and verdicts) loaded
	// reading: the worklist is still being read (Config.Loading): the
	// session is loaded once it is, and list-wide keys wait.
	reading bool
	// readOnAsked: askReadOn scheduled its message.
	readOnAsked bool
	// lateNews: the read of the worklist ended with news (bad rows found
	// late, an error) that the session load's message must not hide.
	lateNews bool
	// problemsAtOpen is how many bad rows New was told of.
	problemsAtOpen int
	// cachedSeen counts the cached results of the worklist's items the
	// session load has brought so far.
	cachedSeen int
	running    int // items with status running
	detailGen  int // generation of the latest full-result lookup
}

func newReviewData(items []audit.Item, index ItemIndex, urgent []schema.Label, settled map[string]map[string]audit.Decision) reviewData {
	d := reviewData{
		settled:    settled,
		otherNotes: map[string]string{},
		items:      items,
		index:      index,
		rows:       newRowTable(len(items)),
		urgent:     map[schema.Label]bool{},
		mine:       map[string]map[string]*verdictEntry{},
		others:     map[string][]audit.Verdict{},
		notes:      map[string]string{},
		noteReq:    map[string]bool{},
		disNotes:   map[string]map[string]string{},
		noteDrafts: map[string]string{},
		noteKept:   map[string]keptNote{},
		corrected:  map[string][]schema.Finding{},
	}
	if d.index == nil {
		// Backwards, so the first occurrence of an ID wins with one map
		// operation per item (a million items open in half the time).
		ix := make(MapIndex, len(items))
		for i := len(items) - 1; i >= 0; i-- {
			ix[items[i].ID] = i
		}
		d.index = ix
	}
	for _, l := range urgent {
		d.urgent[l] = true
	}
	return d
}

// ItemIndex finds an item's position in the worklist by its id.
type ItemIndex interface {
	// Find returns the position of the (first) item with id.
	Find(id string) (int, bool)
}

// MapIndex is an ItemIndex in a map: id → position.
type MapIndex map[string]int

// Find returns m[id].
func (m MapIndex) Find(id string) (int, bool) {
	i, ok := m[id]
	return i, ok
}

// find returns the position of the item with id among the items the
// workstation has: an index shared with a worklist still being read may
// know rows that ItemsMsg has not brought yet.
func (d *reviewData) find(id string) (int, bool) {
	i, ok := d.index.Find(id)
	if !ok || i < 0 || i >= len(d.items) {
		return 0, false
	}
	return i, true
}

// finder is find for another goroutine: bounded by the items there are
// now.
func (d *reviewData) finder() func(string) (int, bool) {
	ix, n := d.index, len(d.items)
	return func(id string) (int, bool) {
		i, ok := ix.Find(id)
		if !ok || i < 0 || i >= n {
			return 0, false
		}
		return i, true
	}
}

// disagreements returns item i's review rows: its disagreements and the
// urgent findings to confirm (audit.Report.ReviewRows); nil when none
// are known yet or i is out of range.
func (d *reviewData) disagreements(i int) []audit.Disagreement {
	if i < 0 || i >= d.rows.len() {
		return nil
	}
	if r := d.rows.get(i).report; r != nil {
		return r.ReviewRows()
	}
	return nil
}

// known reports whether item i's result is known, from its report or
// from the store's summary.
func (d *reviewData) known(i int) bool {
	return d.rows.get(i).report != nil || d.rows.get(i).summary.known
}

// disagreementCount is the number of item i's disagreements, from its
// report or, before that is loaded, from the store's summary.
func (d *reviewData) disagreementCount(i int) int {
	if r := d.rows.get(i).report; r != nil {
		return len(r.ReviewRows())
	}
	return d.rows.get(i).summary.disagreements
}

// adjudicated reports whether every disagreement of item i has a verdict
// of this reviewer that is saved or saving (a failed save does not count).
// Items whose result is not known are not adjudicated.
func (d *reviewData) adjudicated(i int) bool {
	if !d.known(i) {
		return false
	}
	return d.adjudicatedCount(i) == d.disagreementCount(i)
}

// adjudicatedCount counts this reviewer's verdicts on item i's current
// disagreements (saved or saving). Before the report is loaded it counts
// the item's verdicts, at most one per disagreement the summary counts
// (a verdict on a disagreement a rerun took away would count until the
// item is opened).
func (d *reviewData) adjudicatedCount(i int) int {
	mine := d.mine[d.items[i].ID]
	r := d.rows.get(i).report
	if r == nil {
		n := 0
		for k, v := range mine {
			if v.state != stateFailed && !audit.IsTruthKey(k) {
				n++
			}
		}
		for k := range d.settled[d.items[i].ID] {
			if mine[k] == nil {
				n++
			}
		}
		return min(n, d.rows.get(i).summary.disagreements)
	}
	n := 0
	for _, dis := range r.ReviewRows() {
		if v := mine[dis.Key()]; (v != nil && v.state != stateFailed) || d.isSettled(d.items[i].ID, dis.Key()) {
			n++
		}
	}
	return n
}

// settledCount counts item i's current disagreements that this reviewer
// may not judge (isSettled): they are not the reviewer's work, so they
// count in no total of open units.
func (d *reviewData) settledCount(i int) int {
	id := d.items[i].ID
	r := d.rows.get(i).report
	if r == nil {
		return min(len(d.settled[id]), d.rows.get(i).summary.disagreements)
	}
	n := 0
	for _, dis := range r.ReviewRows() {
		if d.isSettled(id, dis.Key()) {
			n++
		}
	}
	return n
}

// isSettled reports whether the unit is one this reviewer may not judge
// (Config.Settled).
func (d *reviewData) isSettled(id, key string) bool {
	_, ok := d.settled[id][key]
	return ok
}

// needsWork reports whether item i still asks something of the reviewer:
// its result is not in yet, or it has a disagreement without a verdict.
// Failed items do not (they need a rerun, not a verdict).
func (d *reviewData) needsWork(i int) bool {
	switch d.rows.get(i).status {
	case audit.StatusError:
		return false
	case audit.StatusDone:
		return !d.adjudicated(i)
	}
	return !d.known(i) || !d.adjudicated(i)
}

// inDoubt reports whether item i's draft reading is in doubt (the draft
// model and the rule labeler differ), from its report or the store's
// summary.
func (d *reviewData) inDoubt(i int) bool {
	if r := d.rows.get(i).report; r != nil {
		return len(r.DraftDoubts) > 0
	}
	return d.rows.get(i).summary.doubts > 0
}

// isUrgent reports whether item i's result is urgent, from its report or
// the store's summary.
func (d *reviewData) isUrgent(i int) bool {
	if r := d.rows.get(i).report; r != nil {
		return r.Urgent
	}
	return d.rows.get(i).summary.urgent
}

// firstOpenDisagreement returns the index of item i's first disagreement
// without a verdict of this reviewer (0 when all have one).
func (d *reviewData) firstOpenDisagreement(i int) int {
	mine := d.mine[d.items[i].ID]
	for j, dis := range d.disagreements(i) {
		if v := mine[dis.Key()]; (v == nil || v.state == stateFailed) && !d.isSettled(d.items[i].ID, dis.Key()) {
			return j
		}
	}
	return 0
}

// setStatus changes item i's status, keeping the count of running items.
func (d *reviewData) setStatus(i int, s audit.Status) {
	r := d.rows.at(i)
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
	for _, page := range d.rows.pages {
		for i := range page {
			switch page[i].status {
			case audit.StatusDone:
				done++
			case audit.StatusError:
				failed++
			}
		}
	}
	return done, failed
}
