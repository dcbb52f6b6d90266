package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// hostTable is what the scheduler knows of its hosts: for every (host,
// model) pair, whether the host serves the model (its ModelInfo, once
// asked) and how its recent calls went.
//
// Invariants kept here:
//
//   - A pair is ok once ModelInfo answered; it then has slot workers (Run
//     starts them; see startSlots), and its info changes only through
//     resolve.
//   - A pair that is not ok is asked again at most every resolveRetryAfter.
//   - Lookups are serialized (resolveMu), so one slow host is asked once,
//     not once per waiting prep worker.
type hostTable struct {
	runners []stageRunner

	resolveMu sync.Mutex // serializes resolve

	mu    sync.Mutex // guards the pairs' fields
	pairs map[pairKey]*pair
}

// pairKey names one (host, model) combination.
type pairKey struct {
	host  int
	model string
}

// pair is one host serving one model.
type pair struct {
	key      pairKey
	runner   stageRunner
	opt      Options // the generation options of its calls
	options  string  // opt.Canonical(), in provenance keys
	info     ModelInfo
	ok       bool      // info resolved
	err      error     // last resolution error
	failedAt time.Time // when err happened
	slots    bool      // slot workers started
	failures int       // consecutive unreachable/busy failures
}

// profile is the part of a provenance key that depends on the host.
type profile struct{ digest, options string }

func newHostTable(runners []stageRunner, models []string) *hostTable {
	t := &hostTable{runners: runners, pairs: map[pairKey]*pair{}}
	for i, r := range runners {
		for _, m := range models {
			k := pairKey{i, m}
			opt := r.Options()
			t.pairs[k] = &pair{key: k, runner: r, opt: opt, options: opt.Canonical()}
		}
	}
	return t
}

// resolve asks every host that has not answered (or not recently) about
// model, concurrently, and returns the pairs that serve it, or why none
// does. started lists the pairs that answered now (their slots are to be
// started); warn receives one line per host that could not answer.
func (t *hostTable) resolve(ctx context.Context, model string, warn func(string, ...any)) (ps, started []*pair, err error) {
	t.resolveMu.Lock()
	defer t.resolveMu.Unlock()
	var todo []*pair
	t.mu.Lock()
	for i := range t.runners {
		p := t.pairs[pairKey{i, model}]
		if !p.ok && (p.err == nil || time.Since(p.failedAt) > resolveRetryAfter) {
			todo = append(todo, p)
		}
	}
	t.mu.Unlock()
	type answer struct {
		p    *pair
		info ModelInfo
		err  error
	}
	answers := make([]answer, len(todo))
	var wg sync.WaitGroup
	for i, p := range todo {
		wg.Go(func() {
			info, err := p.runner.ModelInfo(ctx, model)
			answers[i] = answer{p, info, err}
		})
	}
	wg.Wait()

	t.mu.Lock()
	defer t.mu.Unlock()
	for _, a := range answers {
		if a.err != nil {
			if ctx.Err() == nil {
				a.p.err, a.p.failedAt = a.err, time.Now()
				warn("host %s cannot serve %s now (asked again later): %v", a.p.runner.URL(), model, a.err)
			}
			continue
		}
		a.p.info, a.p.ok, a.p.err = a.info, true, nil
		started = append(started, a.p)
	}
	ps, err = t.servingLocked(model)
	if len(answers) > 0 {
		t.checkDigestsLocked(model, ps, warn)
	}
	return ps, started, err
}

// serving returns the pairs that serve model, or the reason none does.
func (t *hostTable) serving(model string) ([]*pair, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.servingLocked(model)
}

func (t *hostTable) servingLocked(model string) ([]*pair, error) {
	var ps []*pair
	var errs []error
	for i := range t.runners {
		p := t.pairs[pairKey{i, model}]
		if p.ok {
			ps = append(ps, p)
		} else if p.err != nil {
			errs = append(errs, p.err)
		}
	}
	if len(ps) == 0 {
		if len(errs) == 0 {
			errs = append(errs, errors.New("no host answered"))
		}
		return nil, fmt.Errorf("model %s is not available on any host: %w", model, errors.Join(errs...))
	}
	return ps, nil
}

// checkDigestsLocked warns when hosts serve different builds of one model
// name. Both stay in use: provenance keys carry the digest of the host that
// ran the call, so their outputs are never mixed up.
func (t *hostTable) checkDigestsLocked(model string, ps []*pair, warn func(string, ...any)) {
	if len(ps) < 2 {
		return
	}
	for _, p := range ps[1:] {
		if p.info.Digest != ps[0].info.Digest {
			warn("hosts %s and %s serve different builds of %s (digest %.12s vs %.12s): results are keyed by digest, pull the same model everywhere for consistent output",
				ps[0].runner.URL(), p.runner.URL(), model, ps[0].info.Digest, p.info.Digest)
		}
	}
}

// profiles returns the distinct profiles of the pairs serving model; when
// none does yet, the options of every host with digest as the (unchecked)
// digest.
func (t *hostTable) profiles(model, digest string) (resolved bool, prs []profile) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var unresolved []profile
	for i := range t.runners {
		p := t.pairs[pairKey{i, model}]
		if p.ok {
			prs = appendProfile(prs, profile{p.info.Digest, p.options})
		} else {
			// Options are known without asking the host; the digest is not.
			unresolved = appendProfile(unresolved, profile{digest, p.options})
		}
	}
	if len(prs) == 0 {
		return false, unresolved
	}
	return true, prs
}

func distinctProfiles(ps []*pair) []profile {
	var out []profile
	for _, p := range ps {
		out = appendProfile(out, profile{p.info.Digest, p.options})
	}
	return out
}

func appendProfile(ps []profile, p profile) []profile {
	for _, q := range ps {
		if q == p {
			return ps
		}
	}
	return append(ps, p)
}

// snapshot returns what a call on p needs, read under the lock.
func (t *hostTable) snapshot(p *pair) (ModelInfo, Options, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return p.info, p.opt, p.options
}

// slotCount returns the number of call slots serving model.
func (t *hostTable) slotCount(model string, capacity int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for i := range t.runners {
		if t.pairs[pairKey{i, model}].ok {
			n += capacity
		}
	}
	return n
}

// outcome records how a call on p went and reports the consecutive
// retryable failures, whether another host serves p's model, and how many
// hosts do.
func (t *hostTable) outcome(p *pair, retryable bool) (failures int, other bool, hosts int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if retryable {
		p.failures++
	} else {
		p.failures = 0
	}
	for i := range t.runners {
		if o := t.pairs[pairKey{i, p.key.model}]; o.ok {
			hosts++
			if o != p {
				other = true
			}
		}
	}
	return p.failures, other, hosts
}

// claimSlots reports whether p's slot workers are still to be started, and
// marks them started.
func (t *hostTable) claimSlots(p *pair) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !p.ok || p.slots {
		return false
	}
	p.slots = true
	return true
}

// resolvedPairs returns every pair that serves a model.
func (t *hostTable) resolvedPairs() []*pair {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*pair
	for i := range t.runners {
		for _, p := range t.pairs {
			if p.key.host == i && p.ok {
				out = append(out, p)
			}
		}
	}
	return out
}
