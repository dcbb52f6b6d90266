package session

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os/user"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termhold"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/tui"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// WorkstationConfig is what Workstation needs: the session's Config (its
// worklist read whole, on the screen) and the reviewer's settings; review
// and demo fill it from their flags.
type WorkstationConfig struct {
	Config
	// QueueAll queues every item in the background, not only the focused
	// item and the Prefetch items after it. Reviewing a slice of a large
	// worklist should not keep a GPU busy on the rest; the demo and --all
	// want everything.
	QueueAll bool
	// Annotator tags every verdict and note; "" means the login name.
	Annotator string
	// Blind hides other annotators' verdicts; BlindSet says --blind was
	// given (a study reader is blind unless it was, explicitly false).
	Blind, BlindSet bool
	// Study narrows the session to the annotator's share of a reading
	// study; "" for none.
	Study string
	// Graphics is "auto" (probe the terminal) or a protocol name.
	Graphics string
	// Quality is the picture quality ("": auto, lean over SSH).
	Quality render.Quality
	// Extra is shown in the status bar (say, that the data are a demo).
	Extra string
	// Width and Height fix the terminal size (tests, no terminal); 0 asks
	// the terminal.
	Width, Height int
	// ASCII draws every glyph in ASCII.
	ASCII bool
	// Hold keeps the terminal quiet from the command's start until the
	// TUI takes it (HoldTerminal); nil holds nothing.
	Hold *termhold.Hold
	// Compare names two runs of the store (ParseCompare): the workstation
	// compares them.
	Compare []string
	// Keys names a built-in key profile ("ohif") or a key map file; ""
	// is the default map. The reader's key file applies on top (KeyMapFor).
	Keys   string
	keyMap tui.KeyMap
	// settled is, for a study adjudicator, the units the readers agreed
	// on (tui.Config.Settled); set by narrowToStudy.
	settled map[string]map[string]audit.Decision
	// roles is, for a study adjudicator, who judges the study's units
	// (tui.Config.Study); set by narrowToStudy.
	roles *tui.StudyRoles
	// reader: a study reader (tui.Config.Reader).
	reader bool
}

// Workstation runs the review workstation on cfg until the reviewer
// quits: it opens the session (bad worklist rows are shown in the TUI,
// not fatal), probes the terminal's graphics before Bubble Tea takes the
// terminal, starts the scheduler in a goroutine it owns (stopped and
// waited for on return), runs the TUI in the alternate screen and prints
// a one-line summary on exit.
func Workstation(ctx context.Context, env Env, cfg WorkstationConfig) (err error) {
	if err := cfg.prepare(env); err != nil {
		return err
	}
	s, err := Open(ctx, env, cfg.Config)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	items, index, problems := s.List.Items, s.List.Index, rowProblems(s.List)
	if cfg.Study != "" {
		index = nil // the study's share: New indexes it
		var more []string
		items, more, err = narrowToStudy(ctx, env, s.Store, &cfg, items)
		if errors.Is(err, errNothingToReview) {
			return nil
		}
		if err != nil {
			return err
		}
		problems = append(problems, more...)
	}
	var cmpCfg *tui.CompareConfig
	if len(cfg.Compare) == 2 {
		if cmpCfg, err = loadCompare(ctx, s.Store, cfg.Compare); err != nil {
			return err
		}
	}
	imager, caps, err := newImager(ctx, env, cfg.Graphics, cfg.Quality)
	if err != nil {
		return err
	}
	if err := s.Schedule(func(format string, args ...any) { log.Printf("pipeline: "+format, args...) }, nil, nil); err != nil {
		return err
	}
	// Known before the first frame, so the TUI's first Focus finds them;
	// cheap (no I/O, and no copy of a big worklist), unlike queueing.
	var tindex tui.ItemIndex
	switch {
	case s.Loading != nil: // the rows read so far, and more as they come
		tindex = s.Loading
		s.Sched.RegisterLookup(s.Loading.Item)
	case index != nil:
		tindex = index
		s.Sched.RegisterLookup(lookupIn(items, index))
	default:
		s.Sched.Register(items)
	}
	w := &bench{env: env, cfg: cfg, s: s, items: items, index: tindex, compare: cmpCfg, caps: caps}
	return w.run(ctx, problems, imager)
}

// lookupIn finds an item by id through index, its position in items.
func lookupIn(items []audit.Item, index *worklist.IDIndex) func(string) (audit.Item, bool) {
	return func(id string) (audit.Item, bool) {
		i, ok := index.Find(id)
		if !ok || i < 0 || i >= len(items) {
			return audit.Item{}, false
		}
		return items[i], true
	}
}

// prepare fills in the defaults and refuses what cannot work before
// anything is opened.
func (cfg *WorkstationConfig) prepare(env Env) error {
	if cfg.Command == "" {
		cfg.Command = "review"
	}
	if cfg.Annotator == "" {
		cfg.Annotator = LoginName(env)
	}
	if cfg.Graphics == "" {
		cfg.Graphics = "auto"
	}
	if err := CheckGraphics(cfg.Graphics); err != nil {
		return err
	}
	if cfg.Width == 0 {
		if err := needTerminal(env, cfg.Command); err != nil {
			return err
		}
	}
	km, err := KeyMapFor(env, cfg.Keys)
	if err != nil {
		return err
	}
	cfg.keyMap = km
	if len(cfg.Hosts) == 0 {
		return errors.New("no Ollama host")
	}
	cfg.Read, cfg.Screen = ReadWhole, true
	if cfg.canReadBehind() {
		cfg.Read = ReadBackground
	}
	if cfg.Debug != "" {
		cfg.Outputs = append(cfg.Outputs, Output{"--debug", cfg.Debug})
	}
	return nil
}

// rowProblems are the worklist's bad rows in words, for the status line,
// each logged too; the TUI shows the first, so a last line says why rows
// naming files outside the folder were refused and what to do.
func rowProblems(wl worklist.List) []string {
	var problems []string
	outside := 0
	for _, p := range wl.Problems {
		problems = append(problems, p.Error())
		log.Printf("worklist: skipped row: %v", p)
		if errors.Is(p, worklist.ErrOutsideFolder) {
			outside++
		}
	}
	if outside > 0 {
		problems = append(problems, OutsideHint(outside))
	}
	return problems
}

// bench is a running workstation: the session, the TUI and the
// goroutines that feed it.
type bench struct {
	env   Env
	cfg   WorkstationConfig
	s     *Session
	items []audit.Item
	index tui.ItemIndex // the items' positions by id; nil: tui.New builds it
	model *tui.Model
	prog  *tea.Program
	prefs prefsFile
	// compare is the comparison of two runs; nil outside compare mode.
	compare *tui.CompareConfig
	// caps is what the probe found of the terminal: its colours, and
	// whether it runs in tmux (which repaints over pictures).
	caps render.Caps
	// draftsPath keeps the note drafts of a session a signal stops.
	draftsPath string
	// readOn is closed when the TUI's first frame is drawn (feed).
	readOn chan struct{}
}

// run starts the TUI, feeds it until the reviewer quits (or a signal
// stops it), and says what the session saved.
func (w *bench) run(ctx context.Context, problems []string, imager tui.Imager) error {
	w.prefs = loadPrefsFile(w.env)
	if w.prefs.err != nil {
		problems = append(problems, w.prefs.err.Error())
	}
	w.draftsPath = draftsPath(w.env, w.s.Store.Path(), w.cfg.Annotator)
	drafts, derr := takeDrafts(w.draftsPath)
	if derr != nil {
		problems = append(problems, derr.Error())
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	tcfg := w.tuiConfig(problems, imager)
	tcfg.NoteDrafts = drafts
	if w.s.Loading != nil {
		tcfg.ReadOn = w.readOnOnce()
	}
	w.model = tui.New(runCtx, tcfg)
	opts := []tea.ProgramOption{tea.WithContext(runCtx), tea.WithInput(w.env.Stdin), tea.WithOutput(w.env.Stdout)}
	if w.cfg.Width > 0 && w.cfg.Height > 0 {
		opts = append(opts, tea.WithWindowSize(w.cfg.Width, w.cfg.Height))
	}
	// Images are patient data: say so before anything is sent, on stderr
	// (seen after the session) and in the workstation's message line.
	warning := w.s.HostWarning()
	if sw := w.s.StoreWarning(); sw != "" {
		warning += sw + "\n"
	}
	if warning != "" {
		fmt.Fprint(w.env.Stderr, warning)
	}
	w.prog = tea.NewProgram(w.model, opts...)

	// Hand the terminal over as it was: keys typed during start-up are
	// dropped (they were meant for a screen that was not there yet).
	typed, herr := w.cfg.Hold.Release()
	if herr != nil {
		log.Printf("terminal: %v", herr)
	}
	// The goroutines belong to run: cancel stops them, wg waits for them.
	var wg sync.WaitGroup
	var schedErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		schedErr = w.schedule(runCtx)
	}()
	go func() {
		defer wg.Done()
		w.start(runCtx, warning, typed)
	}()
	if w.s.Loading != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.feed(runCtx)
		}()
	}
	_, runErr := w.prog.Run()
	cancel()
	w.s.stopLoading() // quit while the worklist is read: the read ends now
	wg.Wait()
	if schedErr != nil {
		log.Printf("pipeline: %v", schedErr)
	}
	return w.finish(ctx, runErr)
}

func (w *bench) tuiConfig(problems []string, imager tui.Imager) tui.Config {
	cfg := w.cfg
	st := newBenchStore(w.s.Store, cfg.Study)
	if w.compare != nil {
		w.compare.Save, w.compare.Undo = st.SaveCompareVerdict, st.UndoCompareVerdict
	}
	return tui.Config{
		Items: w.items, Index: w.index, Loading: w.s.Loading != nil, Problems: problems, Store: st, Engine: w.s.Sched, Imager: imager,
		Annotator: cfg.Annotator, Blind: cfg.Blind, Settled: cfg.settled, Study: cfg.roles, Reader: cfg.reader, Hosts: w.s.HostURLs(),
		GroundingModel: cfg.GroundingModel, DraftModel: cfg.DraftModel,
		Urgent: cfg.Urgent, Prefetch: cfg.Prefetch, Title: cfg.Worklist, Extra: cfg.Extra,
		ASCII: cfg.ASCII, UrgentFirst: w.prefs.UrgentFirst, Compare: w.compare, Prompts: promptSources(cfg.Prompts), PromptWarning: w.s.PromptWarning(),
		KeyMap: &cfg.keyMap, Palette: w.caps.Palette, RedrawOnFocus: w.caps.InTmux,
	}
}

// schedule looks both models up on every host before any model call
// (Run does not ask again): a model that cannot run anywhere is a
// blocking message with its fix, no host answering is the offline
// banner; cached results are served either way, and no /api/chat goes to
// a model that is not there. Then it runs the scheduler until ctx ends.
func (w *bench) schedule(ctx context.Context) error {
	if err := w.s.Sched.Preflight(ctx); err != nil && ctx.Err() == nil {
		log.Printf("pipeline: %v", err)
		w.prog.Send(preflightMsg(err))
	}
	return w.s.Sched.Run(ctx)
}

// start says the warning (or the keys dropped at start-up) in the
// message line, remembers the worklist in the store (export, resume) and,
// with QueueAll, queues every item, off the path to the first frame.
// Otherwise the TUI's Focus queues the current item and the ones ahead.
func (w *bench) start(ctx context.Context, warning string, typed int) {
	if warning != "" {
		w.prog.Send(tui.NoticeMsg{Text: strings.TrimSpace(warning), Err: true})
	} else if typed > 0 {
		w.prog.Send(tui.NoticeMsg{Text: fmt.Sprintf("ignored %s typed while starting", tui.Count(typed, "key"))})
	}
	// A chunk at a time, as run does: a big worklist is not copied whole
	// into records while the first frames are drawn. A worklist still
	// being read is recorded as it comes (feed).
	if w.s.Loading == nil {
		_ = w.record(ctx, w.s.List.Items, 0)
	}
	if w.cfg.QueueAll {
		w.s.Sched.Submit(w.items)
	}
}

// finish prints the session's summary, remembers the reviewer's choices
// and turns how the TUI ended into the command's error.
func (w *bench) finish(ctx context.Context, runErr error) error {
	cmd := w.cfg.Command
	// The annotator and the store's path are outside text.
	WriteLine(w.env.Stdout, "cxr-auditor %s: %s and %s saved this session as %s · store %s",
		cmd, tui.Count(w.model.SavedVerdicts(), "verdict"), tui.Count(w.model.SavedNotes(), "note"), w.cfg.Annotator, w.s.Store.Path())
	if w.model.UrgentFirst() != w.prefs.UrgentFirst {
		w.prefs.UrgentFirst = w.model.UrgentFirst()
		if err := savePrefs(w.prefs.path, w.prefs.workstationPrefs); err != nil {
			fmt.Fprintf(w.env.Stderr, "cxr-auditor %s: could not remember urgent-first: %v\n", cmd, err)
		}
	}
	if n := w.model.Pending(); n > 0 {
		fmt.Fprintf(w.env.Stderr, "cxr-auditor %s: %s still being saved at exit may be lost\n", cmd, tui.Count(n, "change"))
	}
	if err := w.s.Store.Check(); err != nil {
		return storeLost(w.env.Stderr, cmd, w.s.Store, err, false)
	}
	switch {
	case ctx.Err() != nil:
		// A signal (SIGINT, SIGTERM, SIGHUP) ended the session: Bubble
		// Tea has restored the terminal; exit like run does.
		w.keepDrafts()
		return Interrupted(ctx)
	case runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled):
		return fmt.Errorf("workstation: %w", runErr)
	}
	return nil
}

// LoginName is the default annotator: the login name, else $USER, else
// "reviewer".
func LoginName(env Env) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := env.Getenv("USER"); u != "" {
		return u
	}
	return "reviewer"
}

// preflightMsg turns the scheduler's preflight error into what the
// workstation shows: a model that cannot run anywhere blocks (each fix on
// a line of its own); no host answering is offline; anything else is an
// error in the message line.
func preflightMsg(err error) tea.Msg {
	var me *ollama.ModelError
	switch {
	case errors.As(err, &me):
		return tui.ModelsMsg{Blocked: strings.ReplaceAll(err.Error(), "; fix: ", "\nfix: ")}
	case errors.Is(err, ollama.ErrUnreachable):
		return tui.ModelsMsg{Offline: true, Detail: err.Error()}
	}
	return tui.NoticeMsg{Text: "model hosts: " + err.Error(), Err: true}
}
