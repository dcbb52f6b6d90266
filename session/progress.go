package session

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
)

// runSummary counts what a run did.
type runSummary struct {
	total, done, failed, salvaged, cached, urgent int
	// inDoubt counts results whose draft reading is in doubt: the draft
	// model and the rule labeler read the draft differently.
	inDoubt int
	// notStored counts results that could not be stored (disk full, a
	// locked store); they are among failed.
	notStored int
}

// failedResult reports whether r counts as a failure: its item failed, or
// its result could not be stored (it would not be there to resume or to
// review).
func failedResult(r *audit.Result) bool {
	return r.Status != audit.StatusDone || r.StoreErr != ""
}

func (s *runSummary) add(r *audit.Result) {
	if failedResult(r) {
		s.failed++
	} else {
		s.done++
	}
	if r.StoreErr != "" {
		s.notStored++
	}
	if r.Salvaged && !failedResult(r) {
		// Salvaged counts results kept from a cut reply; a failed item
		// kept nothing, whatever its stage records say.
		s.salvaged++
	}
	if r.Cached {
		s.cached++
	}
	if r.Report != nil && r.Report.Urgent {
		s.urgent++
	}
	if r.Report != nil && len(r.Report.DraftDoubts) > 0 {
		s.inDoubt++
	}
}

func (s runSummary) line(wall time.Duration) string {
	failed := fmt.Sprint(s.failed)
	if s.notStored > 0 {
		failed = fmt.Sprintf("%d (%d not stored)", s.failed, s.notStored)
	}
	return fmt.Sprintf("%d of %d items: %d done, %s failed, %d salvaged, %d cached, %d urgent, %d draft readings in doubt; wall %s",
		s.done+s.failed, s.total, s.done, failed, s.salvaged, s.cached, s.urgent, s.inDoubt, wall.Round(time.Millisecond))
}

// progress reports a run on stderr: a bar redrawn in place on a terminal,
// otherwise a plain line for each failure and every 1% of the items. It is
// safe for concurrent use (warnings come from the scheduler's goroutines).
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	tty     bool
	total   int
	start   time.Time
	last    time.Time // last redraw / line
	every   int
	drawn   bool
	summary runSummary
	// teamText is a shared run's team counts (run_shared.go), "" alone.
	teamText string
	// hosts names the hosts while no item has finished (begin).
	hosts string
	// failures counts the items that failed with each error text (or
	// store error, notStoredKey), and firstFailed names the first: a
	// repeated error (a host that is down fails every item alike, a store
	// deleted while open refuses every result) is printed once, and
	// counted at finish.
	failures    map[string]int
	firstFailed map[string]string
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now(), every: max(1, total/100)}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

// logf prints a message line (keeping the bar below it), sanitised.
func (p *progress) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	// Warnings carry hosts' and models' messages: outside text.
	fmt.Fprintf(p.w, "cxr-auditor run: %s\n", termtext.Line(fmt.Sprintf(format, args...)))
	p.draw()
}

// begin says at once that the run is waiting for its first reply: on a
// CPU host the first item can take a minute (the model loads), and a
// blank screen until then reads as a hang.
func (p *progress) begin(hosts []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hosts = strings.Join(hosts, ", ")
	if p.total == 0 {
		return
	}
	if p.tty {
		p.clear()
		p.draw()
		return
	}
	fmt.Fprintf(p.w, "cxr-auditor run: %s\n", p.status())
}

// item records a finished item.
func (p *progress) item(s runSummary, r *audit.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.summary = s
	n := s.done + s.failed
	switch {
	case r.Status != audit.StatusDone:
		if !p.firstOf(r.Err, r.ItemID) {
			break // said once; counted at finish
		}
		p.clear()
		fmt.Fprintf(p.w, "cxr-auditor run: %s failed: %s\n", termtext.Line(r.ItemID), termtext.Line(r.Err))
	case r.StoreErr != "":
		if !p.firstOf(notStoredKey(r), r.ItemID) {
			break // said once; counted at finish
		}
		p.clear()
		fmt.Fprintf(p.w, "cxr-auditor run: %s failed: result not stored: %s\n", termtext.Line(r.ItemID), termtext.Line(r.StoreErr))
	}
	if p.tty {
		if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || n == p.total || failedResult(r) {
			p.last = now
			p.clear()
			p.draw()
		}
		return
	}
	if n%p.every == 0 || n == p.total {
		fmt.Fprintf(p.w, "cxr-auditor run: %s\n", p.status())
	}
}

// firstOf counts a failure with the error key and reports whether it is
// the first (to be printed; the others are counted at finish).
func (p *progress) firstOf(key, itemID string) bool {
	if p.failures == nil {
		p.failures, p.firstFailed = map[string]int{}, map[string]string{}
	}
	if p.failures[key]++; p.failures[key] > 1 {
		return false
	}
	p.firstFailed[key] = itemID
	return true
}

// commitSize is how a store error names the group commit an outcome was
// in (store.Batcher).
var commitSize = regexp.MustCompile(` \(with \d+ others in one commit\)`)

// notStoredKey is r's store error without what names its item (the
// quoted id, the size of its group commit), so that one cause refusing
// many results (a store deleted while open, a full disk) is one key, and
// printed once. It starts with a NUL, which no item error holds.
func notStoredKey(r *audit.Result) string {
	k := strings.Replace(r.StoreErr, strconv.Quote(r.ItemID), "", 1)
	return "\x00not stored\x00" + commitSize.ReplaceAllString(k, "")
}

// status is "n/total (pct) rate ETA failures".
func (p *progress) status() string {
	s := p.summary
	n := s.done + s.failed
	if n == 0 && p.hosts != "" {
		return termtext.Line(fmt.Sprintf("0/%d, waiting for the first reply from %s (model loading)%s", p.total, p.hosts, p.teamText))
	}
	el := time.Since(p.start)
	rate := float64(n) / el.Seconds()
	eta := "?"
	if rate > 0 && n < p.total {
		eta = time.Duration(float64(p.total-n) / rate * float64(time.Second)).Round(time.Second).String()
	} else if n == p.total {
		eta = "0s"
	}
	return fmt.Sprintf("%d/%d %3.0f%%  %.1f items/s  ETA %s  failed %d  cached %d%s",
		n, p.total, 100*float64(n)/float64(max(1, p.total)), rate, eta, s.failed, s.cached, p.teamText)
}

// team records a shared run's team counts, shown after the worker's own.
func (p *progress) team(t audit.TeamProgress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.teamText = fmt.Sprintf("  team %d/%d done, %d running on %d worker(s)", t.Done, t.Items, t.Running, t.Workers)
	if p.tty {
		p.clear()
		p.draw()
	}
}

const barWidth = 30

func (p *progress) draw() {
	if !p.tty {
		return
	}
	n := p.summary.done + p.summary.failed
	fill := barWidth * n / max(1, p.total)
	fmt.Fprintf(p.w, "\r[%s%s] %s", strings.Repeat("#", fill), strings.Repeat("-", barWidth-fill), p.status())
	p.drawn = true
}

func (p *progress) clear() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[2K")
		p.drawn = false
	}
}

// finish ends the bar's line and counts the repeated failures.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.drawn {
		p.clear()
		p.draw()
		fmt.Fprintln(p.w)
		p.drawn = false
	}
	keys := make([]string, 0, len(p.failures))
	for k := range p.failures {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same order every time
	for _, k := range keys {
		if n := p.failures[k]; n > 1 {
			fmt.Fprintf(p.w, "cxr-auditor run: %d more item(s) failed with the same error as %s (above); --out or stdout has each\n",
				n-1, termtext.Line(p.firstFailed[k]))
		}
	}
}
