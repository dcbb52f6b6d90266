package pipeline

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cxr-auditor/cxr-auditor/ollama"
)

// Host health: a host whose call failed as unreachable (after its own
// retries) is down. Its slots stop taking jobs, the job goes back to the
// queue (another host takes it, or it waits), and one of its slots asks
// the host again with a growing pause until it answers. No item fails
// because a host is down: with no host left for a model, its calls wait.
//
// Invariants kept here (under hostTable.mu):
//
//   - down[host] exists exactly while the host is down; its channel is
//     closed when the host is back, which wakes the host's other slots.
//   - One slot (the one whose call found the host down) probes it; the
//     others wait on the channel.
//   - Each change is reported in one line: down, back, and "no host can
//     serve M" when the last host serving a model went down.

// hostDown is one host that stopped answering.
type hostDown struct {
	up    chan struct{}
	err   error
	since time.Time
}

// probeFirst and probeMax bound the pause between two probes of a host
// that is down.
const (
	probeFirst = 250 * time.Millisecond
	probeMax   = 10 * time.Second
)

// downCh returns the channel closed when host is back, or nil when it is
// up.
func (t *hostTable) downCh(host int) <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	if d := t.down[host]; d != nil {
		return d.up
	}
	return nil
}

// markDown records that host stopped answering with err. first is true
// for the first report (the caller then probes the host); warn gets one
// line, and another for each model that has no host left.
func (t *hostTable) markDown(host int, err error, warn func(string, ...any)) (up <-chan struct{}, first bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if d := t.down[host]; d != nil {
		return d.up, false
	}
	d := &hostDown{up: make(chan struct{}), err: err, since: time.Now()}
	t.down[host] = d
	t.lost[host]++
	url := t.runners[host].URL()
	if n := t.lost[host]; n > 1 {
		// The host answered its probe, yet its calls are lost again: one
		// line at each doubling, not one per call.
		if n&(n-1) == 0 {
			warn("host %s answers /api/show but cut %d calls in a row (last: %v): waiting %s before each next call; check its log (a crashing runner, out of memory?)",
				url, n, err, t.probeDelayLocked(host))
		}
		return d.up, true
	}
	warn("host %s stopped answering (%v): its calls go to the other hosts or wait; asking it again every few seconds", url, err)
	for _, m := range t.modelsLocked() {
		if t.liveLocked(m) == 0 {
			warn("no host can serve %s now (%s): its calls wait and resume when a host answers; Ctrl-C stops (finished items are stored)",
				m, t.downListLocked())
		}
	}
	return d.up, true
}

// probeDelayLocked is the first pause before probing host: probeFirst,
// doubled for each call lost in a row after the host answered its probe,
// so a host that answers /api/show but cuts every call is backed off like
// a dead one.
func (t *hostTable) probeDelayLocked(host int) time.Duration {
	n := max(t.lost[host], 1)
	return min(t.probeFirst<<min(n-1, 8), t.probeMax)
}

// answered records that a call on host came back with a reply (any
// reply but a lost one): the lost streak ends.
func (t *hostTable) answered(host int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.lost, host)
}

// markUp records that host answers again and wakes its slots.
func (t *hostTable) markUp(host int, warn func(string, ...any)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	d := t.down[host]
	if d == nil {
		return
	}
	delete(t.down, host)
	close(d.up)
	if t.lost[host] > 1 {
		return // said by markDown, at each doubling
	}
	warn("host %s answers again after %s: its calls resume", t.runners[host].URL(), time.Since(d.since).Round(time.Second))
}

func (t *hostTable) modelsLocked() []string {
	var ms []string
	for m := range t.stages {
		ms = append(ms, m)
	}
	return ms
}

// liveLocked counts the hosts that serve model and are not down.
func (t *hostTable) liveLocked(model string) int {
	n := 0
	for i := range t.runners {
		if p := t.pairs[pairKey{i, model}]; p.ok && t.down[i] == nil {
			n++
		}
	}
	return n
}

func (t *hostTable) downListLocked() string {
	var parts []string
	for i := range t.runners {
		if d := t.down[i]; d != nil {
			parts = append(parts, t.runners[i].URL()+": "+d.err.Error())
		}
	}
	return strings.Join(parts, "; ")
}

// probe asks p's host about p's model until it answers (any answer: the
// host is back; the pair's info is refreshed, or the pair dropped when the
// model is gone) or ctx ends. It reports whether the host is back.
func (s *Scheduler) probe(ctx context.Context, p *pair) bool {
	s.hosts.mu.Lock()
	d := s.hosts.probeDelayLocked(p.key.host)
	s.hosts.mu.Unlock()
	for {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		info, err := p.runner.ModelInfo(ctx, p.key.model)
		if ctx.Err() != nil {
			return false
		}
		if err != nil && (errors.Is(err, ollama.ErrUnreachable) || errors.Is(err, ollama.ErrTimeout)) {
			d = min(2*d, s.hosts.probeMax)
			continue
		}
		s.hosts.refresh(p, info, err, s.logf)
		s.hosts.markUp(p.key.host, s.logf)
		s.wake()
		return true
	}
}

// refresh records what a host that came back says of p's model: a new
// digest is warned about (keys follow it); a model gone or lacking a
// capability drops the pair (asked again later, like at start).
func (t *hostTable) refresh(p *pair, info ollama.ModelInfo, err error, warn func(string, ...any)) {
	if err == nil {
		err = t.capable(p, p.key.model, info)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		p.ok, p.slots, p.err, p.failedAt = false, false, err, time.Now()
		warn("host %s answers again but cannot serve %s: %v", p.runner.URL(), p.key.model, err)
		return
	}
	if info.Digest != p.info.Digest {
		warn("host %s now has another build of %s (digest %.12s, was %.12s): new results are keyed by it",
			p.runner.URL(), p.key.model, info.Digest, p.info.Digest)
	}
	p.info = info
}

// serves reports whether p still serves its model (a host that came back
// without it drops the pair, and its slots return).
func (t *hostTable) serves(p *pair) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return p.ok
}
