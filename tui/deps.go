package tui

import (
	"context"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Store is what the workstation needs of the persistent store. *store.Store
// satisfies it. Every method may block on disk and is only ever called from
// a tea.Cmd.
type Store interface {
	// ResultSummaries calls fn with the summary of every item's latest
	// result (status, error, urgency, the number of disagreements), in one
	// streaming query: it is how the workstation shows cached results at
	// once on open, without decoding a million reports (an item's full
	// result is looked up when it is opened, Engine.Lookup). An error from
	// fn stops it and is returned.
	ResultSummaries(ctx context.Context, fn func(audit.ResultSummary) error) error
	// SaveVerdict persists v; the verdict is durable when it returns.
	SaveVerdict(ctx context.Context, v audit.Verdict) (audit.Verdict, error)
	// UndoLastVerdict withdraws annotator's most recent live verdict.
	UndoLastVerdict(ctx context.Context, annotator string) (audit.Verdict, bool, error)
	// Verdicts returns the current verdicts of one item ("" = all annotators).
	Verdicts(ctx context.Context, itemID, annotator string) ([]audit.Verdict, error)
	// AllVerdicts returns the current verdicts of all items.
	AllVerdicts(ctx context.Context, annotator string) ([]audit.Verdict, error)
	// SaveNote persists n; the note is durable when it returns.
	SaveNote(ctx context.Context, n audit.Note) (audit.Note, error)
	// Notes returns the current note per annotator of one item.
	Notes(ctx context.Context, itemID, annotator string) ([]audit.Note, error)
}

// Engine is what the workstation needs of the model pipeline.
// *pipeline.Scheduler satisfies it; its Run loop is owned by the caller.
type Engine interface {
	// Focus moves id to the front of the queue, then ahead (prefetch).
	Focus(id string, ahead []string)
	// Rerun runs the item again, ignoring the cache.
	Rerun(item audit.Item)
	// Updates delivers progress; the workstation reads it one event per
	// command for as long as it runs.
	Updates() <-chan audit.Update
	// Lookup returns the cached complete result of item without running
	// anything (used to load the raw outputs and findings of an item whose
	// summary came from Store.Results).
	Lookup(ctx context.Context, item audit.Item) (*audit.Result, bool)
}

// Imager draws an item's radiograph for the terminal. It decodes (and may
// cache) the image, applies the window, draws the overlays and encodes for
// the protocol it was built for. Encode is only ever called from a tea.Cmd
// and must be safe for concurrent use.
type Imager interface {
	// Protocol names the graphics protocol in use ("sixel", "kitty",
	// "iterm2", "blocks", "text"), shown in the status bar.
	Protocol() string
	// Encode draws req into a Picture that fits req.Cols x req.Rows cells.
	Encode(ctx context.Context, req ImageRequest) (Picture, error)
}

// ImageRequest asks an Imager for one picture.
type ImageRequest struct {
	// ItemID and Path name the item and its (resolved) image file.
	ItemID string
	Path   string
	// Cols and Rows bound the picture, in terminal cells.
	Cols, Rows int
	// Overlays are the boxes to draw (empty when boxes are toggled off),
	// normalized to the whole image: the Imager maps them onto the region
	// shown.
	Overlays []Overlay
	// View is how to show the image: window, inversion, zoom.
	View ImageView
}

// Overlay is one box drawn on the image.
type Overlay struct {
	Box   schema.Box
	Label schema.Label
	// Urgent boxes are drawn in the urgent colour.
	Urgent bool
	// Selected emphasises the box of the selected disagreement.
	Selected bool
	// Tag is a short mark drawn beside the box: the disagreement's number
	// in the disagreement pane, so reviewers can match box and row.
	Tag string
	// Stroke is the outline's line (solid by default): boxes of another
	// source (a second run, the truth) are dashed or dotted.
	Stroke render.Stroke
	// Truth marks a ground-truth box (the truth view, dotted): the text
	// listing says [truth].
	Truth bool
}

// Picture is an encoded image. Exactly one of Cells and Raw is normally
// set: Cells is in-band text (half-blocks, a text listing, kitty
// placeholders) placed in the view; Raw is an out-of-band escape sequence
// (sixel, iTerm2, kitty graphics placed directly) written at the pane's
// top-left cell. Kitty with placeholders sets both (Raw transmits, Cells
// places).
type Picture struct {
	Cells      string
	Raw        []byte
	Cols, Rows int
	// AtCursor is true when Raw draws the picture itself where the cursor
	// is (sixel, iTerm2, kitty graphics without placeholders): the
	// workstation reserves blank cells, writes Raw at the pane's top-left
	// cell, and removes the picture out of band when it no longer belongs
	// on the screen.
	AtCursor bool
	// Release removes an AtCursor picture from the terminal by its id
	// (kitty: delete the image); nil when only overwriting its cells
	// removes it (sixel, iTerm2).
	Release []byte
	// Key identifies the picture's content; equal keys mean equal pictures,
	// so an unchanged picture is not sent again.
	Key string
	// Window is the window the picture was drawn with, in the image's own
	// units, and the name of the preset it came from ("file VOI", "auto",
	// "full range", "lung", ...); zero when the Imager does not say.
	Window ShownWindow
	// Invert is true when dark and light are swapped on screen relative to
	// the usual presentation (set by the Imager).
	Invert bool
}

// ShownWindow is the window a picture was drawn with.
type ShownWindow struct {
	Center, Width float64
	Preset        string
}
