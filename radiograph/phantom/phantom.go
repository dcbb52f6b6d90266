// Package phantom draws deterministic, synthetic chest radiograph phantoms
// (lung fields, mediastinum, heart, spine, ribs, clavicles, lung markings,
// noise) with optional findings and their ground-truth boxes. They are
// cartoons made by code, not patient images, and carry no clinical meaning:
// they exist so cxr-auditor's tests, benchmarks and demo have images with
// known answers. cxr-auditor is for research and education only.
//
// The committed set in testdata/phantoms is regenerated with
//
//	go generate ./radiograph/phantom
package phantom

//go:generate go run ./genphantoms -out ../../testdata/phantoms

import (
	"image"
	"math"
	"math/rand/v2"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// MaxValue is the largest pixel value: phantoms are 12-bit.
const MaxValue = 4095

// Variant names what a phantom shows.
type Variant string

// The variants: one normal chest and one per positive label.
const (
	Normal        Variant = "normal"
	Effusion      Variant = "effusion"
	Cardiomegaly  Variant = "cardiomegaly"
	Nodule        Variant = "nodule"
	Pneumothorax  Variant = "pneumothorax"
	Consolidation Variant = "consolidation"
)

// Spec says which phantom to draw. The same Spec always yields the same
// pixels.
type Spec struct {
	Variant       Variant
	Width, Height int
	Seed          uint64
}

// Image is a rendered phantom: 12-bit values (0..MaxValue) where higher means
// more attenuation (whiter on a MONOCHROME2 display), with its ground truth.
type Image struct {
	Width, Height int
	Pix           []uint16
	// Findings are the ground truth in schema.BoxFormat (normalized to this
	// image). A normal phantom has a single no_finding without a box.
	Findings []schema.Finding
}

// canvas places the anatomy, drawn in a unit square stretched to a 0.82:1
// (width:height) portrait chest, centred and letterboxed in the image, so a
// landscape image gets a normally proportioned chest with air beside it.
type canvas struct {
	w, h           int
	ox, oy, cw, ch float64
}

func newCanvas(w, h int) canvas {
	const aspect = 0.82
	cw, ch := float64(w), float64(w)/aspect
	if ch > float64(h) {
		ch, cw = float64(h), float64(h)*aspect
	}
	return canvas{w: w, h: h, ox: (float64(w) - cw) / 2, oy: (float64(h) - ch) / 2, cw: cw, ch: ch}
}

// box converts an anatomy rectangle to a normalized image box.
func (c canvas) box(ax0, ay0, ax1, ay1 float64) *schema.Box {
	return &schema.Box{
		Y0: round4((c.oy + ay0*c.ch) / float64(c.h)),
		X0: round4((c.ox + ax0*c.cw) / float64(c.w)),
		Y1: round4((c.oy + ay1*c.ch) / float64(c.h)),
		X1: round4((c.ox + ax1*c.cw) / float64(c.w)),
	}
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func smoothstep(e0, e1, x float64) float64 {
	t := math.Max(0, math.Min(1, (x-e0)/(e1-e0)))
	return t * t * (3 - 2*t)
}

// ellipse returns the normalized squared radius of (x,y) in an ellipse.
func ellipse(x, y, cx, cy, rx, ry float64) float64 {
	dx, dy := (x-cx)/rx, (y-cy)/ry
	return dx*dx + dy*dy
}

// lung describes one lung field in anatomy coordinates.
type lung struct {
	cx, cy, rx, ry float64
	medial         float64 // the mediastinal border (x)
	right          bool    // patient's right = image left
}

var lungs = [2]lung{
	{cx: 0.31, cy: 0.47, rx: 0.165, ry: 0.34, medial: 0.425, right: true},
	{cx: 0.69, cy: 0.47, rx: 0.155, ry: 0.32, medial: 0.58},
}

// depth is how far inside the lung (x,y) is, 0 outside rising to 1 within
// a soft margin, so edges are not razor sharp.
func (l lung) depth(x, y float64) float64 {
	d := ellipse(x, y, l.cx, l.cy, l.rx, l.ry)
	in := 1 - smoothstep(0.82, 1.0, d)
	// Medial border and the diaphragm dome.
	if l.right {
		in *= 1 - smoothstep(l.medial-0.02, l.medial, x)
	} else {
		in *= smoothstep(l.medial, l.medial+0.02, x)
	}
	dome := 0.79 - 0.10*math.Pow((x-l.cx)/l.rx, 2)
	in *= 1 - smoothstep(dome-0.03, dome, y)
	return in
}

// noise2 is deterministic smooth value noise on a g x g grid.
type noise2 struct {
	g int
	v []float64
}

func newNoise(r *rand.Rand, g int) noise2 {
	n := noise2{g: g, v: make([]float64, (g+1)*(g+1))}
	for i := range n.v {
		n.v[i] = r.Float64()*2 - 1
	}
	return n
}

func (n noise2) at(x, y float64) float64 {
	fx, fy := math.Max(0, math.Min(0.9999, x))*float64(n.g), math.Max(0, math.Min(0.9999, y))*float64(n.g)
	ix, iy := int(fx), int(fy)
	tx, ty := smoothstep(0, 1, fx-float64(ix)), smoothstep(0, 1, fy-float64(iy))
	s := n.g + 1
	a := n.v[iy*s+ix]*(1-tx) + n.v[iy*s+ix+1]*tx
	b := n.v[(iy+1)*s+ix]*(1-tx) + n.v[(iy+1)*s+ix+1]*tx
	return a*(1-ty) + b*ty
}

// segment is one vessel piece for the lung markings.
type segment struct {
	x0, y0, x1, y1, width, weight float64
}

func vessels(r *rand.Rand) []segment {
	var segs []segment
	var grow func(x, y, ang, length, width, weight float64, depth int)
	grow = func(x, y, ang, length, width, weight float64, depth int) {
		x1, y1 := x+math.Cos(ang)*length, y+math.Sin(ang)*length
		segs = append(segs, segment{x, y, x1, y1, width, weight})
		if depth == 0 {
			return
		}
		for _, d := range []float64{-0.35, 0.35} {
			grow(x1, y1, ang+d+(r.Float64()-0.5)*0.3, length*0.7, width*0.65, weight*0.75, depth-1)
		}
	}
	for _, hil := range []struct{ x, y, dir float64 }{{0.415, 0.47, math.Pi}, {0.585, 0.47, 0}} {
		for i := range 7 {
			a := hil.dir + (float64(i)/6-0.5)*2.4*sign(math.Cos(hil.dir)) + (r.Float64()-0.5)*0.2
			grow(hil.x, hil.y, a, 0.06+r.Float64()*0.03, 0.009, 1, 3)
		}
	}
	return segs
}

// gauss is exp(-d*d), skipped where it is below 1e-11 (|d| > 5): the ribs
// are summed at every pixel and the exponentials dominate the drawing time.
func gauss(d float64) float64 {
	if d > 5 || d < -5 {
		return 0
	}
	return math.Exp(-d * d)
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

func distToSegment(px, py float64, s segment) float64 {
	dx, dy := s.x1-s.x0, s.y1-s.y0
	t := ((px-s.x0)*dx + (py-s.y0)*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	ex, ey := s.x0+t*dx-px, s.y0+t*dy-py
	return math.Hypot(ex, ey)
}

// Render draws the phantom s describes.
func Render(s Spec) *Image {
	w, h := max(s.Width, 8), max(s.Height, 8)
	c := newCanvas(w, h)
	r := rand.New(rand.NewPCG(s.Seed, uint64(len(s.Variant))+0x5eed))
	texture := newNoise(r, 24)
	fine := newNoise(r, 90)
	segs := vessels(r)
	sc := scene{s: s, texture: texture, fine: fine, heart: heartOf(s.Variant), ch: c.ch, cw: c.cw}
	// The pneumothorax collapses the patient's left lung (image right)
	// towards its hilum; the pleural line is the collapsed lung's edge.
	sc.ptxLung = lungs[1]
	sc.ptxLung.cx, sc.ptxLung.rx, sc.ptxLung.ry, sc.ptxLung.cy = 0.665, 0.12, 0.25, 0.54

	img := &Image{Width: w, Height: h, Pix: make([]uint16, w*h)}
	mark := vesselMap(c, segs, w, h)
	for y := range h {
		ay := (float64(y) + 0.5 - c.oy) / c.ch
		for x := range w {
			ax := (float64(x) + 0.5 - c.ox) / c.cw
			v := sc.at(ax, ay, mark[y*w+x])
			v += 10 * r.NormFloat64()
			img.Pix[y*w+x] = uint16(math.Max(0, math.Min(MaxValue, math.Round(v))))
		}
	}
	img.Findings = Truth(s)
	return img
}

// vesselMap is the per-pixel weight of the lung markings, computed only
// near each segment.
func vesselMap(c canvas, segs []segment, w, h int) []float64 {
	mark := make([]float64, w*h)
	for _, sg := range segs {
		pad := sg.width * 2.5
		x0 := int(c.ox + (math.Min(sg.x0, sg.x1)-pad)*c.cw)
		x1 := int(c.ox+(math.Max(sg.x0, sg.x1)+pad)*c.cw) + 1
		y0 := int(c.oy + (math.Min(sg.y0, sg.y1)-pad)*c.ch)
		y1 := int(c.oy+(math.Max(sg.y0, sg.y1)+pad)*c.ch) + 1
		for y := max(y0, 0); y < min(y1, h); y++ {
			ay := (float64(y) + 0.5 - c.oy) / c.ch
			for x := max(x0, 0); x < min(x1, w); x++ {
				ax := (float64(x) + 0.5 - c.ox) / c.cw
				d := distToSegment(ax, ay, sg) / sg.width
				if d < 2.5 {
					mark[y*w+x] = math.Max(mark[y*w+x], sg.weight*math.Exp(-d*d))
				}
			}
		}
	}
	return mark
}

// scene is what a phantom's pixels are drawn from. Each part adds to the
// value in turn (the order of the additions is part of the committed
// phantoms' bytes).
type scene struct {
	s             Spec
	texture, fine noise2
	heart         ellipseSpec
	ptxLung       lung
	cw, ch        float64
}

// consolidation is the consolidation's patches.
var consolidation = []struct{ x, y, r float64 }{{0.70, 0.60, 0.06}, {0.74, 0.66, 0.05}, {0.66, 0.66, 0.045}}

// at is the value (before noise) at anatomical point (ax, ay); mark is the
// vessel map there.
func (sc *scene) at(ax, ay, mark float64) float64 {
	v := 140.0 // air outside the body
	dx := math.Abs(ax - 0.5)
	// Body: neck above the shoulders, torso below.
	half := 0.46 - 0.3*math.Pow(math.Max(0, 0.13-ay)/0.13, 0.5)
	if ay > -0.05 && ay < 1.05 {
		body := 1 - smoothstep(half-0.02, half, dx)
		v += body * (1500 + 350*(1-math.Pow(dx/0.46, 2)))
	}
	v = sc.lungs(v, ax, ay, mark)
	// Mediastinum, spine, heart.
	if ay > 0.0 && ay < 0.9 {
		taper := smoothstep(0.0, 0.06, ay) * (1 - smoothstep(0.72, 0.86, ay))
		v += 380 * taper * (1 - smoothstep(0.05, 0.09, dx+0.03*math.Max(0, ay-0.45)))
		v += (200 + 90*math.Pow(math.Sin(ay*math.Pi*16), 2)) * (1 - smoothstep(0.028, 0.04, dx)) * smoothstep(-0.05, 0.05, ay)
	}
	v += 480 * (1 - smoothstep(0.7, 1.0, ellipse(ax, ay, sc.heart.cx, sc.heart.cy, sc.heart.rx, sc.heart.ry)))
	if dx > 0.035 && dx < 0.45 && ay > 0 && ay < 0.85 {
		v = ribs(v, dx, ay)
	}
	switch sc.s.Variant {
	case Nodule:
		d := math.Hypot(ax-nodule.x, (ay-nodule.y)*sc.ch/sc.cw) / nodule.r
		v += 520 * (1 - smoothstep(0.8, 1.1, d))
	case Consolidation:
		var o float64
		for _, b := range consolidation {
			// A ragged edge: the radius wanders with the texture.
			rr := b.r * (1 + 0.45*sc.fine.at(ax*1.3+0.1, ay*1.3))
			o = math.Max(o, 1-smoothstep(0.25, 1.0, math.Hypot(ax-b.x, ay-b.y)/rr))
		}
		// Patchy, not a solid disc, with air bronchograms: the
		// airways (the vessel tree's paths) stay dark inside it.
		o *= 0.75 + 0.35*sc.texture.at(ax*2.3, ay*2.3)
		v += o * lungs[1].depth(ax, ay) * (1150 - 1100*mark)
	}
	return v
}

// lungs subtracts the lungs' attenuation from v and adds their markings
// and texture, with the pneumothorax and the effusion.
func (sc *scene) lungs(v, ax, ay, mark float64) float64 {
	for i, l := range lungs {
		dep := l.depth(ax, ay)
		if dep <= 0 {
			continue
		}
		air := 1050.0
		markings := 300*mark + 60*sc.texture.at(ax, ay) + 35*sc.fine.at(ax, ay)
		if sc.s.Variant == Pneumothorax && i == 1 && ay < 0.72 {
			// Beyond the pleural line: no markings, more air.
			p := sc.ptxLung
			inner := 1 - smoothstep(0.96, 1.0, ellipse(ax, ay, p.cx, p.cy, p.rx, p.ry))
			edge := math.Exp(-math.Pow((math.Sqrt(ellipse(ax, ay, p.cx, p.cy, p.rx, p.ry))-1)/0.012, 2))
			markings *= inner
			air += 250 * (1 - inner)
			v += 260 * edge * dep
		}
		v -= dep * air
		v += dep * markings
		if sc.s.Variant == Effusion && l.right {
			// Dependent fluid with a meniscus climbing the lateral wall.
			lat := (ax - (l.cx - l.rx)) / (2 * l.rx)
			level := 0.62 + 0.16*math.Pow(math.Max(0, lat), 0.7)
			v += dep * 1000 * smoothstep(level-0.015, level+0.015, ay)
		}
	}
	return v
}

// ribs adds the posterior rib arcs, fainter anterior ones and the
// clavicles to v, at distance dx from the midline.
func ribs(v, dx, ay float64) float64 {
	// Only ribs within gauss's reach of ay contribute: the others add
	// exactly zero, so they are skipped.
	base := 0.13 + 0.55*math.Pow(dx-0.12, 2) - 0.02
	kLo := max(0, min(int((ay-base-0.046)/0.06)-1, 10))
	kHi := max(0, min(int((ay-base+0.046)/0.06)+2, 10))
	for k := kLo; k < kHi; k++ {
		yc := 0.13 + 0.06*float64(k) + 0.55*math.Pow(dx-0.12, 2) - 0.02
		v += 230 * gauss((ay-yc)/0.009) * (1 - smoothstep(0.42, 0.45, dx))
	}
	if dx > 0.15 {
		aBase := 0.2 - 0.18*(0.45-dx)
		kLo := max(0, min(int((ay-aBase-0.041)/0.065)-1, 10))
		kHi := max(0, min(int((ay-aBase+0.041)/0.065)+2, 10))
		for k := kLo; k < kHi; k++ {
			ya := 0.2 + 0.065*float64(k) - 0.18*(0.45-dx)
			v += 90 * gauss((ay-ya)/0.008)
		}
	}
	yc := 0.085 + 0.12*(0.45-dx) - 0.03
	if dx > 0.06 && dx < 0.33 {
		v += 420 * gauss((ay-yc)/0.011)
	}
	return v
}

// Gray16 returns the phantom as 16-bit grey holding the 12-bit values
// unscaled (0..4095), as many 12-bit detectors' PNG exports do.
func (im *Image) Gray16() *image.Gray16 {
	g := image.NewGray16(image.Rect(0, 0, im.Width, im.Height))
	for i, v := range im.Pix {
		g.Pix[2*i], g.Pix[2*i+1] = uint8(v>>8), uint8(v)
	}
	return g
}

// Gray8 returns the phantom windowed to 8-bit grey (values 100..3700 mapped
// linearly to 0..255), as a PNG export from a viewer would be.
func (im *Image) Gray8() *image.Gray {
	g := image.NewGray(image.Rect(0, 0, im.Width, im.Height))
	for i, v := range im.Pix {
		g.Pix[i] = uint8(math.Max(0, math.Min(255, math.Round((float64(v)-100)*255/3600))))
	}
	return g
}

// Truth returns the ground-truth findings of the phantom s describes,
// without drawing it.
func Truth(s Spec) []schema.Finding {
	c := newCanvas(max(s.Width, 8), max(s.Height, 8))
	heart, nod := heartOf(s.Variant), nodule
	switch s.Variant {
	case Normal:
		return []schema.Finding{{Label: schema.NoFinding}}
	case Effusion:
		l := lungs[0]
		return []schema.Finding{{Label: schema.PleuralEffusion, Box: c.box(l.cx-l.rx, 0.615, l.medial, 0.80)}}
	case Cardiomegaly:
		return []schema.Finding{{Label: schema.Cardiomegaly, Box: c.box(heart.cx-heart.rx, heart.cy-heart.ry, heart.cx+heart.rx, heart.cy+heart.ry)}}
	case Nodule:
		ry := nod.r * c.cw / c.ch
		return []schema.Finding{{Label: schema.NoduleMass, Box: c.box(nod.x-nod.r*1.2, nod.y-ry*1.2, nod.x+nod.r*1.2, nod.y+ry*1.2)}}
	case Pneumothorax:
		l := lungs[1]
		return []schema.Finding{{Label: schema.Pneumothorax, Box: c.box(l.medial+0.02, l.cy-l.ry, l.cx+l.rx, 0.62)}}
	case Consolidation:
		return []schema.Finding{{Label: schema.LungOpacity, Box: c.box(0.61, 0.54, 0.79, 0.72)}}
	}
	return nil
}

type ellipseSpec struct{ cx, cy, rx, ry float64 }

func heartOf(v Variant) ellipseSpec {
	if v == Cardiomegaly {
		return ellipseSpec{0.56, 0.635, 0.245, 0.15}
	}
	return ellipseSpec{0.545, 0.635, 0.15, 0.115}
}

var nodule = struct{ x, y, r float64 }{0.33, 0.36, 0.022}
