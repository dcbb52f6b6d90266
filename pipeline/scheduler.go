package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/labeler"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Config configures a Scheduler.
type Config struct {
	// Hosts are the Ollama servers sharing the work; at least one.
	Hosts          []*ollama.Host
	GroundingModel string
	// DraftModel is the text model that reads drafts, or RulesDraftModel
	// for the rule labeler (no model).
	DraftModel string
	// Rules is the rule labeler's rule set: it reads every draft beside
	// the draft model (the third opinion: compare.ThirdOpinion) and, with
	// RulesDraftModel, is the draft stage. Nil means labeler.Default().
	Rules *labeler.RuleSet
	// Store caches stage records and keeps results (a *store.Store in
	// production); nil => no cache, nothing persisted (results are then
	// kept in memory for Lookup).
	Store Cache
	// Batch, with Store, writes each item's outcome in group commits
	// instead of one Store.PutOutcome each (batch runs). An item's Result
	// is emitted once its commit returned (StoreErr set when it failed), so
	// it is never reported stored when it is not. Nil means one commit per
	// item (review: a result is on disk before it is shown). Its owner
	// closes it after Run returned.
	Batch OutcomeBatcher
	// Urgent is the can't-miss whitelist given to compare.Compare. Nil or
	// empty makes nothing urgent, as everywhere; callers wanting the
	// default pass schema.DefaultUrgent().
	Urgent []schema.Label
	// Capacity is the number of calls in flight per model per host; 0
	// means 1 (match the server's OLLAMA_NUM_PARALLEL). With AutoCapacity
	// it is the most the tuner may try (0: MaxAutoCapacity).
	Capacity int
	// AutoCapacity starts every host's model at one call in flight and
	// raises it while throughput rises and latency stays flat, backing
	// off when added calls only queue on the server (tuner.go). Notef
	// gets the choice of each.
	AutoCapacity bool
	// Notef receives run-level notes that are not warnings (the calls in
	// flight AutoCapacity chose for a host's model); nil discards them.
	Notef func(format string, args ...any)
	// Prefetch is how many of the ids after the focused one Focus queues;
	// 0 means 3.
	Prefetch int
	// ModelInput is how images are made model inputs: radiograph.ModelSquash
	// (the default, also for ""), as the served model was trained and
	// evaluated (the server's resize to its square is the only geometry
	// change and boxes apply to the image as they are), or radiograph.ModelPad
	// (padded to a square first; boxes are mapped back). It is part of the
	// grounding stage's provenance key and recorded on its records.
	ModelInput radiograph.ModelGeometry
	// RetryFailed calls the model again for stages whose stored record is
	// a deterministic failure (audit.StageRecord.Deterministic: cut at
	// num_predict, a repetition abort, unusable output), instead of serving
	// that failure from the cache. Set it after changing what made the
	// failure (another model build keys anew by itself; num_predict too).
	RetryFailed bool
	// Prompts are the prompt templates sent (--prompts DIR); the zero Set
	// means the embedded ones. Their digests are part of every provenance
	// key, so a changed prompt never reuses cached results.
	Prompts prompts.Set
	// Attempts is the retry ladder of both stages: ollama.AttemptsServed
	// (also "", the default) or ollama.AttemptsOne. It is part of every
	// provenance key.
	Attempts string
	// Logf receives run-level warnings (a host that cannot serve a model,
	// different digests for one model name, store write failures); nil
	// discards them. A result that could not be stored is logged with the
	// format NotStoredLog (item id, error).
	Logf func(format string, args ...any)
}

// NotStoredLog is the format Config.Logf receives for each result that
// could not be stored (its Result.StoreErr says the same): a caller that
// reports StoreErr itself, as run does (once per distinct error, with a
// count), can leave these out.
const NotStoredLog = "item %s: result not stored: %v"

// stageRunner is what the scheduler needs of an Ollama host;
// *ollama.Host satisfies it, tests pass fakes.
type stageRunner interface {
	URL() string
	Options() ollama.Options
	ModelInfo(ctx context.Context, model string) (ollama.ModelInfo, error)
	// Models lists the host's model names (asked only to name a fix).
	Models(ctx context.Context) ([]string, error)
	// GroundWith and ParseDraftWith send with the generation options the
	// scheduler chose for the model on this host.
	GroundWith(ctx context.Context, model string, opt ollama.Options, png []byte) (audit.StageRecord, error)
	ParseDraftWith(ctx context.Context, model string, opt ollama.Options, draft string, think bool) (audit.StageRecord, error)
}

var _ stageRunner = (*ollama.Host)(nil)

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
//
// Its parts, one file each: the ranked queue (queue.go, a pure value), the
// hosts and their call slots (hosts.go, slots.go), the preparation of each
// item's inputs (prepare.go), the finisher that stores results
// (finish.go) and the forwarder of updates (forward.go).
type Scheduler struct {
	cfg      Config
	rules    *labeler.RuleSet
	urgent   []schema.Label
	logf     func(string, ...any)
	notef    func(string, ...any)
	updates  chan audit.Update
	readFile func(string) ([]byte, string, error)
	// beforeStage, when set (tests), runs in the prep worker before each
	// stage of an item is prepared.
	beforeStage func(ctx context.Context, item audit.Item, stage audit.Stage)
	// drainOnStop makes the forwarder deliver every update, even after
	// Run's context ended (set by RunAll, whose reader never stops first).
	drainOnStop bool

	hosts *hostTable
	fin   *finisher
	out   *outbox
	memo  *recordMemo // the last records served or stored, by key (memo.go)

	// mu guards q and the run state below; cond is broadcast whenever q
	// changes in a way a waiting prep or slot worker may care about, and
	// when the run stops.
	mu       sync.Mutex
	cond     *sync.Cond
	q        rankedQueue
	started  bool
	stopping bool // Run's context is done
	runCtx   context.Context
	wg       sync.WaitGroup // prep and slot workers
	// tuners hold each pair's calls in flight with AutoCapacity (nil
	// map without it).
	tuners map[pairKey]*tuner
}

// Defaults and bounds of the scheduler.
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
	geo, err := radiograph.ParseModelGeometry(string(cfg.ModelInput))
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	cfg.ModelInput = geo
	switch {
	case cfg.Capacity == 0 && cfg.AutoCapacity:
		cfg.Capacity = MaxAutoCapacity
	case cfg.Capacity == 0:
		cfg.Capacity = defaultCapacity
	}
	if cfg.Prefetch == 0 {
		cfg.Prefetch = defaultPrefetch
	}
	cfg.Prompts = cfg.Prompts.Complete()
	if cfg.Attempts == "" {
		cfg.Attempts = ollama.AttemptsServed
	}
	rules, err := defaultRules(cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	s := &Scheduler{
		rules:    rules,
		cfg:      cfg,
		urgent:   cfg.Urgent,
		logf:     cfg.Logf,
		updates:  make(chan audit.Update, updatesBuffer),
		readFile: readImage,
		q:        newRankedQueue(cfg.GroundingModel, cfg.DraftModel),
		fin:      newFinisher(cfg.Store == nil),
		memo:     newRecordMemo(memoSize),
		out:      newOutbox(),
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	if s.notef = cfg.Notef; s.notef == nil {
		s.notef = func(string, ...any) {}
	}
	s.cond = sync.NewCond(&s.mu)
	s.hosts = newHostTable(runners, cfg.GroundingModel, cfg.DraftModel)
	return s, nil
}

// models returns the distinct model names (one when both stages use the
// same model, which then shares its slots between them).
func (s *Scheduler) models() []string {
	if s.cfg.GroundingModel == s.cfg.DraftModel || s.rulesDraft() {
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

// wake lets every waiting prep and slot worker look at the queue again.
func (s *Scheduler) wake() {
	s.mu.Lock()
	s.cond.Broadcast()
	s.mu.Unlock()
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
		s.q.register(it)
	}
}

// RegisterLookup makes every id lookup finds known (for Focus), as
// Register does, without copying them: the scheduler makes its state for
// an item when the item is first focused, so opening a million-item
// worklist costs nothing here. Items registered or submitted are found
// first; a later call replaces lookup.
func (s *Scheduler) RegisterLookup(lookup func(id string) (audit.Item, bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.q.lookup = lookup
}

// Submit queues items in order behind those already queued (batch mode:
// all of them). It is idempotent per ID: an item already queued, running
// or finished is left alone (use Rerun to run it again).
func (s *Scheduler) Submit(items []audit.Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.q.submit(items)
	s.cond.Broadcast()
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
	s.q.focus(id, ahead)
	s.cond.Broadcast()
}

// Rerun runs item again at the front of the queue, ignoring (and then
// replacing) cached stage records. An item in flight finishes first and
// then runs again.
func (s *Scheduler) Rerun(item audit.Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.q.rerun(item)
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
// it (and asked again later), and a warning goes to Config.Logf when
// another host serves it (when none does, the items' errors say why).
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

	// The finisher and the forwarder outlive the workers: they drain what
	// the workers finished before they stopped.
	var finWG, fwdWG sync.WaitGroup
	finWG.Go(func() { s.finisherLoop(ctx) })
	fwdWG.Go(func() { s.forwarder(ctx) })

	for _, m := range s.models() {
		s.hosts.resolve(ctx, m, s.logf)
	}
	s.mu.Lock()
	for range max(2, runtime.GOMAXPROCS(0)) {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.prepWorker(ctx) }()
	}
	s.mu.Unlock()
	// Every pair resolved so far, by Run or by a Lookup before it.
	s.startSlots(s.hosts.resolvedPairs())

	<-ctx.Done()
	s.wg.Wait()
	s.closeFinisher()
	finWG.Wait()
	s.closeOutbox()
	fwdWG.Wait()
	close(s.updates)
	return nil
}
