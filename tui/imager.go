package tui

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// RenderImager is the Imager backed by package render: it decodes images
// with radiograph.Load at full resolution (keeping the few most recent
// decoded), applies the reviewer's view (window preset and adjustment,
// inversion, zoom into a region of the full-resolution image, the boxes
// mapped onto it) and encodes with a render.Encoder. It is safe for
// concurrent use.
type RenderImager struct {
	enc  render.Encoder
	maxW int
	path string // how pictures reach the screen (SetPath)

	mu      sync.Mutex
	cache   []decoded // most recent last
	keep    int
	flight  map[string]*decodeCall
	derived []derivedImage // inverted or cropped views, most recent last
	pcts    map[*radiograph.Radiograph][]float64
}

type decoded struct {
	path string
	img  *radiograph.Radiograph
}

// derivedImage is a view of a decoded image (inverted, cropped), kept so
// that a window change on a zoomed or inverted picture reuses it, and with
// it the encoder's scaled copy.
type derivedImage struct {
	src    *radiograph.Radiograph
	invert bool
	region schema.Box // requested region (the whole image when not zoomed)
	img    *radiograph.Radiograph
	taken  schema.Box // the region actually cropped
}

// decodeCall lets concurrent requests for one image share one decode.
type decodeCall struct {
	done chan struct{}
	img  *radiograph.Radiograph
	err  error
}

// NewRenderImager returns an Imager drawing with enc. keep is how many
// decoded images to keep in memory (the current one and those around it;
// values below 2 mean 4). maxWidthPX caps the picture's pixel width (0: no
// cap).
func NewRenderImager(enc render.Encoder, keep, maxWidthPX int) *RenderImager {
	if keep < 2 {
		keep = 4
	}
	return &RenderImager{enc: enc, keep: keep, maxW: maxWidthPX, flight: map[string]*decodeCall{}, pcts: map[*radiograph.Radiograph][]float64{}}
}

// Protocol implements Imager.
func (r *RenderImager) Protocol() string { return string(r.enc.Protocol()) }

// SetPath says how pictures reach the screen and why ("via tmux
// passthrough"); the status bar shows it after the protocol.
func (r *RenderImager) SetPath(s string) { r.path = s }

// Path is what SetPath said ("" by default).
func (r *RenderImager) Path() string { return r.path }

// Encode implements Imager. The text protocol needs no pixels and does not
// read the image file; it lists the boxes of the whole image.
func (r *RenderImager) Encode(ctx context.Context, req ImageRequest) (Picture, error) {
	rq := render.Request{Cols: req.Cols, Rows: req.Rows, ShowBoxes: len(req.Overlays) > 0, MaxWidthPX: r.maxW}
	overlay := func(o Overlay, b schema.Box) render.Overlay {
		return render.Overlay{Box: b, Label: o.Label, Urgent: o.Urgent, Selected: o.Selected, Tag: o.Tag, Stroke: o.Stroke, Truth: o.Truth}
	}
	if r.enc.Protocol() == render.ProtocolText {
		for _, o := range req.Overlays {
			rq.Overlays = append(rq.Overlays, overlay(o, o.Box))
		}
		p, err := r.enc.Encode(ctx, rq)
		if err != nil {
			return Picture{}, err
		}
		return Picture{Cells: p.Cells, Raw: p.Raw, Cols: p.Cols, Rows: p.Rows, Key: p.Key}, nil
	}
	img, err := r.load(ctx, req.Path)
	if err != nil {
		return Picture{}, err
	}
	v := req.View
	base, name := r.presetWindow(img, v.Preset)
	// Shown inverted when the file's presentation (MONOCHROME1) or the
	// reviewer (but not both) says so.
	inverted := img.Invert != v.Invert
	shown, taken, err := r.view(img, inverted, v)
	if err != nil {
		return Picture{}, err
	}
	for _, o := range req.Overlays {
		if b, ok := render.Reframe(o.Box, taken); ok {
			rq.Overlays = append(rq.Overlays, overlay(o, b))
		}
	}
	rq.Image = shown
	rq.Window = adjustWindow(base, v.Window, inverted)
	p, err := r.enc.Encode(ctx, rq)
	if err != nil {
		return Picture{}, err
	}
	return Picture{Cells: p.Cells, Raw: p.Raw, Cols: p.Cols, Rows: p.Rows, Key: p.Key, AtCursor: p.AtCursor, Release: p.Release,
		Window: ShownWindow{Center: rq.Window.Center, Width: rq.Window.Width, Preset: name}, Invert: v.Invert}, nil
}

// adjustWindow applies the reviewer's adjustment to a preset's window on a
// picture shown inverted or not: brighter means a lower centre on a
// picture whose high values are bright, a higher one on an inverted
// picture, so the same key brightens every image.
func adjustWindow(base radiograph.Window, a WindowAdjust, inverted bool) radiograph.Window {
	shift := a.Brightness * base.Width
	if !inverted {
		shift = -shift
	}
	return radiograph.Window{Center: base.Center + shift, Width: math.Max(base.Width*a.Factor(), 1e-6)}
}

// presetWindow returns the window of preset p on img and its name.
func (r *RenderImager) presetWindow(img *radiograph.Radiograph, p WindowPreset) (radiograph.Window, string) {
	switch p {
	case PresetFull:
		lo, hi := img.Range()
		return radiograph.Window{Center: (float64(lo) + float64(hi)) / 2, Width: math.Max(1, float64(hi)-float64(lo))}, p.String()
	case PresetDefault:
		if img.FileWindow != nil {
			return *img.FileWindow, "file VOI"
		}
		return img.DefaultWindow, "default"
	}
	lo, hi, _ := p.Percentiles()
	if img.Invert {
		// MONOCHROME1: what shows dark has the high values.
		lo, hi = 100-hi, 100-lo
	}
	v := r.percentiles(img, lo, hi)
	return radiograph.Window{Center: (v[0] + v[1]) / 2, Width: math.Max(v[1]-v[0], 1e-6)}, p.String()
}

// percentiles returns the two percentiles of img, from a per-image cache of
// every preset's bounds.
func (r *RenderImager) percentiles(img *radiograph.Radiograph, lo, hi float64) [2]float64 {
	var ps []float64
	for p := PresetDefault; p < numPresets; p++ {
		if a, b, ok := p.Percentiles(); ok {
			ps = append(ps, a, b, 100-b, 100-a)
		}
	}
	r.mu.Lock()
	vals, ok := r.pcts[img]
	r.mu.Unlock()
	if !ok {
		vals = img.Percentiles(ps...)
		r.mu.Lock()
		if len(r.pcts) >= 2*r.keep {
			clear(r.pcts)
		}
		r.pcts[img] = vals
		r.mu.Unlock()
	}
	var out [2]float64
	for i, p := range ps {
		if p == lo {
			out[0] = vals[i]
		}
		if p == hi {
			out[1] = vals[i]
		}
	}
	return out
}

// view returns img as shown: inverted or not, and cropped to the view's
// region when zoomed, with the region actually taken; derived images are
// kept for the next request.
func (r *RenderImager) view(img *radiograph.Radiograph, inverted bool, v ImageView) (*radiograph.Radiograph, schema.Box, error) {
	region := v.Region()
	whole := schema.Box{Y0: 0, X0: 0, Y1: 1, X1: 1}
	if img.Invert == inverted && region == whole {
		return img, whole, nil
	}
	r.mu.Lock()
	for _, d := range r.derived {
		if d.src == img && d.invert == inverted && d.region == region {
			r.mu.Unlock()
			return d.img, d.taken, nil
		}
	}
	r.mu.Unlock()
	shown, taken := img.WithInvert(inverted), whole
	if region != whole {
		crop, got, err := shown.Crop(radiograph.Box(region))
		if err != nil {
			return nil, schema.Box{}, fmt.Errorf("image: %w", err)
		}
		shown, taken = crop, schema.Box(got)
	}
	r.mu.Lock()
	r.derived = append(r.derived, derivedImage{src: img, invert: inverted, region: region, img: shown, taken: taken})
	if len(r.derived) > 4 {
		r.derived = r.derived[len(r.derived)-4:]
	}
	r.mu.Unlock()
	return shown, taken, nil
}

// load returns the decoded image at path, from the cache or decoded once
// however many requests ask at the same time.
func (r *RenderImager) load(ctx context.Context, path string) (*radiograph.Radiograph, error) {
	r.mu.Lock()
	for i, d := range r.cache {
		if d.path == path {
			r.cache = append(append(r.cache[:i:i], r.cache[i+1:]...), d)
			r.mu.Unlock()
			return d.img, nil
		}
	}
	if c, ok := r.flight[path]; ok {
		r.mu.Unlock()
		select {
		case <-c.done:
			return c.img, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c := &decodeCall{done: make(chan struct{})}
	r.flight[path] = c
	r.mu.Unlock()

	c.img, c.err = radiograph.Load(ctx, path, radiograph.LoadOptions{})
	if c.err != nil {
		c.err = fmt.Errorf("image: %w", c.err)
	}
	r.mu.Lock()
	delete(r.flight, path)
	if c.err == nil {
		r.cache = append(r.cache, decoded{path: path, img: c.img})
		if len(r.cache) > r.keep {
			r.cache = r.cache[len(r.cache)-r.keep:]
		}
	}
	r.mu.Unlock()
	close(c.done)
	return c.img, c.err
}
