package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// Read is how Open reads the worklist.
type Read int

const (
	// ReadScan reads the worklist through once, reporting each bad row on
	// stderr and keeping none (Session.Counts): a batch run reads it again
	// as it takes its items, so memory does not grow with it.
	ReadScan Read = iota
	// ReadWhole loads every item (Session.List); bad rows are kept for the
	// workstation to show, and a worklist without a usable row is an
	// error.
	ReadWhole
	// ReadBackground reads the worklist's first rows (Session.List), then
	// the rest on a goroutine of Session.Loading while the workstation
	// shows them; a worklist read whole by then is as with ReadWhole.
	ReadBackground
)

// Output is a file a session writes (--out, --debug): Open refuses one
// that names the store or the worklist.
type Output struct {
	Flag string // "--out"
	Path string
}

// Config is what Open needs; the commands fill it from their flags.
type Config struct {
	// Command names the subcommand in messages ("run", "review", "demo").
	Command string
	// Worklist is the worklist file or folder; AllowOutside lets it name
	// files outside its folder (--allow-outside-paths, the bundled demo).
	Worklist     string
	AllowOutside bool
	// Truth is a ground-truth source besides the worklist's own truth
	// column (--truth): a truth file (JSONL of {id, findings}) or another
	// worklist with truth. Its rows replace the worklist's truth by id; ""
	// for none.
	Truth string
	// DB is the store (--db); "" means StoreLocation's default.
	DB string
	// Read is how the worklist is read.
	Read Read
	// Outputs are the files the session will write.
	Outputs []Output
	// Hosts serve both models (at least one).
	Hosts                      []*ollama.Host
	GroundingModel, DraftModel string
	// Prompts are the templates sent (--prompts); the zero Set means the
	// embedded ones. EmbeddedPromptOK silences the warning that the
	// grounding prompt is cxr-auditor's own (PromptWarning).
	Prompts          prompts.Set
	EmbeddedPromptOK bool
	// Attempts is the retry ladder (--attempts; "" is served).
	Attempts string
	// Limit and IDs keep a subset of the worklist's good rows (run
	// --limit, --ids): the first Limit of them (0: all), those with one of
	// IDs (nil: all).
	Limit int
	IDs   []string
	// RetryFailed calls the models again for stages whose stored record is
	// a failure the same call would repeat (--retry-failed), instead of
	// serving it from the store.
	RetryFailed bool
	// Urgent is the can't-miss whitelist (nil: nothing urgent); --urgent
	// and the demo start from schema.DefaultUrgent().
	Urgent []schema.Label
	// Capacity is the calls in flight per model per host (0: 1); Prefetch
	// how many items ahead of the focused one run first (0: 3).
	Capacity, Prefetch int
	// AutoCapacity tunes the calls in flight of each host's model from
	// what its calls measure (run's default, --jobs auto), up to Capacity
	// (0: pipeline.MaxAutoCapacity).
	AutoCapacity bool
	// Screen says the session draws on the terminal (the workstation):
	// the log package must not write there, so it writes to Debug, or
	// nowhere when Debug is "".
	Screen bool
	Debug  string
}

// Session is an open store with its worklist, and the scheduler that
// runs the models over it once Schedule made it. Close releases them.
type Session struct {
	env Env
	cfg Config
	// DB is the store's location, resolved (StoreLocation).
	DB string
	// Store is the open store.
	Store *store.Store
	// Counts are the worklist's items and bad rows (ReadScan).
	Counts worklist.ScanCounts
	// List is the worklist (ReadWhole); with ReadBackground, its first
	// rows while Loading is not nil.
	List worklist.List
	// Loading reads the rest of the worklist (ReadBackground); nil when
	// it was read whole. Close stops it.
	Loading *worklist.Background
	// Sched is the scheduler, nil until Schedule.
	Sched *pipeline.Scheduler

	truth    *truthByID // Config.Truth read, nil without
	debugLog io.Closer
}

// Open resolves the store's location, refuses outputs that would destroy
// the store or the worklist and a store path that is not a file, sets up
// the log (Screen), reads the worklist and opens the store, in that
// order: the first failure ends it, with nothing left open.
func Open(ctx context.Context, env Env, cfg Config) (*Session, error) {
	s := &Session{env: env, cfg: cfg, DB: StoreLocation(cfg.DB, cfg.Worklist, env.Getenv)}
	if err := s.open(ctx); err != nil {
		s.stopLoading()
		s.closeLog()
		return nil, err
	}
	return s, nil
}

func (s *Session) open(ctx context.Context) error {
	cfg := s.cfg
	protected := append(StoreFiles(s.DB), Protected{"the worklist", cfg.Worklist})
	if cfg.Truth != "" {
		protected = append(protected, Protected{"the truth", cfg.Truth})
	}
	for _, o := range cfg.Outputs {
		if o.Path == "" || o.Flag == "--debug" {
			continue
		}
		if err := CheckOutput(o.Flag, o.Path, protected...); err != nil {
			return err
		}
	}
	if err := CheckStorePath(s.DB); err != nil {
		return err
	}
	if err := s.openLog(protected); err != nil {
		return err
	}
	if err := s.read(ctx); err != nil {
		return err
	}
	if err := s.loadTruth(ctx); err != nil {
		return err
	}
	opts, err := StoreOptions(s.env.Getenv)
	if err != nil {
		return err
	}
	s.Store, err = store.Open(ctx, s.DB, opts...)
	return err
}

// openLog points the log package at the debug file of a session that
// draws on the terminal, or nowhere.
func (s *Session) openLog(protected []Protected) error {
	if !s.cfg.Screen {
		return nil
	}
	path := s.cfg.Debug
	if path == "" {
		log.SetOutput(io.Discard)
		return nil
	}
	if err := CheckOutput("--debug", path, protected...); err != nil {
		return err
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("%w: --debug %s is %s, not a log file", ErrUsage, path, safefile.Kind(st.Mode()))
	}
	f, err := tea.LogToFile(path, "cxr-auditor")
	if err != nil {
		return fmt.Errorf("--debug: %w", err)
	}
	s.debugLog = f
	return nil
}

func (s *Session) closeLog() {
	if s.debugLog != nil {
		s.debugLog.Close()
		s.debugLog = nil
	}
}

// read reads the worklist as cfg.Read says.
func (s *Session) read(ctx context.Context) error {
	var err error
	switch s.cfg.Read {
	case ReadScan:
		s.Counts, err = CheckWorklist(ctx, s.env.Stderr, s.cfg.Command, s.cfg.Worklist, s.cfg.WorklistOptions()...)
	case ReadWhole, ReadBackground:
		if s.cfg.Read == ReadBackground {
			err = s.readBackground(ctx)
		} else {
			s.List, err = worklist.Load(ctx, s.cfg.Worklist, s.cfg.WorklistOptions()...)
		}
		if err == nil && len(s.List.Items) == 0 {
			err = fmt.Errorf("worklist %s: no usable rows (%d skipped)", s.cfg.Worklist, len(s.List.Problems))
		}
	}
	return err
}

// LoadWhole loads the whole worklist after a ReadScan (whose bad rows
// were reported then).
func (s *Session) LoadWhole(ctx context.Context) error {
	var err error
	s.List, err = worklist.Load(ctx, s.cfg.Worklist, s.cfg.WorklistOptions()...)
	if err == nil && s.truth != nil {
		s.truth.apply(s.List.Items)
	}
	return err
}

// Schedule makes the session's scheduler: the hosts, models, prompts,
// urgent list and capacities of its Config, warnings to logf (and other
// notes, such as the calls in flight AutoCapacity chose, to notef; nil:
// logf), and, with batch, outcomes committed in groups.
func (s *Session) Schedule(logf, notef func(format string, args ...any), batch pipeline.OutcomeBatcher) error {
	cfg := s.cfg
	if notef == nil {
		notef = logf
	}
	pc := pipeline.Config{
		Hosts: cfg.Hosts, GroundingModel: cfg.GroundingModel, DraftModel: cfg.DraftModel,
		Store: s.Store, Batch: batch, Urgent: cfg.Urgent, Capacity: cfg.Capacity, Prefetch: cfg.Prefetch,
		AutoCapacity: cfg.AutoCapacity, Notef: notef,
		Prompts: cfg.Prompts, Attempts: cfg.Attempts, RetryFailed: cfg.RetryFailed, Logf: logf,
	}
	var err error
	s.Sched, err = pipeline.NewScheduler(pc)
	return err
}

// HostWarning is the warning owed before images go to a host over plain
// http beyond this machine ("" when none does), one line.
func (s *Session) HostWarning() string {
	var b strings.Builder
	ollama.WarnInsecure(&b, s.cfg.Hosts)
	return b.String()
}

// PromptWarning is the warning owed when the grounding prompt is
// cxr-auditor's own ("" otherwise, or when silenced).
func (s *Session) PromptWarning() string {
	return PromptWarning(s.cfg.Prompts, s.cfg.EmbeddedPromptOK, s.env.Getenv)
}

// StoreWarning is the warning owed when the store is reached without
// TLS ("" otherwise), without a line end.
func (s *Session) StoreWarning() string { return s.Store.InsecureWarning() }

// HostURLs are the hosts' URLs, in order.
func (s *Session) HostURLs() []string {
	out := make([]string, len(s.cfg.Hosts))
	for i, h := range s.cfg.Hosts {
		out[i] = h.URL()
	}
	return out
}

// Close closes the store and the debug log; the store's error is
// returned.
func (s *Session) Close() error {
	defer s.closeLog()
	s.stopLoading()
	if s.Store == nil {
		return nil
	}
	return s.Store.Close()
}

// ModelsMissing reports whether a preflight error says a model cannot run
// on any host (fatal for a batch run, a blocking message on screen), as
// against no host answering (the session goes on with what is cached).
func ModelsMissing(err error) bool {
	var me *ollama.ModelError
	return errors.As(err, &me)
}
