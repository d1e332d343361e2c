package lab

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	stdraw "image/draw"
	"maps"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Series is one named curve of a line plot.
type Series struct {
	Name string
	X, Y []float64
}

// LinePlot draws curves (training curves, sweeps) with a legend.
func LinePlot(title, xLabel, yLabel string, series ...Series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xLabel, yLabel
	p.Add(plotter.NewGrid())
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("lab.LinePlot: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		pts := make(plotter.XYs, 0, len(s.X))
		for j := range s.X {
			if !math.IsNaN(s.Y[j]) && !math.IsInf(s.Y[j], 0) {
				pts = append(pts, plotter.XY{X: s.X[j], Y: s.Y[j]})
			}
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("lab.LinePlot: %q: %w", s.Name, err)
		}
		line.Color = plotutil.Color(i)
		points.Color = plotutil.Color(i)
		points.Shape = draw.CircleGlyph{}
		points.Radius = vg.Points(1.5)
		if len(pts) > 60 { // dense curves read better without markers
			points.Radius = 0
		}
		p.Add(line, points)
		if s.Name != "" {
			p.Legend.Add(s.Name, line)
		}
	}
	p.Legend.Top = true
	named := 0
	for _, s := range series {
		if s.Name != "" {
			named++
		}
	}
	legendRoom(p, named)
	return p, nil
}

// legendRoom raises the top of p's y axis so that a legend of entries lines, drawn in
// the top right corner, sits above the curves instead of over their right ends (where
// a training curve is read).
func legendRoom(p *plot.Plot, entries int) {
	if entries == 0 || p.Y.Max <= p.Y.Min {
		return
	}
	p.Y.Max += (p.Y.Max - p.Y.Min) * (0.07*float64(entries) + 0.05)
}

// Palette is the colour of class k in scatter plots: the ten "tab10" colours.
func Palette(k int) color.Color {
	tab10 := []color.RGBA{{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
		{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
		{188, 189, 34, 255}, {23, 190, 207, 255}}
	return tab10[((k%len(tab10))+len(tab10))%len(tab10)]
}

// Scatter2D draws points (x[i], y[i]) coloured by label, with one legend entry per class
// named by classes (if given).
func Scatter2D(title string, x, y []float64, labels []int32, classes []string) (*plot.Plot, error) {
	if len(x) != len(y) || (labels != nil && len(labels) != len(x)) {
		return nil, fmt.Errorf("lab.Scatter2D: %d x, %d y, %d labels", len(x), len(y), len(labels))
	}
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, "z[0]", "z[1]"
	byClass := map[int32]plotter.XYs{}
	for i := range x {
		var l int32
		if labels != nil {
			l = labels[i]
		}
		byClass[l] = append(byClass[l], plotter.XY{X: x[i], Y: y[i]})
	}
	order := slices.Sorted(maps.Keys(byClass)) // legend in class order
	for _, l := range order {
		s, err := plotter.NewScatter(byClass[l])
		if err != nil {
			return nil, err
		}
		s.Color = Palette(int(l))
		s.Shape = draw.CircleGlyph{}
		s.Radius = vg.Points(1.2)
		p.Add(s)
		name := fmt.Sprint(l)
		if l >= 0 && int(l) < len(classes) {
			name = classes[l]
		}
		p.Legend.Add(name, s)
	}
	p.Legend.Top = true
	return p, nil
}

// Histogram draws the distribution of values in bins bins, normalized to a density so
// that histograms of different sample sizes compare.
func Histogram(title, xLabel string, values []float64, bins int) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xLabel, "density"
	h, err := plotter.NewHist(plotter.Values(values), bins)
	if err != nil {
		return nil, fmt.Errorf("lab.Histogram: %w", err)
	}
	h.Normalize(1)
	h.FillColor = Palette(0)
	p.Add(h)
	return p, nil
}

// Figure sizes, in inches at 96 dpi: wide enough to read in a notebook cell.
const (
	FigWidth  = 6 * vg.Inch
	FigHeight = 4 * vg.Inch
)

// PlotPNG renders p as PNG bytes (FigWidth x FigHeight).
func PlotPNG(p *plot.Plot) ([]byte, error) { return render(p, "png") }

// PlotSVG renders p as SVG text.
func PlotSVG(p *plot.Plot) (string, error) {
	b, err := render(p, "svg")
	return string(b), err
}

func render(p *plot.Plot, format string) ([]byte, error) {
	w, err := p.WriterTo(FigWidth, FigHeight, format)
	if err != nil {
		return nil, fmt.Errorf("lab: rendering plot: %w", err)
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("lab: rendering plot: %w", err)
	}
	return b.Bytes(), nil
}

// SavePlot writes p as a PNG file (atomically).
func SavePlot(path string, p *plot.Plot) error {
	b, err := PlotPNG(p)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, b)
}

// Log is a training log as a plot reads it: the names of its updates and, for an
// update and a loss or metric name, its (step, value) pairs. fit.History is one; lab
// takes the interface so that the plotting code never depends on the training loop.
type Log interface {
	Updates() []string
	Series(update, name string) (steps, values []float64)
}

// Curves plots the loss of every update of a training log (and the named metrics of
// each), against the step.
func Curves(title, yLabel string, log Log, metrics ...string) (*plot.Plot, error) {
	var series []Series
	for _, u := range log.Updates() {
		for _, name := range append([]string{"loss"}, metrics...) {
			x, y := log.Series(u, name)
			if len(x) == 0 {
				continue
			}
			label := name
			if u != "" {
				label = u + " " + name
			}
			series = append(series, Series{Name: label, X: x, Y: y})
		}
	}
	if len(series) == 0 {
		return nil, fmt.Errorf("lab.Curves: the log is empty (no training step was reported)")
	}
	return LinePlot(title, "step", yLabel, series...)
}

// HistDensity bins values into bins equal bins over [lo, hi] and returns the bin
// centres and the density in each (count / (n * width), values outside count in n but
// in no bin): a sampled distribution as a curve that overlays a true density.
func HistDensity(values []float64, lo, hi float64, bins int) (centres, density []float64) {
	if bins < 1 || hi <= lo || len(values) == 0 {
		return nil, nil
	}
	width := (hi - lo) / float64(bins)
	centres, density = make([]float64, bins), make([]float64, bins)
	for i := range centres {
		centres[i] = lo + (float64(i)+0.5)*width
	}
	for _, v := range values {
		if v < lo || v >= hi || math.IsNaN(v) {
			continue
		}
		density[min(int((v-lo)/width), bins-1)]++
	}
	for i := range density {
		density[i] /= float64(len(values)) * width
	}
	return centres, density
}

// PanelWidth and PanelHeight are the size of one panel of Panels.
const (
	PanelWidth  = 4 * vg.Inch
	PanelHeight = 3 * vg.Inch
)

// Panels renders plots in a grid of cols columns (a figure series over training, say)
// as one image.
func Panels(cols int, plots ...*plot.Plot) (image.Image, error) {
	if cols < 1 || len(plots) == 0 {
		return nil, fmt.Errorf("lab.Panels: %d plots in %d columns", len(plots), cols)
	}
	cols = min(cols, len(plots))
	rows := (len(plots) + cols - 1) / cols
	var out *image.RGBA
	for i, p := range plots {
		c := vgimg.NewWith(vgimg.UseWH(PanelWidth, PanelHeight), vgimg.UseDPI(96))
		p.Draw(draw.New(c))
		img := c.Image()
		b := img.Bounds()
		if out == nil {
			out = image.NewRGBA(image.Rect(0, 0, cols*b.Dx(), rows*b.Dy()))
			stdraw.Draw(out, out.Bounds(), image.White, image.Point{}, stdraw.Src)
		}
		at := image.Pt((i%cols)*b.Dx(), (i/cols)*b.Dy())
		stdraw.Draw(out, b.Sub(b.Min).Add(at), img, b.Min, stdraw.Over)
	}
	return out, nil
}

// Interval is one named series of estimates with intervals, one per category: a
// classifier's accuracy per group of test images, with each group's 95% interval.
type Interval struct {
	Name      string
	Y, Lo, Hi []float64
}

// IntervalPlot draws each series as points with error bars over named categories (the
// groups along x, labelled at an angle), the series side by side within each category:
// how far apart two classifiers are on a group, and whether that is more than the
// group's noise, read at a glance. NaN estimates (an empty group) are left out.
func IntervalPlot(title, yLabel string, categories []string, series ...Interval) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text, p.Y.Label.Text = title, yLabel
	p.Add(plotter.NewGrid())
	width := 0.6 / float64(max(len(series), 1))
	for i, s := range series {
		if len(s.Y) != len(categories) || len(s.Lo) != len(categories) || len(s.Hi) != len(categories) {
			return nil, fmt.Errorf("lab.IntervalPlot: series %q has %d, %d, %d values for %d categories",
				s.Name, len(s.Y), len(s.Lo), len(s.Hi), len(categories))
		}
		var pts plotter.XYs
		var errs plotter.YErrors
		for j, y := range s.Y {
			if math.IsNaN(y) {
				continue
			}
			x := float64(j) + (float64(i)-float64(len(series)-1)/2)*width
			pts = append(pts, plotter.XY{X: x, Y: y})
			errs = append(errs, struct{ Low, High float64 }{y - s.Lo[j], s.Hi[j] - y})
		}
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, fmt.Errorf("lab.IntervalPlot: %q: %w", s.Name, err)
		}
		sc.Color, sc.Shape, sc.Radius = Palette(i), draw.CircleGlyph{}, vg.Points(2.5)
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{pts, errs})
		if err != nil {
			return nil, fmt.Errorf("lab.IntervalPlot: %q: %w", s.Name, err)
		}
		bars.Color = Palette(i)
		p.Add(bars, sc)
		if s.Name != "" {
			p.Legend.Add(s.Name, sc)
		}
	}
	ticks := make([]plot.Tick, len(categories))
	for j, c := range categories {
		ticks[j] = plot.Tick{Value: float64(j), Label: c}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.X.Min, p.X.Max = -0.5, float64(len(categories))-0.5
	p.Legend.Top, p.Legend.Left = false, true
	return p, nil
}

// Values is a named set of numbers, for Densities.
type Values struct {
	Name string
	V    []float64
}

// Densities draws the histogram density of each set over their common range, in bins
// bins, as curves on one plot: how far two distributions (the likelihoods of inliers
// and of outliers) overlap, which a single AUROC summarizes. Values that are NaN or
// infinite are left out.
func Densities(title, xLabel string, bins int, sets ...Values) (*plot.Plot, error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range sets {
		for _, v := range s.V {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if !(hi > lo) || bins < 1 {
		return nil, fmt.Errorf("lab.Densities: no spread of finite values to bin (range [%g, %g], %d bins)", lo, hi, bins)
	}
	series := make([]Series, len(sets))
	for i, s := range sets {
		x, y := HistDensity(s.V, lo, hi, bins)
		series[i] = Series{Name: s.Name, X: x, Y: y}
	}
	p, err := LinePlot(title, xLabel, "density", series...)
	if err != nil {
		return nil, fmt.Errorf("lab.Densities: %w", err)
	}
	return p, nil
}
