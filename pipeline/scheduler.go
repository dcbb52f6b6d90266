package pipeline

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Config configures a Scheduler.
type Config struct {
	// Hosts are the Ollama servers sharing the work; at least one.
	Hosts          []*Host
	GroundingModel string
	DraftModel     string
	// Store caches stage records and keeps results (a *store.Store in
	// production); nil => no cache, nothing persisted (results are then
	// kept in memory for Lookup).
	Store Cache
	// Urgent is the can't-miss whitelist given to compare.Compare; nil
	// means schema.DefaultUrgent(), an empty non-nil slice means none.
	Urgent []schema.Label
	// Capacity is the number of calls in flight per model per host; 0
	// means 1 (match the server's OLLAMA_NUM_PARALLEL).
	Capacity int
	// Prefetch is how many of the ids after the focused one Focus queues;
	// 0 means 3.
	Prefetch int
	// Logf receives run-level warnings (a host that cannot serve a model,
	// different digests for one model name, store write failures); nil
	// discards them.
	Logf func(format string, args ...any)
}

// stageRunner is what the scheduler needs of an Ollama host; *Host
// satisfies it, tests pass fakes.
type stageRunner interface {
	URL() string
	Options() Options
	ModelInfo(ctx context.Context, model string) (ModelInfo, error)
	Ground(ctx context.Context, model string, png []byte) (audit.StageRecord, error)
	ParseDraft(ctx context.Context, model string, draft string, think bool) (audit.StageRecord, error)
}

var _ stageRunner = (*Host)(nil)

// Scheduler runs the two model stages of worklist items on one or more
// Ollama hosts.
//
// Both stages of an item run concurrently. Each host gets at most
// Config.Capacity calls in flight per model; all hosts take jobs from one
// queue (a free slot anywhere takes the next job), so a slow host only
// serves fewer jobs. A job that failed on one host because it was
// unreachable or busy (after the host's own retries) is tried once more on
// another host serving the model. A stage output already in the store for
// the same provenance (image or draft hash, model digest, prompt digest,
// options, schema version) is served from the store instead of calling the
// model.
//
// Items are queued by Submit (batch: in order), Focus (the reviewer's item
// first, then the prefetch) and Rerun (front of the queue, cache ignored).
// Run owns every goroutine. Progress and results arrive on Updates.
type Scheduler struct {
	cfg      Config
	runners  []stageRunner
	urgent   []schema.Label
	logf     func(string, ...any)
	updates  chan audit.Update
	readFile func(string) ([]byte, string, error)
	// beforeStage, when set (tests), runs in the prep worker before each
	// stage of an item is prepared.
	beforeStage func(ctx context.Context, item audit.Item, stage audit.Stage)
	// drainOnStop makes the forwarder deliver every update, even after
	// Run's context ended (set by RunAll, whose reader never stops first).
	drainOnStop bool

	// profileMu serializes model-info lookups; see resolve.
	profileMu sync.Mutex

	mu         sync.Mutex
	cond       *sync.Cond
	started    bool
	stopping   bool // Run's context is done
	workersOut bool // every worker has returned
	finishOut  bool // the finisher has drained and returned
	runCtx     context.Context
	wg         sync.WaitGroup
	items      map[string]*itemState
	pending    itemHeap
	queues     map[string]*jobHeap // by model name
	ready      map[audit.Stage]int // jobs queued, not yet running
	nextRank   int64
	frontRank  int64
	pairs      map[pairKey]*pair
	outbox     []audit.Update
	finq       []completion
	memResults map[string]*audit.Result
}

// pairKey names one (host, model) combination.
type pairKey struct {
	host  int
	model string
}

// pair is one host serving one model: its model info once resolved, and
// its slot workers.
type pair struct {
	key      pairKey
	runner   stageRunner
	options  string
	info     ModelInfo
	ok       bool      // info resolved
	err      error     // last resolution error
	failedAt time.Time // when err happened (resolution is retried after a pause)
	workers  bool      // slot workers started
	failures int       // consecutive unreachable/busy failures
}

type itemPhase uint8

const (
	phaseIdle   itemPhase = iota // known (Register), not queued
	phaseQueued                  // in the pending heap
	phaseActive                  // being prepared or its stages running
	phaseDone                    // finished (done or error)
)

// itemState is the scheduler's view of one item.
type itemState struct {
	item    audit.Item
	rank    int64 // lower runs sooner; negative = focused or rerun
	idx     int   // in the pending heap; -1 when not there
	phase   itemPhase
	noCache bool
	rerun   *audit.Item // a Rerun asked while active: queue again when done
	started time.Time
	stages  [2]*stageOutcome // by stageIndex
	jobs    []*job           // jobs waiting in model queues
}

// stageOutcome is one finished stage of the current attempt.
type stageOutcome struct {
	rec    audit.StageRecord
	cached bool
	// unstored: a model call produced rec and it is not in the store yet
	// (it is stored with the item's result, in one commit).
	unstored bool
}

// job is one stage of one item waiting for (or running on) a host slot.
type job struct {
	it        *itemState
	stage     audit.Stage
	model     string
	draft     string
	inputHash string
	img       modelImage
	idx       int
	tried     *pair // excluded host after a retryable failure
	retried   bool
	// prepping marks a placeholder: the item was taken from the pending
	// queue but this stage's input (cache lookup, image decoding) is not
	// ready yet. It holds the item's place in the job queue, so no slot
	// starts a later item's call first; see jobHeap.popFor.
	prepping bool
}

// completion is a finished stage on its way to the finisher.
type completion struct {
	it       *itemState
	stage    audit.Stage
	rec      audit.StageRecord
	cached   bool
	computed bool // a model call produced rec (store it)
}

func stageIndex(s audit.Stage) int {
	if s == audit.StageDraft {
		return 1
	}
	return 0
}

// Defaults of Config.
const (
	defaultCapacity = 1
	defaultPrefetch = 3
	// updatesBuffer is the Updates channel's buffer; beyond it updates wait
	// in an unbounded internal queue, so workers never block on a reader.
	updatesBuffer = 256
	// resolveRetryAfter is how long a failed model-info lookup is trusted
	// before asking the host again.
	resolveRetryAfter = 5 * time.Second
	// maxUnwritten bounds the finished stages waiting for the store before
	// new (unfocused) items are taken.
	maxUnwritten = 256
	// maxHostBackoff caps the pause of a host that keeps failing.
	maxHostBackoff = 10 * time.Second
)

// NewScheduler checks cfg and returns a Scheduler; call Run to start it.
func NewScheduler(cfg Config) (*Scheduler, error) {
	runners := make([]stageRunner, 0, len(cfg.Hosts))
	for i, h := range cfg.Hosts {
		if h == nil {
			return nil, fmt.Errorf("scheduler: host %d is nil", i)
		}
		runners = append(runners, h)
	}
	return newScheduler(cfg, runners)
}

func newScheduler(cfg Config, runners []stageRunner) (*Scheduler, error) {
	switch {
	case len(runners) == 0:
		return nil, errors.New("scheduler: no Ollama host")
	case strings.TrimSpace(cfg.GroundingModel) == "":
		return nil, errors.New("scheduler: no grounding model")
	case strings.TrimSpace(cfg.DraftModel) == "":
		return nil, errors.New("scheduler: no draft model")
	case cfg.Capacity < 0:
		return nil, fmt.Errorf("scheduler: capacity %d: want 1 or more", cfg.Capacity)
	case cfg.Prefetch < 0:
		return nil, fmt.Errorf("scheduler: prefetch %d: want 0 or more", cfg.Prefetch)
	}
	if cfg.Capacity == 0 {
		cfg.Capacity = defaultCapacity
	}
	if cfg.Prefetch == 0 {
		cfg.Prefetch = defaultPrefetch
	}
	s := &Scheduler{
		cfg:      cfg,
		runners:  runners,
		urgent:   cfg.Urgent,
		logf:     cfg.Logf,
		updates:  make(chan audit.Update, updatesBuffer),
		readFile: readImage,
		items:    map[string]*itemState{},
		queues:   map[string]*jobHeap{},
		ready:    map[audit.Stage]int{},
		pairs:    map[pairKey]*pair{},
	}
	if s.urgent == nil {
		s.urgent = schema.DefaultUrgent()
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	if cfg.Store == nil {
		s.memResults = map[string]*audit.Result{}
	}
	s.cond = sync.NewCond(&s.mu)
	for i, r := range runners {
		for _, m := range s.models() {
			k := pairKey{i, m}
			s.pairs[k] = &pair{key: k, runner: r, options: r.Options().Canonical()}
		}
	}
	for _, m := range s.models() {
		s.queues[m] = &jobHeap{}
	}
	return s, nil
}

// models returns the distinct model names (one when both stages use the
// same model, which then shares its slots between them).
func (s *Scheduler) models() []string {
	if s.cfg.GroundingModel == s.cfg.DraftModel {
		return []string{s.cfg.GroundingModel}
	}
	return []string{s.cfg.GroundingModel, s.cfg.DraftModel}
}

func (s *Scheduler) modelOf(st audit.Stage) string {
	if st == audit.StageDraft {
		return s.cfg.DraftModel
	}
	return s.cfg.GroundingModel
}

// Updates returns the progress channel: stage-level updates (running, done,
// error) and one item-level update with the Result when an item finishes.
// Workers never block on it (updates wait in an unbounded queue), but a
// consumer that stops reading makes that queue grow: keep reading until Run
// returns. The channel is closed when Run returns; updates not yet received
// by then are dropped.
func (s *Scheduler) Updates() <-chan audit.Update { return s.updates }

// Register makes items known (for Focus) without queueing them. Known ids
// are left alone.
func (s *Scheduler) Register(items []audit.Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range items {
		s.registerLocked(it)
	}
}

func (s *Scheduler) registerLocked(it audit.Item) *itemState {
	st, ok := s.items[it.ID]
	if !ok {
		st = &itemState{item: it, idx: -1}
		s.items[it.ID] = st
	}
	return st
}

// Submit queues items in order behind those already queued (batch mode:
// all of them). It is idempotent per ID: an item already queued, running
// or finished is left alone (use Rerun to run it again).
func (s *Scheduler) Submit(items []audit.Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range items {
		st := s.registerLocked(it)
		if st.phase != phaseIdle {
			continue
		}
		st.rank = s.nextRank
		s.nextRank++
		s.enqueueLocked(st)
	}
	s.cond.Broadcast()
}

func (s *Scheduler) enqueueLocked(st *itemState) {
	st.phase = phaseQueued
	heap.Push(&s.pending, st)
}

// Focus moves the item the reviewer opened to the front of the queue,
// followed by the first Config.Prefetch ids of ahead, in order; they go
// before everything queued earlier, including earlier focuses. Ids must be
// known (Register or Submit); unknown or finished ones are skipped.
func (s *Scheduler) Focus(id string, ahead []string) {
	if len(ahead) > s.cfg.Prefetch {
		ahead = ahead[:s.cfg.Prefetch]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	base := s.frontRank - int64(len(ahead)+1)
	s.frontRank = base
	for i, id := range append([]string{id}, ahead...) {
		if st, ok := s.items[id]; ok {
			s.rerankLocked(st, base+int64(i))
		}
	}
	s.cond.Broadcast()
}

// rerankLocked gives st a new rank, queueing it when it was only known.
func (s *Scheduler) rerankLocked(st *itemState, rank int64) {
	switch st.phase {
	case phaseIdle:
		st.rank = rank
		s.enqueueLocked(st)
	case phaseQueued:
		st.rank = rank
		heap.Fix(&s.pending, st.idx)
	case phaseActive:
		st.rank = rank
		for _, j := range st.jobs {
			heap.Fix(s.queues[j.model], j.idx)
		}
	}
}

// Rerun runs item again at the front of the queue, ignoring (and then
// replacing) cached stage records. An item in flight finishes first and
// then runs again.
func (s *Scheduler) Rerun(item audit.Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frontRank--
	st := s.registerLocked(item)
	switch st.phase {
	case phaseActive:
		it := item
		st.rerun = &it
		s.rerankLocked(st, s.frontRank)
	case phaseDone:
		st.item, st.noCache, st.rank = item, true, s.frontRank
		s.enqueueLocked(st)
	default:
		st.item, st.noCache = item, true
		s.rerankLocked(st, s.frontRank)
	}
	s.cond.Broadcast()
}

// Run starts the workers and blocks until ctx is done; it then cancels the
// calls in flight, waits for every goroutine it started, stores what had
// finished, closes Updates and returns nil. A call cancelled this way is
// not a result: nothing is stored or emitted for it. Run may be called
// once; a second call returns an error at once.
//
// At start Run asks every host for the digest and capabilities of both
// models (Host.ModelInfo); a host that cannot serve a model is left out for
// it (and asked again later), and a warning goes to Config.Logf.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("scheduler: Run called twice")
	}
	s.started = true
	s.runCtx = ctx
	s.mu.Unlock()

	stopWake := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.stopping = true
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer stopWake()

	var aux sync.WaitGroup // finisher and forwarder outlive the workers
	aux.Add(2)
	go func() { defer aux.Done(); s.finisher(ctx) }()
	go func() { defer aux.Done(); s.forwarder(ctx) }()

	for _, m := range s.models() {
		s.resolveModel(ctx, m)
	}
	s.mu.Lock()
	for _, p := range s.pairs {
		s.startWorkersLocked(p) // hosts a Lookup resolved before Run
	}
	for range max(2, runtime.GOMAXPROCS(0)) {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.prepWorker(ctx) }()
	}
	s.mu.Unlock()

	<-ctx.Done()
	s.wg.Wait()
	s.mu.Lock()
	s.workersOut = true
	s.cond.Broadcast()
	s.mu.Unlock()
	aux.Wait()
	close(s.updates)
	return nil
}

// resolveModel asks every host that has not (successfully, or recently)
// answered about model, concurrently, starts slot workers for the hosts
// that serve it, and returns the pairs that do.
func (s *Scheduler) resolveModel(ctx context.Context, model string) ([]*pair, error) {
	s.profileMu.Lock()
	defer s.profileMu.Unlock()
	var todo []*pair
	s.mu.Lock()
	for i := range s.runners {
		p := s.pairs[pairKey{i, model}]
		if !p.ok && (p.err == nil || time.Since(p.failedAt) > resolveRetryAfter) {
			todo = append(todo, p)
		}
	}
	s.mu.Unlock()
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

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range answers {
		if a.err != nil {
			if ctx.Err() == nil {
				a.p.err, a.p.failedAt = a.err, time.Now()
				s.logf("host %s cannot serve %s now (asked again later): %v", a.p.runner.URL(), model, a.err)
			}
			continue
		}
		a.p.info, a.p.ok, a.p.err = a.info, true, nil
		s.startWorkersLocked(a.p)
	}
	ps, err := s.servingLocked(model)
	if len(answers) > 0 {
		s.checkDigestsLocked(model, ps)
	}
	return ps, err
}

// startWorkersLocked starts p's slot workers once Run is running (they
// belong to Run's wait group; prep workers hold it above zero meanwhile).
func (s *Scheduler) startWorkersLocked(p *pair) {
	if !p.ok || p.workers || s.runCtx == nil || s.stopping || s.runCtx.Err() != nil {
		return
	}
	p.workers = true
	for range s.cfg.Capacity {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.slotWorker(s.runCtx, p) }()
	}
}

// servingLocked returns the pairs that serve model, or the reason none does.
func (s *Scheduler) servingLocked(model string) ([]*pair, error) {
	var ps []*pair
	var errs []error
	for i := range s.runners {
		p := s.pairs[pairKey{i, model}]
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
func (s *Scheduler) checkDigestsLocked(model string, ps []*pair) {
	if len(ps) < 2 {
		return
	}
	for _, p := range ps[1:] {
		if p.info.Digest != ps[0].info.Digest {
			s.logf("hosts %s and %s serve different builds of %s (digest %.12s vs %.12s): results are keyed by digest, pull the same model everywhere for consistent output",
				ps[0].runner.URL(), p.runner.URL(), model, ps[0].info.Digest, p.info.Digest)
		}
	}
}

// serving returns the pairs serving model, resolving again when none does.
func (s *Scheduler) serving(ctx context.Context, model string) ([]*pair, error) {
	s.mu.Lock()
	ps, err := s.servingLocked(model)
	s.mu.Unlock()
	if err == nil {
		return ps, nil
	}
	return s.resolveModel(ctx, model)
}

// profile is the part of a provenance key that depends on the host.
type profile struct{ digest, options string }

func distinctProfiles(ps []*pair) []profile {
	var out []profile
	for _, p := range ps {
		pr := profile{p.info.Digest, p.options}
		if !containsProfile(out, pr) {
			out = append(out, pr)
		}
	}
	return out
}

func containsProfile(ps []profile, p profile) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// keyFor is the provenance key of stage on inputHash run with pr.
func (s *Scheduler) keyFor(stage audit.Stage, inputHash string, pr profile) string {
	p := Provenance{Stage: stage, InputHash: inputHash, Model: s.modelOf(stage), ModelDigest: pr.digest,
		PromptDigest: promptDigest(stage), Options: pr.options, SchemaVersion: SchemaVersion()}
	return p.Key()
}

// cached returns a stored successful record of stage for inputHash under
// any current profile of its model.
func (s *Scheduler) cached(ctx context.Context, stage audit.Stage, inputHash string, ps []*pair) (audit.StageRecord, bool) {
	if s.cfg.Store == nil {
		return audit.StageRecord{}, false
	}
	for _, pr := range distinctProfiles(ps) {
		rec, ok, err := s.cfg.Store.GetStage(ctx, s.keyFor(stage, inputHash, pr))
		if err != nil {
			if ctx.Err() == nil {
				s.logf("cache lookup: %v", err)
			}
			continue
		}
		// A reply that ended without done:true (stream cut) was salvaged
		// from a transient failure: worth computing again, unlike a
		// deterministic done_reason "length".
		if ok && rec.Done {
			return rec, true
		}
	}
	return audit.StageRecord{}, false
}

// prepWorker takes queued items in rank order, serves their stages from
// the cache or prepares them (image decoded and padded) and queues them for
// the host slots. It stays at most a few model-input images ahead of the
// slots, except for focused items.
func (s *Scheduler) prepWorker(ctx context.Context) {
	for {
		s.mu.Lock()
		for !s.stopping && !s.prepAllowedLocked() {
			s.cond.Wait()
		}
		if s.stopping {
			s.mu.Unlock()
			return
		}
		st := heap.Pop(&s.pending).(*itemState)
		st.phase = phaseActive
		st.started = time.Now()
		st.stages = [2]*stageOutcome{}
		item, noCache := st.item, st.noCache
		st.noCache = false
		// Both stages take their place in the job queues now, in rank
		// order, before any input is ready: prep workers run items
		// concurrently and finish them out of order, and a slot that took
		// whatever was ready first could start a later item's call ahead of
		// this one (with one slot, a stalled call then holds back every
		// item prepared a moment later, up to the call timeout).
		gj := &job{it: st, stage: audit.StageGrounding, model: s.cfg.GroundingModel, prepping: true}
		dj := &job{it: st, stage: audit.StageDraft, model: s.cfg.DraftModel, prepping: true}
		s.pushJobLocked(gj)
		s.pushJobLocked(dj)
		s.emitLocked(audit.Update{ItemID: item.ID, Status: audit.StatusRunning})
		s.mu.Unlock()
		s.prepare(ctx, st, item, noCache, gj, dj)
	}
}

// prepAllowedLocked reports whether a prep worker may take the next item.
func (s *Scheduler) prepAllowedLocked() bool {
	if s.pending.Len() == 0 {
		return false
	}
	if s.pending[0].rank < 0 {
		return true // focused or rerun: never held back
	}
	slots := 0
	for _, p := range s.pairs {
		if p.ok && p.key.model == s.cfg.GroundingModel {
			slots += s.cfg.Capacity
		}
	}
	limit := 2*max(slots, 1) + 2
	// The store may be slower than the hosts (a durable commit per record):
	// finished stages waiting to be written hold the line too, so memory
	// stays bounded however long the worklist.
	return s.ready[audit.StageGrounding] < limit && s.ready[audit.StageDraft] < 4*limit && len(s.finq) < maxUnwritten
}

// prepare serves or readies both stages of one item: gj and dj are its
// placeholder jobs, each of which it either readies for a slot or
// withdraws (served from the cache, or failed) on every path.
func (s *Scheduler) prepare(ctx context.Context, st *itemState, item audit.Item, noCache bool, gj, dj *job) {
	// The draft first: it needs no decoding, so it can start right away.
	s.prepareDraft(ctx, st, item, noCache, dj)
	s.prepareGrounding(ctx, st, item, noCache, gj)
}

func (s *Scheduler) prepareDraft(ctx context.Context, st *itemState, item audit.Item, noCache bool, j *job) {
	if s.beforeStage != nil {
		s.beforeStage(ctx, item, audit.StageDraft)
	}
	dh := HashDraft(item.Draft)
	ps, err := s.serving(ctx, s.cfg.DraftModel)
	if err != nil {
		s.withdrawJob(j)
		s.failStage(ctx, st, audit.StageDraft, dh, err)
		return
	}
	if rec, ok := s.cachedUnless(ctx, noCache, audit.StageDraft, dh, ps); ok {
		s.withdrawJob(j)
		s.complete(completion{it: st, stage: audit.StageDraft, rec: rec, cached: true})
		return
	}
	s.readyJob(j, func(j *job) { j.draft, j.inputHash = item.Draft, dh })
}

func (s *Scheduler) prepareGrounding(ctx context.Context, st *itemState, item audit.Item, noCache bool, j *job) {
	if s.beforeStage != nil {
		s.beforeStage(ctx, item, audit.StageGrounding)
	}
	fail := func(hash string, err error) {
		s.withdrawJob(j)
		s.failStage(ctx, st, audit.StageGrounding, hash, err)
	}
	data, ih, err := s.readFile(item.ImagePath)
	if err != nil {
		fail("", fmt.Errorf("image %s: %w", item.ImagePath, err))
		return
	}
	ps, err := s.serving(ctx, s.cfg.GroundingModel)
	if err != nil {
		fail(ih, err)
		return
	}
	if rec, ok := s.cachedUnless(ctx, noCache, audit.StageGrounding, ih, ps); ok {
		s.withdrawJob(j)
		s.complete(completion{it: st, stage: audit.StageGrounding, rec: rec, cached: true})
		return
	}
	img, err := prepareImage(ctx, item.ImagePath, data)
	if err != nil {
		fail(ih, err)
		return
	}
	s.readyJob(j, func(j *job) { j.inputHash, j.img = ih, img })
}

func (s *Scheduler) cachedUnless(ctx context.Context, noCache bool, stage audit.Stage, hash string, ps []*pair) (audit.StageRecord, bool) {
	if noCache {
		return audit.StageRecord{}, false
	}
	return s.cached(ctx, stage, hash, ps)
}

// failStage finishes a stage that could not be run at all (unreadable or
// corrupt image, no host serving the model). Cancellation is not a failure:
// the item is dropped.
func (s *Scheduler) failStage(ctx context.Context, st *itemState, stage audit.Stage, hash string, err error) {
	if ctx.Err() != nil {
		return
	}
	rec := audit.StageRecord{Stage: stage, ItemID: st.item.ID, Model: s.modelOf(stage),
		Error: fmt.Sprintf("%s: %v", stage, err), CreatedAt: time.Now().UTC()}
	if stage == audit.StageGrounding {
		rec.ImageHash = hash
	} else {
		rec.DraftHash = hash
	}
	s.complete(completion{it: st, stage: stage, rec: rec})
}

// readyJob fills in placeholder j's input and lets the slots take it.
func (s *Scheduler) readyJob(j *job, fill func(*job)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fill(j)
	j.prepping = false
	s.cond.Broadcast()
}

// withdrawJob removes placeholder j from its queue (its stage needs no
// call).
func (s *Scheduler) withdrawJob(j *job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.idx >= 0 {
		heap.Remove(s.queues[j.model], j.idx)
		s.ready[j.stage]--
		j.it.jobs = removeJob(j.it.jobs, j)
	}
	s.cond.Broadcast()
}

func (s *Scheduler) pushJobLocked(j *job) {
	heap.Push(s.queues[j.model], j)
	j.it.jobs = append(j.it.jobs, j)
	s.ready[j.stage]++
	s.cond.Broadcast()
}

// slotWorker is one call slot of one host for one model: it runs the best
// queued job that host may take, one at a time, until ctx is done.
func (s *Scheduler) slotWorker(ctx context.Context, p *pair) {
	q := s.queues[p.key.model]
	for {
		s.mu.Lock()
		var j *job
		for !s.stopping {
			if j = q.popFor(p); j != nil {
				break
			}
			s.cond.Wait()
		}
		if s.stopping {
			s.mu.Unlock()
			return
		}
		s.ready[j.stage]--
		j.it.jobs = removeJob(j.it.jobs, j)
		s.emitLocked(audit.Update{ItemID: j.it.item.ID, Stage: j.stage, Status: audit.StatusRunning})
		s.cond.Broadcast() // a prep worker may go on
		s.mu.Unlock()

		rec, err := s.call(ctx, p, j)
		if err != nil && ctx.Err() != nil {
			return // cancelled: not a result
		}
		retryable := err != nil && (errors.Is(err, ErrUnreachable) || errors.Is(err, ErrBusy))
		s.mu.Lock()
		if retryable {
			p.failures++
		} else {
			p.failures = 0
		}
		failures := p.failures
		if retryable && !j.retried && s.otherServerLocked(p) {
			j.retried, j.tried = true, p
			s.pushJobLocked(j)
			s.mu.Unlock()
		} else {
			s.mu.Unlock()
			s.complete(completion{it: j.it, stage: j.stage, rec: rec, computed: true})
		}
		if retryable && s.hostCount(p.key.model) > 1 {
			// Let the healthy hosts take the queue while this one recovers.
			d := min(250*time.Millisecond<<min(failures-1, 8), maxHostBackoff)
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

func (s *Scheduler) otherServerLocked(p *pair) bool {
	for i := range s.runners {
		if o := s.pairs[pairKey{i, p.key.model}]; o != p && o.ok {
			return true
		}
	}
	return false
}

func (s *Scheduler) hostCount(model string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.runners {
		if s.pairs[pairKey{i, model}].ok {
			n++
		}
	}
	return n
}

// call runs j on p and completes the record's provenance: key, item, input
// hash, digest. Grounding boxes are mapped back to the original image.
func (s *Scheduler) call(ctx context.Context, p *pair, j *job) (audit.StageRecord, error) {
	var rec audit.StageRecord
	var err error
	switch j.stage {
	case audit.StageGrounding:
		rec, err = p.runner.Ground(ctx, j.model, j.img.png)
		rec.ImageHash = j.inputHash
	default:
		rec, err = p.runner.ParseDraft(ctx, j.model, j.draft, p.info.Has("thinking"))
		rec.DraftHash = j.inputHash
	}
	pr := profile{p.info.Digest, p.options}
	rec.Stage, rec.ItemID, rec.Model = j.stage, j.it.item.ID, j.model
	rec.ModelDigest, rec.PromptDigest, rec.Options = pr.digest, promptDigest(j.stage), pr.options
	if rec.Host == "" {
		rec.Host = p.runner.URL()
	}
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = time.Now().UTC()
	}
	rec.Key = s.keyFor(j.stage, j.inputHash, pr)
	if err != nil && rec.Error == "" {
		rec.Error = err.Error()
	}
	if j.stage == audit.StageGrounding && rec.Error == "" {
		var notes []schema.Diagnostic
		rec.Findings, notes = unpadFindings(rec.Findings, j.img.pad)
		rec.Diagnostics.Notes = append(rec.Diagnostics.Notes, notes...)
	}
	return rec, err
}

// complete hands a finished stage to the finisher.
func (s *Scheduler) complete(c completion) {
	s.mu.Lock()
	s.finq = append(s.finq, c)
	s.cond.Broadcast()
	s.mu.Unlock()
}

// finisher stores finished stages and, when both stages of an item are in,
// builds, stores and emits its Result. It is the only writer to the store,
// so slots never wait for the disk. After ctx is done it drains what the
// workers completed before they stopped.
func (s *Scheduler) finisher(ctx context.Context) {
	// Finished work is kept even when the run is being cancelled.
	wctx := context.WithoutCancel(ctx)
	for {
		s.mu.Lock()
		for len(s.finq) == 0 && !s.workersOut {
			s.cond.Wait()
		}
		if len(s.finq) == 0 {
			s.mu.Unlock()
			s.storePartial(wctx)
			s.mu.Lock()
			s.finishOut = true
			s.cond.Broadcast()
			s.mu.Unlock()
			return
		}
		batch := s.finq
		s.finq = nil
		s.mu.Unlock()
		for _, c := range batch {
			s.finish(wctx, c)
		}
	}
}

// storePartial stores the finished stages of items whose other stage
// was cancelled (called once the workers are out), so a resumed run need
// not compute them again.
func (s *Scheduler) storePartial(ctx context.Context) {
	if s.cfg.Store == nil {
		return
	}
	s.mu.Lock()
	var recs []audit.StageRecord
	for _, st := range s.items {
		for _, o := range st.stages {
			if o != nil && o.unstored {
				o.unstored = false
				recs = append(recs, o.rec)
			}
		}
	}
	s.mu.Unlock()
	for _, r := range recs {
		s.storeStage(ctx, r)
	}
}

func (s *Scheduler) finish(ctx context.Context, c completion) {
	status := audit.StatusDone
	if c.rec.Error != "" {
		status = audit.StatusError
	}
	s.mu.Lock()
	s.emitLocked(audit.Update{ItemID: c.it.item.ID, Stage: c.stage, Status: status})
	c.it.stages[stageIndex(c.stage)] = &stageOutcome{rec: c.rec, cached: c.cached,
		unstored: c.computed && s.cfg.Store != nil && c.rec.Key != ""}
	g, d := c.it.stages[0], c.it.stages[1]
	if g == nil || d == nil {
		s.mu.Unlock()
		return
	}
	res := s.buildResult(c.it.item.ID, g, d, time.Since(c.it.started))
	var recs []audit.StageRecord
	for _, o := range []*stageOutcome{g, d} {
		if o.unstored {
			o.unstored = false
			recs = append(recs, o.rec)
		}
	}
	item := c.it.item
	s.mu.Unlock()

	if s.cfg.Store != nil {
		s.storeOutcome(ctx, recs, res)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	st := c.it
	st.phase = phaseDone
	st.stages = [2]*stageOutcome{}
	if s.memResults != nil {
		s.memResults[item.ID] = res
	}
	s.emitLocked(audit.Update{ItemID: item.ID, Status: res.Status, Result: res})
	if st.rerun != nil && !s.stopping {
		st.item, st.noCache, st.rerun = *st.rerun, true, nil
		s.enqueueLocked(st)
		s.cond.Broadcast()
	}
}

// keepStage reports whether a computed record should be stored: a failed
// record is stored for the audit unless a good record has the same key (a
// failed rerun must not hide the last good output).
func (s *Scheduler) keepStage(ctx context.Context, rec audit.StageRecord) bool {
	if rec.Error != "" {
		if _, ok, err := s.cfg.Store.GetStage(ctx, rec.Key); err == nil && ok {
			return false
		}
	}
	return true
}

// storeStage stores one computed record (see keepStage).
func (s *Scheduler) storeStage(ctx context.Context, rec audit.StageRecord) {
	if !s.keepStage(ctx, rec) {
		return
	}
	if err := s.cfg.Store.PutStage(ctx, rec); err != nil {
		s.logf("%v", err)
	}
}

// storeOutcome stores an item's computed stage records (see keepStage) and
// res as its latest result in one commit (a durable commit costs far more
// than the records). With nothing computed, the write is skipped when the
// stored result already says the same (a cached rerun).
func (s *Scheduler) storeOutcome(ctx context.Context, computed []audit.StageRecord, res *audit.Result) {
	var recs []audit.StageRecord
	for _, r := range computed {
		if s.keepStage(ctx, r) {
			recs = append(recs, r)
		}
	}
	rr := audit.ResultRecord{ItemID: res.ItemID, Report: res.Report, Salvaged: res.Salvaged, Error: res.Err}
	if res.Grounding != nil {
		rr.GroundingKey = res.Grounding.Key
	}
	if res.Draft != nil {
		rr.DraftKey = res.Draft.Key
	}
	if len(recs) == 0 {
		if old, ok, err := s.cfg.Store.GetResult(ctx, rr.ItemID); err == nil && ok {
			old.UpdatedAt = time.Time{}
			if reflect.DeepEqual(old, rr) || (old.Report != nil && rr.Report != nil && reflect.DeepEqual(*old.Report, *rr.Report) &&
				old.GroundingKey == rr.GroundingKey && old.DraftKey == rr.DraftKey && old.Salvaged == rr.Salvaged && old.Error == rr.Error) {
				return
			}
		}
	}
	if err := s.cfg.Store.PutOutcome(ctx, recs, rr); err != nil {
		s.logf("%v", err)
	}
}

// buildResult assembles an item's Result from its two stage outcomes.
func (s *Scheduler) buildResult(id string, g, d *stageOutcome, wall time.Duration) *audit.Result {
	gr, dr := g.rec, d.rec
	res := &audit.Result{
		ItemID:      id,
		Status:      audit.StatusDone,
		Grounding:   &gr,
		Draft:       &dr,
		Findings:    gr.Findings,
		DraftLabels: dr.Labels,
		Salvaged:    gr.Diagnostics.Salvaged || dr.Diagnostics.Salvaged,
		Cached:      g.cached && d.cached,
		Wall:        wall,
	}
	if res.Findings == nil {
		res.Findings = []schema.Finding{}
	}
	if res.DraftLabels == nil {
		res.DraftLabels = []schema.DraftLabel{}
	}
	var errs []string
	for _, r := range []audit.StageRecord{gr, dr} {
		if r.Error != "" {
			errs = append(errs, r.Error)
		}
	}
	if len(errs) > 0 {
		res.Status, res.Err = audit.StatusError, strings.Join(errs, "; ")
		return res
	}
	rep := compare.Compare(res.Findings, res.DraftLabels, s.urgent)
	res.Report = &rep
	return res
}

// emitLocked queues u for the forwarder.
func (s *Scheduler) emitLocked(u audit.Update) {
	s.outbox = append(s.outbox, u)
	s.cond.Broadcast()
}

// forwarder moves updates from the unbounded outbox to the Updates channel
// until the run is over; after that it only fills the channel's free space.
func (s *Scheduler) forwarder(ctx context.Context) {
	for {
		s.mu.Lock()
		for len(s.outbox) == 0 && !s.finishOut {
			s.cond.Wait()
		}
		batch := s.outbox
		s.outbox = nil
		done := s.finishOut
		s.mu.Unlock()
		for _, u := range batch {
			if s.drainOnStop {
				s.updates <- u // RunAll reads until the channel closes
				continue
			}
			if ctx.Err() != nil {
				select {
				case s.updates <- u:
				default:
				}
				continue
			}
			select {
			case s.updates <- u:
			case <-ctx.Done():
			}
		}
		if done {
			s.mu.Lock()
			empty := len(s.outbox) == 0
			s.mu.Unlock()
			if empty {
				return
			}
		}
	}
}

func removeJob(js []*job, j *job) []*job {
	for i, x := range js {
		if x == j {
			return append(js[:i], js[i+1:]...)
		}
	}
	return js
}

// itemHeap orders queued items by rank.
type itemHeap []*itemState

func (h itemHeap) Len() int           { return len(h) }
func (h itemHeap) Less(i, j int) bool { return h[i].rank < h[j].rank }
func (h itemHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *itemHeap) Push(x any)        { st := x.(*itemState); st.idx = len(*h); *h = append(*h, st) }
func (h *itemHeap) Pop() any {
	old := *h
	st := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	st.idx = -1
	return st
}

// jobHeap orders one model's waiting jobs by their item's rank, grounding
// before draft within an item (it is usually the longer call).
type jobHeap []*job

func (h jobHeap) Len() int { return len(h) }
func (h jobHeap) Less(i, j int) bool {
	if a, b := h[i].it.rank, h[j].it.rank; a != b {
		return a < b
	}
	return stageIndex(h[i].stage) < stageIndex(h[j].stage)
}
func (h jobHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *jobHeap) Push(x any)   { j := x.(*job); j.idx = len(*h); *h = append(*h, j) }
func (h *jobHeap) Pop() any {
	old := *h
	j := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	j.idx = -1
	return j
}

// blocked reports whether the best job is still being prepared: then no
// job may start (see popFor).
func (h jobHeap) blocked() bool { return len(h) > 0 && h[0].prepping }

// popFor removes and returns the best job p may run (not one that already
// failed on p), or nil. It returns nil too when a job ranked before that
// one is still being prepared: jobs start in rank order, so a later item's
// call (which may stall until the call timeout) never goes ahead of an
// earlier item whose input was a moment late.
func (h *jobHeap) popFor(p *pair) *job {
	var skipped []*job
	var got *job
	for h.Len() > 0 && !h.blocked() {
		j := heap.Pop(h).(*job)
		if j.tried == p {
			skipped = append(skipped, j)
			continue
		}
		got = j
		break
	}
	for _, j := range skipped {
		heap.Push(h, j)
	}
	return got
}
