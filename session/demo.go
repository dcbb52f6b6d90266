package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/replay"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// DemoStatus is the status bar text of the demo workstation.
const DemoStatus = "DEMO · synthetic phantoms · recorded outputs"

// The demo's files inside its directory.
const (
	DemoWorklist  = "worklist.csv"
	DemoRecording = "recorded.jsonl"
)

// ErrNotDemoStore is returned by Fresh for a store that holds items that
// are not the demo's: it is left alone.
var ErrNotDemoStore = errors.New("not the demo's own store")

// DemoOptions say where the demo is and how it starts.
type DemoOptions struct {
	// Dir holds worklist.csv and recorded.jsonl.
	Dir string
	// DB is the store ("": DIR/worklist.cxr.db).
	DB string
	// Fast replies at once instead of taking 1-3 s per stage.
	Fast bool
	// Fresh deletes the demo's store first (only if it holds nothing but
	// demo items).
	Fresh bool
	// Compare runs both recorded grounding models first and opens the
	// workstation comparing their runs.
	Compare bool
}

// Demo is a running demo: the replay server and the one host that talks
// to it.
type Demo struct {
	Worklist string
	DB       string
	Host     *ollama.Host
	server   *replay.Server
	// recording is the recording the server replays.
	recording string
}

// Close stops the replay server.
func (d *Demo) Close() { d.server.Close() }

// Calls is how many chats the replay server has answered for model.
func (d *Demo) Calls(model string) int { return d.server.Calls(model) }

// RunDemo starts the demo and runs the workstation on it until the
// reviewer quits; cfg holds the reviewer's settings (annotator, study,
// graphics, ...), the rest is the demo's.
func RunDemo(ctx context.Context, env Env, opt DemoOptions, cfg WorkstationConfig) error {
	if cfg.Width == 0 {
		if err := needTerminal(env, "demo"); err != nil {
			return err
		}
	}
	d, err := StartDemo(ctx, opt)
	if err != nil {
		return err
	}
	defer d.Close()
	if opt.Compare {
		if cfg.Compare, err = demoCompare(ctx, env, d, cmp.Or(cfg.DraftModel, prompts.DefaultDraftModel)); err != nil {
			return err
		}
	}
	return Workstation(ctx, env, d.Workstation(cfg))
}

// StartDemo finds the demo files, applies Fresh, and starts the replay
// server. It writes nothing to stdout: the terminal belongs to the TUI.
func StartDemo(ctx context.Context, opt DemoOptions) (*Demo, error) {
	wl := filepath.Join(opt.Dir, DemoWorklist)
	rec := filepath.Join(opt.Dir, DemoRecording)
	for _, p := range []string{wl, rec} {
		if _, err := safefile.Regular(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("demo files not found: %s is missing; run it from the repository root or pass --dir", p)
			}
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	db := opt.DB
	if db == "" {
		db = store.DefaultPath(wl)
	}
	if opt.Fresh {
		if err := removeDemoStore(ctx, db, wl); err != nil {
			return nil, err
		}
	}
	ro := replay.DefaultOptions()
	if opt.Fast {
		ro = replay.Options{}
	}
	// The first frame waits for no decode: each image is prepared when
	// its first grounding request comes.
	ro.LazyImages = true
	srv, err := replay.NewServer(ctx, wl, rec, ro)
	if err != nil {
		return nil, err
	}
	host, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	return &Demo{Worklist: wl, DB: db, server: srv, Host: host, recording: rec}, nil
}

// Workstation is cfg made the demo's: the replay server as the only
// host, the demo's store, every item queued, the default urgent list,
// and the status bar saying the data are synthetic. The reviewer's
// settings in cfg are kept, and its draft model when set (the recorded
// one, or "rules" for the rule labeler).
func (d *Demo) Workstation(cfg WorkstationConfig) WorkstationConfig {
	cfg.Command = "demo"
	cfg.QueueAll = true
	cfg.Worklist = d.Worklist
	cfg.AllowOutside = true // bundled data naming the shared phantoms in ../phantoms
	cfg.DB = d.DB
	cfg.Hosts = []*ollama.Host{d.Host}
	cfg.GroundingModel = prompts.DefaultGroundingModel
	cfg.DraftModel = cmp.Or(cfg.DraftModel, prompts.DefaultDraftModel) // or "rules"
	cfg.Urgent = schema.DefaultUrgent()
	cfg.Extra = DemoStatus
	cfg.EmbeddedPromptOK = true // the recorded outputs answer the embedded prompts
	return cfg
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
	if err := demoItemsOnly(ctx, db, wl); err != nil {
		return err
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

// demoItemsOnly refuses a store at db holding an item the demo worklist
// at wl does not have (by id and image file name).
func demoItemsOnly(ctx context.Context, db, wl string) error {
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
			return fmt.Errorf("--fresh: refusing to delete %s: %w (it holds item %q, image %s)", db, ErrNotDemoStore, it.ID, it.Image)
		}
	}
	return nil
}
