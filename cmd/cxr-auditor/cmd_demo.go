package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/internal/termhold"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/replay"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

const demoDescription = `Open the review workstation on the bundled demo: twelve synthetic chest
phantoms (drawn by code, not patients) with hand-written draft impressions
and hand-written "recorded" model outputs (not real model outputs), served
by an in-process imitation of Ollama. No GPU, no Ollama, no network.

The demo shows every kind of disagreement, three urgent ones (a missed
pneumothorax, a denied nodule, a pneumothorax kept from a truncated output),
a failed parse, DICOM and 16-bit images, a draft stage that thinks and a
draft carrying terminal escape sequences (neutralised).
docs/demo.md walks through it item by item.

Replies take 1 to 3 s per stage, like a local GPU (--fast: instant).
--draft-model rules reads the drafts with the rule labeler instead of the
recorded draft model: only the grounding is replayed.
Verdicts and notes are kept in a store beside the demo worklist
(DIR/worklist.cxr.db); --fresh deletes it first. --annotator, --blind and
--study work as in review, so a blind two-reader study with an
adjudicator can be tried without a GPU (README, "Reading studies").`

const demoExample = `
cxr-auditor demo --fresh`

// demoStatus is the status bar text of the demo workstation.
const demoStatus = "DEMO · synthetic phantoms · recorded outputs"

// The demo's files inside its directory.
const (
	demoWorklist  = "worklist.csv"
	demoRecording = "recorded.jsonl"
)

// errNotDemoStore is returned by --fresh for a store that holds items that
// are not the demo's: it is left alone.
var errNotDemoStore = errors.New("not the demo's own store")

// demoFlags are the demo command's settings.
type demoFlags struct {
	dir, db, annotator, graphics, study string
	draftModel                          string
	fast, fresh, blind, blindSet, ascii bool
	quality                             *qualityFlag
}

func newDemoCmd(e env) *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:     "demo",
		Short:   "open the workstation on the bundled synthetic demo (no GPU, no Ollama)",
		Long:    demoDescription,
		Example: demoExample,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: demo takes no arguments, got %q", errUsage, args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			hold := holdTerminal(e)
			defer hold.Release()
			f.blindSet = cmd.Flags().Changed("blind")
			f.ascii = wantASCII(e, cmd, f.ascii)
			return runDemo(cmd.Context(), e, f, hold)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", filepath.Join("testdata", "demo"), "demo DIR holding worklist.csv and recorded.jsonl")
	fl.StringVar(&f.db, "db", "", "store FILE (default: DIR/worklist.cxr.db)")
	fl.BoolVar(&f.fast, "fast", false, "reply instantly instead of taking 1-3 s per stage")
	fl.StringVar(&f.draftModel, "draft-model", prompts.DefaultDraftModel, "the recorded draft MODEL, or \"rules\" to read the drafts with the rule labeler (no model)")
	fl.BoolVar(&f.fresh, "fresh", false, "delete the demo's store first (only if it holds nothing but demo items)")
	fl.StringVar(&f.annotator, "annotator", "", "NAME recorded with every verdict and note (default: your login name)")
	fl.BoolVar(&f.blind, "blind", false, "hide other annotators' verdicts (a study's readers are blind unless --blind=false)")
	fl.StringVar(&f.study, "study", "", "review your share of the reading study NAME, as review --study does")
	fl.StringVar(&f.graphics, "graphics", "auto", "image PROTOCOL: auto, kitty, sixel, iterm2, blocks or text")
	f.quality = addQualityFlag(cmd)
	addASCIIFlag(cmd, &f.ascii)
	_ = cmd.RegisterFlagCompletionFunc("dir", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	})
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("graphics", completeWords(graphicsProtocols...))
	_ = cmd.RegisterFlagCompletionFunc("draft-model", completeWords(prompts.DefaultDraftModel, pipeline.RulesDraftModel))
	_ = cmd.RegisterFlagCompletionFunc("annotator", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("study", cobra.NoFileCompletions)
	return cmd
}

func runDemo(ctx context.Context, e env, f demoFlags, hold *termhold.Hold) error {
	if _, err := render.Choose(render.Caps{}, f.graphics); err != nil {
		return fmt.Errorf("%w: --graphics: %v", errUsage, err)
	}
	quality, err := pictureQuality(e, f.quality)
	if err != nil {
		return err
	}

	d, err := startDemo(ctx, f)
	if err != nil {
		return err
	}
	defer d.close()
	cfg := demoWorkstation(d, f)
	cfg.quality = quality
	cfg.hold = hold
	return openWorkstation(ctx, e, cfg)
}

// demoSession is a running demo: the replay server and the one host that
// talks to it.
type demoSession struct {
	worklist string
	db       string
	server   *replay.Server
	host     *ollama.Host
}

func (d *demoSession) close() { d.server.Close() }

// startDemo finds the demo files, applies --fresh, and starts the replay
// server. It writes nothing to stdout: the terminal belongs to the TUI.
func startDemo(ctx context.Context, f demoFlags) (*demoSession, error) {
	wl := filepath.Join(f.dir, demoWorklist)
	rec := filepath.Join(f.dir, demoRecording)
	for _, p := range []string{wl, rec} {
		if _, err := safefile.Regular(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("demo files not found: %s is missing; run it from the repository root or pass --dir", p)
			}
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	db := f.db
	if db == "" {
		db = store.DefaultPath(wl)
	}
	if f.fresh {
		if err := removeDemoStore(ctx, db, wl); err != nil {
			return nil, err
		}
	}
	opt := replay.DefaultOptions()
	if f.fast {
		opt = replay.Options{}
	}
	srv, err := replay.NewServer(ctx, wl, rec, opt)
	if err != nil {
		return nil, err
	}
	host, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	return &demoSession{worklist: wl, db: db, server: srv, host: host}, nil
}

// removeDemoStore deletes the store at db (with its WAL and shared-memory
// files) after confirming it is the demo's own: a cxr-auditor store whose
// items are all items of the demo worklist at wl, same id and same image
// file name (paths stored from another working directory differ).
// Anything else (another worklist's store, a file that is not a store) is
// refused and left untouched, and so is a store another session has open
// (store.ErrInUse). A missing store is not an error.
func removeDemoStore(ctx context.Context, db, wl string) error {
	st, err := os.Stat(db)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("--fresh: %w", err)
	case !st.Mode().IsRegular():
		return fmt.Errorf("--fresh: %s is %s, not the demo's store", db, safefile.Kind(st.Mode()))
	}
	list, err := worklist.Load(ctx, wl, worklist.AllowOutsidePaths())
	if err != nil {
		return fmt.Errorf("--fresh: %w", err)
	}
	images := make(map[string]string, len(list.Items))
	for _, it := range list.Items {
		images[it.ID] = filepath.Base(it.ImagePath)
	}
	s, err := store.Open(ctx, db, store.ReadOnly())
	if err != nil {
		return fmt.Errorf("--fresh: refusing to delete %s: %w", db, err)
	}
	items, err := s.Items(ctx)
	_ = s.Close()
	if err != nil {
		return fmt.Errorf("--fresh: refusing to delete %s: %w", db, err)
	}
	for _, it := range items {
		if img, ok := images[it.ID]; !ok || filepath.Base(it.Image) != img {
			return fmt.Errorf("--fresh: refusing to delete %s: %w (it holds item %q, image %s)", db, errNotDemoStore, it.ID, it.Image)
		}
	}
	// store.Remove deletes it only while no session has it open (checked
	// and deleted under an exclusive lock).
	if err := store.Remove(db); err != nil {
		if errors.Is(err, store.ErrInUse) {
			return fmt.Errorf("--fresh: refusing to delete %s while another session has it open (a review or demo still running?); quit it first: %w", db, err)
		}
		return fmt.Errorf("--fresh: %w", err)
	}
	return nil
}

// demoWorkstation is the workstation configuration of a demo session: the
// replay server as the only host, the demo's store, and the status bar
// saying the data are synthetic.
func demoWorkstation(d *demoSession, f demoFlags) workstationConfig {
	return workstationConfig{
		command:        "demo",
		queueAll:       true,
		worklist:       d.worklist,
		allowOutside:   true, // bundled data naming the shared phantoms in ../phantoms
		db:             d.db,
		hosts:          []*ollama.Host{d.host},
		groundingModel: prompts.DefaultGroundingModel,
		draftModel:     cmp.Or(f.draftModel, prompts.DefaultDraftModel),
		urgent:         schema.DefaultUrgent(),
		annotator:      f.annotator,
		blind:          f.blind,
		blindSet:       f.blindSet,
		study:          f.study,
		graphics:       f.graphics,
		extraStatus:    demoStatus,
		ascii:          f.ascii,
	}
}
