package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/internal/termhold"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/tui"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// workstationConfig is everything openWorkstation needs; review and demo
// fill it from their flags.
type workstationConfig struct {
	// command names the subcommand in messages ("review", "demo").
	command string
	// queueAll queues every item in the background, not only the focused
	// item and the --prefetch items after it. Reviewing a slice of a large
	// worklist should not keep a GPU busy on the rest; the demo and
	// --all want everything.
	queueAll bool
	// worklist is the worklist file or directory.
	worklist string
	// allowOutside lets the worklist name files outside its folder
	// (--allow-outside-paths; the bundled demo).
	allowOutside bool
	// db is the store file; "" means store.DefaultPath(worklist).
	db string
	// hosts serve both models (at least one).
	hosts                      []*ollama.Host
	groundingModel, draftModel string
	// prompts are the templates sent (--prompts); the zero Set means the
	// embedded ones.
	prompts prompts.Set
	// attempts is the retry ladder (--attempts; "" is served).
	attempts string
	// promptWarning, when set, says the grounding prompt is not the
	// model's own (a status bar badge).
	promptWarning string
	// annotator tags every verdict and note; "" means the login name.
	annotator string
	// blind hides other annotators' verdicts; blindSet says --blind was
	// given (a study reader is blind unless it was, explicitly false).
	blind, blindSet bool
	// study narrows the session to the annotator's share of a reading
	// study (narrowToStudy); "" for none.
	study string
	// graphics is "auto" (probe the terminal) or a protocol name.
	graphics string
	// quality is --picture-quality or CXR_AUDITOR_PICTURE_QUALITY ("":
	// auto, lean over SSH).
	quality render.Quality
	// urgent is the can't-miss whitelist (nil: nothing urgent); --urgent
	// and the demo start from schema.DefaultUrgent().
	urgent []schema.Label
	// prefetch is how many items ahead the pipeline runs first (0: 3).
	prefetch int
	// capacity is the calls in flight per model per host (0: 1).
	capacity int
	// extraStatus is shown in the status bar (say, that the data are a demo).
	extraStatus string
	// debug is a log file for the session ("" logs nowhere).
	debug string
	// size fixes the terminal size (tests, no terminal); 0 asks the terminal.
	width, height int
	// ascii draws every glyph in ASCII (--ascii, else tui.WantASCII).
	ascii bool
	// hold keeps the terminal quiet from the command's start until the
	// TUI takes it (holdTerminal); nil holds nothing.
	hold *termhold.Hold
}

// holdTerminal takes the terminal on stdin before any slow start-up work
// (loading the worklist, opening the store, the graphics probe, starting
// the demo's server): keys typed meanwhile are neither echoed onto the
// normal screen nor read later as commands. openWorkstation releases it
// just before Bubble Tea takes the terminal; the caller defers Release
// too, for the paths that return early. Off a terminal it holds nothing.
func holdTerminal(e env) *termhold.Hold {
	f, ok := e.stdin.(*os.File)
	if !ok {
		return nil
	}
	h, err := termhold.Start(int(f.Fd()))
	if err != nil {
		log.Printf("terminal: %v", err)
		return nil
	}
	return h
}

// wantASCII is --ascii when given, else what the environment asks for
// (CXR_AUDITOR_ASCII, or a locale that is not UTF-8).
func wantASCII(e env, cmd *cobra.Command, flag bool) bool {
	if cmd.Flags().Changed("ascii") {
		return flag
	}
	return tui.WantASCII(e.getenv)
}

// addASCIIFlag adds --ascii to a workstation command.
func addASCIIFlag(cmd *cobra.Command, ascii *bool) {
	cmd.Flags().BoolVar(ascii, "ascii", false,
		"draw every mark and arrow in ASCII, for terminals that lack the glyphs (default: $"+tui.EnvASCII+", else on when the locale is not UTF-8)")
}

// detectTimeout bounds the terminal graphics probe before the TUI starts.
const detectTimeout = time.Second

// openWorkstation runs the review workstation on cfg until the reviewer
// quits: it loads the worklist (bad rows are shown in the TUI, not fatal),
// opens the store, probes the terminal's graphics before Bubble Tea takes
// the terminal, starts the scheduler in a goroutine it owns (stopped and
// waited for on return), runs the TUI in the alternate screen and prints a
// one-line summary on exit.
func openWorkstation(ctx context.Context, e env, cfg workstationConfig) (err error) {
	if cfg.command == "" {
		cfg.command = "review"
	}
	if cfg.annotator == "" {
		cfg.annotator = loginName(e)
	}
	if cfg.graphics == "" {
		cfg.graphics = "auto"
	}
	if _, err := render.Choose(render.Caps{}, cfg.graphics); err != nil {
		return fmt.Errorf("%w: --graphics: %v", errUsage, err)
	}
	if len(cfg.hosts) == 0 {
		return errors.New("no Ollama host")
	}

	cfg.db = storeLocation(cfg.db, cfg.worklist, e.getenv)
	if err := checkStorePath(cfg.db); err != nil {
		return err
	}
	if cfg.debug != "" {
		if err := checkOutput("--debug", cfg.debug, append(storeFiles(cfg.db), protectedFile{"the worklist", cfg.worklist})...); err != nil {
			return err
		}
		if st, err := os.Stat(cfg.debug); err == nil && !st.Mode().IsRegular() {
			return fmt.Errorf("%w: --debug %s is %s, not a log file", errUsage, cfg.debug, safefile.Kind(st.Mode()))
		}
		f, err := tea.LogToFile(cfg.debug, "cxr-auditor")
		if err != nil {
			return fmt.Errorf("--debug: %w", err)
		}
		defer f.Close()
	} else {
		log.SetOutput(io.Discard)
	}

	var wlOpts []worklist.Option
	if cfg.allowOutside {
		wlOpts = append(wlOpts, worklist.AllowOutsidePaths())
	}
	wl, err := worklist.Load(ctx, cfg.worklist, wlOpts...)
	if err != nil {
		return err
	}
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
		// The TUI shows the first problem; this says why and what to do.
		problems = append(problems, outsideHint(outside))
	}
	if len(wl.Items) == 0 {
		return fmt.Errorf("worklist %s: no usable rows (%d skipped)", cfg.worklist, len(wl.Problems))
	}
	stOpts, err := storeOptions(e)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.db, stOpts...)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	items := wl.Items
	if cfg.study != "" {
		var more []string
		items, more, err = narrowToStudy(ctx, e, st, &cfg, items)
		if errors.Is(err, errNothingToReview) {
			return nil
		}
		if err != nil {
			return err
		}
		problems = append(problems, more...)
	}

	imager, err := newImager(ctx, e, cfg.graphics, cfg.quality)
	if err != nil {
		return err
	}

	sched, err := pipeline.NewScheduler(pipeline.Config{
		Hosts: cfg.hosts, GroundingModel: cfg.groundingModel, DraftModel: cfg.draftModel,
		Store: st, Urgent: cfg.urgent, Capacity: cfg.capacity, Prefetch: cfg.prefetch, Prompts: cfg.prompts, Attempts: cfg.attempts,
		Logf: func(format string, args ...any) { log.Printf("pipeline: "+format, args...) },
	})
	if err != nil {
		return err
	}
	// Known before the first frame, so the TUI's first Focus finds them;
	// cheap (no I/O), unlike queueing.
	sched.Register(items)

	var hostNames []string
	for _, h := range cfg.hosts {
		hostNames = append(hostNames, h.URL())
	}
	prefsFile := prefsPath(e)
	prefs, perr := loadPrefs(prefsFile)
	if perr != nil {
		problems = append(problems, perr.Error())
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	model := tui.New(runCtx, tui.Config{
		Items: items, Problems: problems, Store: st, Engine: sched, Imager: imager,
		Annotator: cfg.annotator, Blind: cfg.blind, Hosts: hostNames,
		GroundingModel: cfg.groundingModel, DraftModel: cfg.draftModel,
		Urgent: cfg.urgent, Prefetch: cfg.prefetch, Title: cfg.worklist, Extra: cfg.extraStatus,
		ASCII: cfg.ascii, UrgentFirst: prefs.UrgentFirst, Prompts: promptSources(cfg.prompts), PromptWarning: cfg.promptWarning,
	})

	opts := []tea.ProgramOption{tea.WithContext(runCtx), tea.WithInput(e.stdin), tea.WithOutput(e.stdout)}
	if cfg.width > 0 && cfg.height > 0 {
		opts = append(opts, tea.WithWindowSize(cfg.width, cfg.height))
	}
	// Images are patient data: say so before anything is sent, on stderr
	// (seen after the session) and in the workstation's message line.
	var insecure strings.Builder
	ollama.WarnInsecure(&insecure, cfg.hosts)
	if w := st.InsecureWarning(); w != "" {
		insecure.WriteString(w + "\n")
	}
	if insecure.Len() > 0 {
		fmt.Fprint(e.stderr, insecure.String())
	}

	prog := tea.NewProgram(model, opts...)

	// Hand the terminal over as it was: keys typed during start-up are
	// dropped (they were meant for a screen that was not there yet).
	typed, herr := cfg.hold.Release()
	if herr != nil {
		log.Printf("terminal: %v", herr)
	}

	// The goroutines below belong to this function: cancel stops them and
	// wg waits for them before it returns.
	var wg sync.WaitGroup
	var schedErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		// Both models are looked up on every host before any model call
		// (Run does not ask again): a model that cannot run anywhere is a
		// blocking message with its fix, no host answering is the offline
		// banner; cached results are served either way, and no /api/chat
		// goes to a model that is not there.
		if err := sched.Preflight(runCtx); err != nil && runCtx.Err() == nil {
			log.Printf("pipeline: %v", err)
			prog.Send(preflightMsg(err))
		}
		schedErr = sched.Run(runCtx)
	}()
	go func() {
		defer wg.Done()
		if insecure.Len() > 0 {
			prog.Send(tui.NoticeMsg{Text: strings.TrimSpace(insecure.String()), Err: true})
		} else if typed > 0 {
			prog.Send(tui.NoticeMsg{Text: fmt.Sprintf("ignored %d key(s) typed while starting", typed)})
		}
		// Remember the worklist (export, resume) and, with queueAll, queue
		// every item, off the path to the first frame. Otherwise the TUI's
		// Focus queues the current item and the ones ahead of it.
		recs := make([]audit.ItemRecord, len(wl.Items))
		for i, it := range wl.Items {
			recs[i] = audit.ItemRecord{ID: it.ID, Image: it.ImagePath, Draft: it.Draft, Seq: i}
		}
		if err := st.PutItems(runCtx, recs); err != nil && runCtx.Err() == nil {
			log.Printf("store: %v", err)
			prog.Send(tui.NoticeMsg{Text: "could not record the worklist in the store: " + err.Error(), Err: true})
		}
		if cfg.queueAll {
			sched.Submit(items)
		}
	}()

	_, runErr := prog.Run()
	cancel()
	wg.Wait()
	if schedErr != nil {
		log.Printf("pipeline: %v", schedErr)
	}

	// The annotator and the store's path are outside text.
	writeLine(e.stdout, "cxr-auditor %s: %d verdict(s) and %d note(s) saved this session as %s · store %s",
		cfg.command, model.SavedVerdicts(), model.SavedNotes(), cfg.annotator, st.Path())
	if model.UrgentFirst() != prefs.UrgentFirst {
		prefs.UrgentFirst = model.UrgentFirst()
		if err := savePrefs(prefsFile, prefs); err != nil {
			fmt.Fprintf(e.stderr, "cxr-auditor %s: could not remember urgent-first: %v\n", cfg.command, err)
		}
	}
	if n := model.Pending(); n > 0 {
		fmt.Fprintf(e.stderr, "cxr-auditor %s: %d change(s) were still being saved at exit and may be lost\n", cfg.command, n)
	}
	switch {
	case ctx.Err() != nil:
		// A signal (SIGINT, SIGTERM, SIGHUP) ended the session: Bubble
		// Tea has restored the terminal; exit like run does.
		return interruptedError(ctx)
	case runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled):
		return fmt.Errorf("workstation: %w", runErr)
	}
	return nil
}

// newImager probes the terminal (unless graphics names a protocol that
// needs no probe) and returns the imager for the chosen protocol, drawing
// at quality ("" leaves it to the environment: auto, lean over SSH).
func newImager(ctx context.Context, e env, graphics string, quality render.Quality) (tui.Imager, error) {
	caps, proto, err := imagerCaps(ctx, e, graphics, quality)
	if err != nil {
		return nil, err
	}
	enc, err := render.NewEncoder(proto, caps)
	if err != nil {
		return nil, err
	}
	return tui.NewRenderImager(enc, 4, 0), nil
}

// imagerCaps is the terminal's capabilities and the protocol newImager
// draws with.
func imagerCaps(ctx context.Context, e env, graphics string, quality render.Quality) (render.Caps, render.Protocol, error) {
	var caps render.Caps
	var proto render.Protocol
	var err error
	switch strings.ToLower(strings.TrimSpace(graphics)) {
	case "text", "blocks":
		proto = render.Protocol(strings.ToLower(strings.TrimSpace(graphics)))
		caps.TrueColor = strings.Contains(e.getenv("COLORTERM"), "truecolor") || strings.Contains(e.getenv("COLORTERM"), "24bit")
	default:
		caps, proto, err = probeGraphics(ctx, e, graphics)
		if err != nil {
			return caps, "", err
		}
	}
	if quality != "" {
		caps.Quality = quality
	}
	return caps, proto, nil
}

// probeGraphics asks the terminal on /dev/tty what it can draw (about a
// second at most) when stdout is a terminal; otherwise it uses the
// environment. An explicit protocol wins over the probe's choice, but the
// probe still supplies the cell size and sixel colour registers.
func probeGraphics(ctx context.Context, e env, graphics string) (render.Caps, render.Protocol, error) {
	// Off a terminal, what the environment says of the link still counts
	// (SSH, CXR_AUDITOR_PICTURE_QUALITY), as for render.
	ec := render.EnvCaps(e.getenv)
	caps := render.Caps{Remote: ec.Remote, Quality: ec.Quality, KittyPlaceholders: ec.KittyPlaceholders}
	if isTerminal(e.stdout) {
		if tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
			caps, err = render.DetectTTY(ctx, tty, e.getenv, detectTimeout)
			tty.Close()
			if err != nil {
				log.Printf("graphics probe: %v", err)
			}
		}
	} else if p := strings.TrimSpace(e.getenv(render.EnvGraphics)); p != "" {
		proto, err := render.Choose(caps, p)
		if err != nil {
			return caps, "", fmt.Errorf("%s: %w", render.EnvGraphics, err)
		}
		caps.Protocol = proto
	}
	proto, err := render.Choose(caps, graphics)
	if err != nil {
		return caps, "", fmt.Errorf("%w: --graphics: %v", errUsage, err)
	}
	return caps, proto, nil
}

// loginName is the default annotator: the login name, else $USER, else
// "reviewer".
func loginName(e env) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := e.getenv("USER"); u != "" {
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

// promptSources maps the digest of each template in use to where it came
// from, for the raw viewer.
func promptSources(s prompts.Set) map[string]string {
	s = s.Complete()
	out := map[string]string{}
	for _, t := range []prompts.Template{s.Grounding, s.Draft, s.Corrective, s.DraftSystem} {
		out[t.Digest] = t.Name + ", " + t.Source
	}
	return out
}
