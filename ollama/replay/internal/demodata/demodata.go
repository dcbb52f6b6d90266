// Package demodata is the scenario table of the bundled demo
// (testdata/demo): which synthetic phantom each item shows, its hand-written
// draft impression, the hand-written "recorded" model outputs, and what the
// pipeline should make of them. Write turns the table into the committed
// files; tests check the files are up to date and that the pipeline yields
// what each scenario promises.
//
// Everything here is synthetic: the images are phantoms drawn by
// radiograph/phantom, the drafts and model outputs were written by hand. None
// comes from a patient or from a model.
package demodata

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/cxr-auditor/cxr-auditor/ollama/replay"
	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Generated is a phantom the demo adds beside the shared set in
// testdata/phantoms, written into the demo's images directory.
type Generated struct {
	Spec   phantom.Spec
	Format phantom.Format
}

// Want is what the pipeline should make of a scenario.
type Want struct {
	// Disagreements are the report's disagreement keys ("label/kind"), in
	// report order; empty for full agreement.
	Disagreements []string
	// Urgent is the report's urgency.
	Urgent bool
	// Salvaged: a stage's output needed salvage.
	Salvaged bool
	// Err: the item fails (no report).
	Err bool
	// Format is the image encoding radiograph reports ("png8", "dicom", ...).
	Format string
	// Invert: the image is DICOM MONOCHROME1.
	Invert bool
	// Thinking: the draft stage's record carries thinking text.
	Thinking bool
	// Hostile: the draft holds terminal escape sequences.
	Hostile bool
	// Doubts are the labels whose draft reading is in doubt (the draft
	// model and the rule labeler read the draft differently).
	Doubts []schema.Label
}

// Scenario is one demo item.
type Scenario struct {
	ID string
	// Image is relative to the demo directory.
	Image string
	// Gen is non-nil when Write generates Image; nil when Image is one of
	// testdata/phantoms (its truth comes from phantom.Catalog).
	Gen *Generated
	// Draft is the draft impression, hand-written.
	Draft string
	// Grounding renders the vision model's output from the truth boxes,
	// normalized to the image (the default model input squashes the image
	// to the model's square, so its boxes apply to the image as they are),
	// rounded the way models print them, in truth order.
	Grounding func(boxes []schema.Box) string
	// GroundingB, when set, renders the second grounding "model"'s
	// output (replay.SecondGroundingModel, as synthetic as the first)
	// where it differs from the first's; nil: it answers as the first.
	GroundingB func(boxes []schema.Box) string
	// GroundingDoneReason is "" (stop) or "length".
	GroundingDoneReason string
	// DraftContent and DraftThinking are the text model's output.
	DraftContent  string
	DraftThinking string
	// Shows says in a line what the item demonstrates.
	Shows string
	Want  Want
}

// Worklist, Recording and ImagesDir are the file names inside a demo
// directory.
const (
	Worklist  = "worklist.csv"
	Recording = "recorded.jsonl"
	ImagesDir = "images"
)

// Spec returns the phantom the scenario's image shows: its own when
// generated, else the phantom.Catalog entry of the same file name.
func (s Scenario) Spec() (phantom.Spec, error) {
	if s.Gen != nil {
		return s.Gen.Spec, nil
	}
	name := filepath.Base(s.Image)
	for _, f := range phantom.Catalog() {
		if f.Name == name {
			return f.Spec, nil
		}
	}
	return phantom.Spec{}, fmt.Errorf("%s: image %s is neither generated nor in phantom.Catalog", s.ID, s.Image)
}

// Truth returns the scenario image's ground truth, normalized to the
// original image.
func (s Scenario) Truth() ([]schema.Finding, error) {
	spec, err := s.Spec()
	if err != nil {
		return nil, err
	}
	return phantom.Truth(spec), nil
}

// Write generates the demo into dir: the extra phantoms under images/, the
// worklist (with each item's truth) and the recording. The worklist points
// at the shared phantoms in dir/../phantoms, as in testdata. Output is
// deterministic, byte for byte.
func Write(ctx context.Context, dir string) error {
	files, err := Files(ctx, true)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, ImagesDir), 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), data, 0o644); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// Files returns every generated file of the demo keyed by its path relative
// to the demo directory (slash-separated), without writing anything. With
// images false it leaves out the generated phantoms (the costly part) and
// returns only the worklist and the recording. Scenarios are prepared in
// parallel, one per CPU.
func Files(ctx context.Context, images bool) (map[string][]byte, error) {
	scen := Scenarios()
	built := make([]built, len(scen))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, s := range scen {
		g.Go(func() error {
			b, err := build(gctx, s, images)
			built[i] = b
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	files := map[string][]byte{}
	var wl bytes.Buffer
	w := csv.NewWriter(&wl)
	_ = w.Write([]string{"id", "image", "draft", "truth"})
	var recs []replay.Record
	for i, s := range scen {
		b := built[i]
		if b.image != nil {
			files[s.Image] = b.image
		}
		_ = w.Write(b.row)
		recs = append(recs, b.recs...)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("demo: %s: %w", Worklist, err)
	}
	files[Worklist] = wl.Bytes()
	var rec bytes.Buffer
	if err := replay.WriteRecording(&rec, recs); err != nil {
		return nil, fmt.Errorf("demo: %s: %w", Recording, err)
	}
	files[Recording] = rec.Bytes()
	return files, nil
}

// built is one scenario's share of the files.
type built struct {
	image []byte // the generated image, nil for a shared phantom
	row   []string
	recs  []replay.Record
}

// build renders s's image if it is generated (and images is true), and
// makes its worklist row and recording lines.
func build(ctx context.Context, s Scenario, images bool) (built, error) {
	var b built
	if err := ctx.Err(); err != nil {
		return b, err
	}
	if s.Gen != nil && images {
		var buf bytes.Buffer
		if err := phantom.Render(s.Gen.Spec).Write(&buf, s.Gen.Format, s.ID); err != nil {
			return b, fmt.Errorf("demo: %s: %w", s.Image, err)
		}
		b.image = buf.Bytes()
	}
	spec, err := s.Spec()
	if err != nil {
		return b, fmt.Errorf("demo: %w", err)
	}
	truth := phantom.Truth(spec)
	var boxes []schema.Box
	for _, f := range truth {
		if f.Box != nil {
			boxes = append(boxes, roundBox(*f.Box))
		}
	}
	tj, err := json.Marshal(truth)
	if err != nil {
		return b, fmt.Errorf("demo: %s: truth: %w", s.ID, err)
	}
	b.row = []string{s.ID, s.Image, s.Draft, string(tj)}
	b.recs = []replay.Record{
		{ID: s.ID, Stage: replay.StageGrounding, Content: s.Grounding(boxes), DoneReason: s.GroundingDoneReason},
		{ID: s.ID, Stage: replay.StageDraft, Content: s.DraftContent, Thinking: s.DraftThinking},
	}
	if s.GroundingB != nil {
		b.recs = append(b.recs, replay.Record{ID: s.ID, Stage: replay.StageGrounding, Model: replay.SecondGroundingModel, Content: s.GroundingB(boxes)})
	}
	return b, nil
}

// roundBox rounds to three decimals, as models print coordinates.
func roundBox(b schema.Box) schema.Box {
	r := func(v float64) float64 { return math.Round(v*1000) / 1000 }
	return schema.Box{Y0: r(b.Y0), X0: r(b.X0), Y1: r(b.Y1), X1: r(b.X1)}
}

// num prints a coordinate the way a model does: shortest form.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// box prints b as a JSON array in [0,1] coordinates, with spaces.
func box(b schema.Box) string {
	return "[" + num(b.Y0) + ", " + num(b.X0) + ", " + num(b.Y1) + ", " + num(b.X1) + "]"
}

// box1000 prints b in 0-1000 integer coordinates, as some grounding models do.
func box1000(b schema.Box) string {
	i := func(v float64) string { return strconv.Itoa(int(math.Round(v * 1000))) }
	return "[" + i(b.Y0) + ", " + i(b.X0) + ", " + i(b.Y1) + ", " + i(b.X1) + "]"
}

// finding prints one {label, box_2d} entry.
func finding(label schema.Label, b string) string {
	return `{"label": "` + string(label) + `", "box_2d": ` + b + `}`
}

// fence wraps s in a Markdown code fence, as chat-tuned models like to.
func fence(s string) string { return "```json\n" + s + "\n```" }

// repeat joins n copies of s with ", ".
func repeat(s string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}
