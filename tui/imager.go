package tui

import (
	"context"
	"fmt"
	"sync"

	"github.com/cxr-auditor/cxr-auditor/render"
)

// RenderImager is the Imager backed by package render: it decodes images
// with render.Load (keeping the few most recent decoded), applies the
// reviewer's window relative to the image's default window, and encodes
// with a render.Encoder. It is safe for concurrent use.
type RenderImager struct {
	enc  render.Encoder
	maxW int

	mu     sync.Mutex
	cache  []decoded // most recent last
	keep   int
	flight map[string]*decodeCall
}

type decoded struct {
	path string
	img  *render.Radiograph
}

// decodeCall lets concurrent requests for one image share one decode.
type decodeCall struct {
	done chan struct{}
	img  *render.Radiograph
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
	return &RenderImager{enc: enc, keep: keep, maxW: maxWidthPX, flight: map[string]*decodeCall{}}
}

// Protocol implements Imager.
func (r *RenderImager) Protocol() string { return string(r.enc.Protocol()) }

// Encode implements Imager. The text protocol needs no pixels and does not
// read the image file.
func (r *RenderImager) Encode(ctx context.Context, req ImageRequest) (Picture, error) {
	rq := render.Request{Cols: req.Cols, Rows: req.Rows, ShowBoxes: len(req.Overlays) > 0, MaxWidthPX: r.maxW}
	for _, o := range req.Overlays {
		rq.Overlays = append(rq.Overlays, render.Overlay{Box: o.Box, Label: o.Label, Urgent: o.Urgent, Selected: o.Selected, Tag: o.Tag})
	}
	if r.enc.Protocol() != render.ProtocolText {
		img, err := r.load(ctx, req.Path)
		if err != nil {
			return Picture{}, err
		}
		rq.Image = img
		w := req.Window
		if w.Width <= 0 {
			w.Width = 1
		}
		rq.Window = img.DefaultWindow.Adjust(w.Center, w.Width)
	}
	p, err := r.enc.Encode(ctx, rq)
	if err != nil {
		return Picture{}, err
	}
	return Picture{Cells: p.Cells, Raw: p.Raw, Cols: p.Cols, Rows: p.Rows, Key: p.Key}, nil
}

// load returns the decoded image at path, from the cache or decoded once
// however many requests ask at the same time.
func (r *RenderImager) load(ctx context.Context, path string) (*render.Radiograph, error) {
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

	c.img, c.err = render.Load(ctx, path, render.LoadOptions{})
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
