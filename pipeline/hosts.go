package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
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
	// stages names the stage of each model (grounding when both stages
	// share one model: it needs more of it).
	stages map[string]audit.Stage

	resolveMu sync.Mutex // serializes resolve

	mu    sync.Mutex // guards the fields below and the pairs' fields
	pairs map[pairKey]*pair
	down  map[int]*hostDown // hosts that stopped answering (health.go)
	lost  map[int]int       // host-lost calls in a row per host (health.go)
	// probeFirst and probeMax bound the pauses between probes (the
	// package's constants; tests shorten them).
	probeFirst, probeMax time.Duration
	warnedCtx            map[string]bool // models whose num_ctx was lowered, warned once
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
	opt      ollama.Options // the generation options of its calls
	options  string         // opt.Canonical(), in provenance keys
	info     ollama.ModelInfo
	ok       bool      // info resolved
	err      error     // last resolution error
	failedAt time.Time // when err happened
	slots    bool      // slot workers started
	failures int       // consecutive unreachable/busy failures
}

// profile is the part of a provenance key that depends on the host.
type profile struct{ digest, options string }

func newHostTable(runners []stageRunner, groundingModel, draftModel string) *hostTable {
	t := &hostTable{runners: runners, pairs: map[pairKey]*pair{}, down: map[int]*hostDown{}, lost: map[int]int{}, probeFirst: probeFirst, probeMax: probeMax, warnedCtx: map[string]bool{},
		stages: map[string]audit.Stage{draftModel: audit.StageDraft, groundingModel: audit.StageGrounding}}
	for i, r := range runners {
		for _, m := range []string{groundingModel, draftModel} {
			if _, ok := t.pairs[pairKey{i, m}]; ok {
				continue
			}
			k := pairKey{i, m}
			opt := t.optionsOf(r, m)
			t.pairs[k] = &pair{key: k, runner: r, opt: opt, options: opt.Canonical()}
		}
	}
	return t
}

// resolve asks every host that has not answered (or not recently) about
// model, concurrently, and returns the profiles of the pairs that serve
// it, or why none does. started lists the pairs that answered now (their slots are to be
// started); warn receives one line per host that could not answer.
func (t *hostTable) resolve(ctx context.Context, model string, warn func(string, ...any)) (prs []profile, started []*pair, err error) {
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
	answers := t.ask(ctx, model, todo)

	t.mu.Lock()
	defer t.mu.Unlock()
	var lowered, cannot []string
	for _, a := range answers {
		if a.err != nil {
			if ctx.Err() == nil {
				a.p.err, a.p.failedAt = a.err, time.Now()
				cannot = append(cannot, fmt.Sprintf("host %s cannot serve %s now (asked again later): %v", a.p.runner.URL(), model, a.err))
			}
			continue
		}
		a.p.info, a.p.ok, a.p.err = a.info, true, nil
		a.p.opt = t.optionsOf(a.p.runner, model)
		a.p.options = a.p.opt.Canonical()
		if n := a.info.ContextLength; n > 0 && a.p.opt.NumCtx > n {
			// The server would cut it silently; provenance must say what
			// was used.
			lowered = append(lowered, fmt.Sprintf("%s (%d)", a.p.runner.URL(), n))
			a.p.opt.NumCtx = n
			a.p.options = a.p.opt.Canonical()
		}
		started = append(started, a.p)
	}
	if len(lowered) > 0 && !t.warnedCtx[model] {
		t.warnedCtx[model] = true
		warn("num_ctx %d is more than the context length of %s on %s: using the model's own (recorded in provenance)",
			t.runners[0].Options().NumCtx, model, strings.Join(lowered, ", "))
	}
	ps, err := t.servingLocked(model)
	if len(ps) > 0 {
		// Another host serves the model: say which cannot. When none
		// does, err says it for every host (a refusal, or the items'
		// errors), and a warning before it would only repeat it.
		for _, c := range cannot {
			warn("%s", c)
		}
	}
	if len(answers) > 0 {
		t.checkDigestsLocked(model, ps, warn)
	}
	return distinctProfiles(ps), started, err
}

// answer is what one host said of a model.
type answer struct {
	p    *pair
	info ollama.ModelInfo
	err  error
}

// ask looks model up on the hosts of todo at once; a host that has it but
// lacks what its stage needs answers with a *ollama.ModelError naming the
// models it has (the fix imports under a name it has not).
func (t *hostTable) ask(ctx context.Context, model string, todo []*pair) []answer {
	answers := make([]answer, len(todo))
	var wg sync.WaitGroup
	for i, p := range todo {
		wg.Go(func() {
			info, err := p.runner.ModelInfo(ctx, model)
			answers[i] = answer{p, info, err}
		})
	}
	wg.Wait()
	for i, a := range answers {
		if a.err != nil {
			continue
		}
		var me *ollama.ModelError
		if err := t.capable(a.p, model, a.info); errors.As(err, &me) {
			me.Taken, _ = a.p.runner.Models(ctx)
			answers[i].err = me
		}
	}
	return answers
}

// serving returns the distinct profiles of the pairs that serve model (a
// pair's info may change when its host comes back: read under the lock),
// or the reason none does.
func (t *hostTable) serving(model string) ([]profile, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ps, err := t.servingLocked(model)
	return distinctProfiles(ps), err
}

// servingLocked returns the pairs that serve model. When none does, the
// error is a *ModelError if every host answered (the model is missing, or
// lacks a capability, everywhere), else it wraps a *HostsDownError naming
// the hosts that did not answer: a host problem, not the model's.
func (t *hostTable) servingLocked(model string) ([]*pair, error) {
	var ps []*pair
	me := &ollama.ModelError{Stage: t.stages[model], Model: model}
	down := &ollama.HostsDownError{}
	for i := range t.runners {
		p := t.pairs[pairKey{i, model}]
		var ce *ollama.ModelError
		switch {
		case p.ok:
			ps = append(ps, p)
		case errors.As(p.err, &ce):
			if me.Capability == "" {
				// The fix is for the first host: one that has the model,
				// whose names are known.
				me.Hosts = append([]string{p.runner.URL()}, me.Hosts...)
				me.Capability, me.Has, me.Taken = ce.Capability, ce.Has, ce.Taken
			} else {
				me.Hosts = append(me.Hosts, p.runner.URL())
			}
		case errors.Is(p.err, ollama.ErrModelNotFound):
			me.Hosts = append(me.Hosts, p.runner.URL())
		default:
			err := p.err
			if err == nil {
				err = errors.New("not asked yet")
			}
			down.Hosts, down.Errs = append(down.Hosts, p.runner.URL()), append(down.Errs, err)
		}
	}
	switch {
	case len(ps) > 0:
		return ps, nil
	case len(down.Hosts) == 0:
		return nil, me
	case len(me.Hosts) == 0:
		return nil, down
	default:
		return nil, fmt.Errorf("%w; %s model %s is not on %s", down, me.Stage, model, strings.Join(me.Hosts, ", "))
	}
}

// capable returns a *ModelError when info lacks a capability model's stage
// needs on p's host.
func (t *hostTable) capable(p *pair, model string, info ollama.ModelInfo) error {
	return ollama.CheckCapable(p.runner.URL(), t.stages[model], model, info)
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

// optionsOf returns the generation options of r's calls to model: the
// host's, with the num_predict of the stage the model serves.
func (t *hostTable) optionsOf(r stageRunner, model string) ollama.Options {
	return r.Options().ForStage(t.stages[model])
}

// profiles returns the distinct profiles of the pairs serving model; when
// none does yet, every host's options with digest as the (unchecked)
// digest (and num_ctx as in stored, the options of a record, when lower:
// the model's context length is not known without asking).
func (t *hostTable) profiles(model, digest, stored string) (resolved bool, prs []profile) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var unresolved []profile
	for i := range t.runners {
		p := t.pairs[pairKey{i, model}]
		if p.ok {
			prs = appendProfile(prs, profile{p.info.Digest, p.options})
			continue
		}
		for _, o := range optionCandidates(t.optionsOf(p.runner, model), stored) {
			unresolved = appendProfile(unresolved, profile{digest, o})
		}
	}
	if len(prs) == 0 {
		return false, unresolved
	}
	return true, prs
}

// distinctProfiles returns the distinct profiles of ps (t.mu held).
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
func (t *hostTable) snapshot(p *pair) (ollama.ModelInfo, ollama.Options, string) {
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
