#!/usr/bin/env bash
# plotbench.sh: measures the report's hand-written SVG charts (report.SVG)
# against gonum/plot's SVG output for the same chart, in a throwaway module
# outside the repository, so the project never depends on gonum/plot.
# docs/report.md has the figures. Usage: scripts/plotbench.sh [-count N]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d /tmp/cxr-plotbench.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
cat > "$dir/go.mod" <<EOF
module plotbench

go 1.26.7

require github.com/cxr-auditor/cxr-auditor v0.0.0

replace github.com/cxr-auditor/cxr-auditor => $root
EOF
cat > "$dir/bench_test.go" <<'EOF'
// Package plotbench compares report.SVG with gonum/plot (scripts/plotbench.sh).
package plotbench

import (
	"bytes"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/cxr-auditor/cxr-auditor/report"
)

var (
	labels = []string{"pleural_effusion", "pneumothorax", "lung_opacity_consolidation", "nodule_mass", "cardiomegaly"}
	values = [2][5]float64{{0.89, 0.88, 0.86, 0.89, 0.92}, {0.87, 0.79, 0.86, 0.89, 0.83}}
	lows   = [2][5]float64{{0.75, 0.74, 0.69, 0.73, 0.76}, {0.75, 0.63, 0.67, 0.75, 0.67}}
	highs  = [2][5]float64{{0.98, 0.98, 0.98, 1, 1}, {0.97, 0.92, 0.97, 1, 0.95}}
)

func handFigure() *report.Figure {
	f := &report.Figure{ID: "f1", Title: "F1 per finding, per run", YLabel: "F1", YMax: 1, Series: []string{"model-a", "model-b"}}
	for i, l := range labels {
		g := report.BarGroup{Name: l}
		for r := range 2 {
			g.Bars = append(g.Bars, report.Bar{Series: r, Value: values[r][i], Low: lows[r][i], High: highs[r][i]})
		}
		f.Groups = append(f.Groups, g)
	}
	return f
}

// errBars is a plotter.YErrorer for one run's intervals.
type errBars struct{ r int }

func (e errBars) YError(i int) (float64, float64) {
	return values[e.r][i] - lows[e.r][i], highs[e.r][i] - values[e.r][i]
}

func gonumChart() ([]byte, error) {
	p := plot.New()
	p.Title.Text = "F1 per finding, per run"
	p.Y.Label.Text = "F1"
	p.Y.Min, p.Y.Max = 0, 1
	w := vg.Points(20)
	for r := range 2 {
		vs := plotter.Values(values[r][:])
		bars, err := plotter.NewBarChart(vs, w)
		if err != nil {
			return nil, err
		}
		bars.Offset = vg.Length(r-1)*w + w/2
		p.Add(bars)
		p.Legend.Add([]string{"model-a", "model-b"}[r], bars)
		pts := make(plotter.XYs, 5)
		for i := range pts {
			pts[i] = plotter.XY{X: float64(i), Y: values[r][i]}
		}
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			errBars
		}{pts, errBars{r}})
		if err != nil {
			return nil, err
		}
		p.Add(eb)
	}
	p.NominalX(labels...)
	p.Legend.Top = true
	c := vgsvg.New(720*vg.Points(0.75), 300*vg.Points(0.75))
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func BenchmarkHandSVG(b *testing.B) {
	f := handFigure()
	n := 0
	for b.Loop() {
		n = len(report.SVG(f))
	}
	b.ReportMetric(float64(n), "bytes/chart")
}

func BenchmarkGonumSVG(b *testing.B) {
	n := 0
	for b.Loop() {
		out, err := gonumChart()
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.ReportMetric(float64(n), "bytes/chart")
}
EOF
cd "$dir"
go get gonum.org/v1/plot@v0.17.0 >/dev/null 2>&1
go mod tidy >/dev/null 2>&1
go test -run xxx -bench . -benchmem "${@:--count=3}"
