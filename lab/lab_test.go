package lab

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/genlab-go/genlab/datasets/shapes"
	"gonum.org/v1/plot"
)

var update = flag.Bool("update", false, "rewrite the golden images")

// golden compares img with testdata/name pixel for pixel (or rewrites it with -update).
func golden(t *testing.T, name string, img image.Image) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := WritePNG(path, img); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./lab -update to create it)", err)
	}
	want, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds() != img.Bounds() {
		t.Fatalf("%s: size %v, golden %v", name, img.Bounds(), want.Bounds())
	}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r1, g1, b1, _ := img.At(x, y).RGBA()
			r2, g2, b2, _ := want.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				t.Fatalf("%s: pixel (%d,%d) differs from the golden image (run with -update after checking it)", name, x, y)
			}
		}
	}
}

// TestGoldenShapesGrid renders 24 shapes images with a fixed seed: it pins both the
// dataset generator and the grid layout.
func TestGoldenShapesGrid(t *testing.T) {
	d, err := shapes.Sample(shapes.DefaultConfig(), 24, 7)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "shapes_grid.png", Grid(d.Pixels, d.N, d.H, d.W, d.C, 8, 2))
	golden(t, "shapes_pairs.png", Pairs(d.Pixels[:6*32*32], d.Pixels[6*32*32:12*32*32], 6, 32, 32, 1, 3, 1))
}

func TestInterpolation(t *testing.T) {
	a, b := []float32{3, 0}, []float32{0, 3}
	l, s := Lerp(a, b, 5), Slerp(a, b, 5)
	if l[0][0] != 3 || l[4][1] != 3 || l[2][0] != 1.5 {
		t.Errorf("Lerp = %v", l)
	}
	// Slerp keeps the norm (3) all along the arc; the line's midpoint has norm 3/sqrt(2).
	for i, n := range Norms(s) {
		if math.Abs(n-3) > 1e-5 {
			t.Errorf("Slerp point %d has norm %g, want 3", i, n)
		}
	}
	if n := Norms(l)[2]; math.Abs(n-3/math.Sqrt2) > 1e-6 {
		t.Errorf("Lerp midpoint has norm %g, want 3/sqrt(2)", n)
	}
	tr := Traversal([]float32{0, 0, 0}, []int{0, 2}, []float64{-1, 1})
	if len(tr) != 4 || tr[1][0] != 1 || tr[1][2] != 0 || tr[3][2] != 1 {
		t.Errorf("Traversal = %v", tr)
	}
	q := NormalQuantiles(3)
	if math.Abs(q[1]) > 1e-12 || math.Abs(q[0]+q[2]) > 1e-12 || math.Abs(q[2]-0.9674) > 1e-3 {
		t.Errorf("NormalQuantiles(3) = %v", q)
	}
}

func TestPlotsRender(t *testing.T) {
	p, err := LinePlot("loss", "step", "nats", Series{Name: "train", X: []float64{1, 2, 3}, Y: []float64{3, 2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := PlotPNG(p)
	if err != nil || len(b) < 1000 {
		t.Fatalf("PlotPNG: %d bytes, %v", len(b), err)
	}
	svg, err := PlotSVG(p)
	if err != nil || !bytes.Contains([]byte(svg), []byte("<svg")) {
		t.Fatalf("PlotSVG: %v", err)
	}
	if _, err := Scatter2D("z", []float64{0, 1}, []float64{1, 0}, []int32{0, 1}, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Histogram("h", "x", []float64{1, 2, 2, 3}, 3); err != nil {
		t.Fatal(err)
	}
}

// HistDensity integrates to the fraction of values inside the range, and Panels tiles
// plots into one image of the right size.
func TestHistDensityAndPanels(t *testing.T) {
	values := []float64{-3, 0.1, 0.2, 0.6, 0.9, 5}
	x, d := HistDensity(values, 0, 1, 2)
	if len(x) != 2 || x[0] != 0.25 || x[1] != 0.75 {
		t.Fatalf("bin centres %v, want [0.25 0.75]", x)
	}
	// Two values in each half-width bin of 6: density 2 / (6 * 0.5).
	if math.Abs(d[0]-2.0/3) > 1e-12 || math.Abs(d[1]-2.0/3) > 1e-12 {
		t.Errorf("densities %v, want [2/3 2/3]", d)
	}
	if x, d := HistDensity(nil, 0, 1, 2); x != nil || d != nil {
		t.Error("no values: want no curve")
	}
	var plots []*plot.Plot
	for range 3 {
		p, err := LinePlot("p", "x", "y", Series{X: []float64{0, 1}, Y: []float64{0, 1}})
		if err != nil {
			t.Fatal(err)
		}
		plots = append(plots, p)
	}
	img, err := Panels(2, plots...)
	if err != nil {
		t.Fatal(err)
	}
	w, h := int(PanelWidth.Dots(96)), int(PanelHeight.Dots(96))
	if b := img.Bounds(); b.Dx() != 2*w || b.Dy() != 2*h {
		t.Errorf("3 panels in 2 columns: %v, want %dx%d", b, 2*w, 2*h)
	}
	if _, err := Panels(0, plots...); err == nil {
		t.Error("0 columns: no error")
	}
}

// A line plot's legend sits above the curves: the y axis reaches past the data.
func TestLegendAboveCurves(t *testing.T) {
	p, err := LinePlot("t", "x", "y", Series{Name: "a", X: []float64{0, 1}, Y: []float64{0, 1}},
		Series{Name: "b", X: []float64{0, 1}, Y: []float64{1, 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Max < 1.15 {
		t.Errorf("y axis ends at %g: the legend would cover the curves' top (1)", p.Y.Max)
	}
}

func TestIntervalPlot(t *testing.T) {
	p, err := IntervalPlot("accuracy per group", "accuracy", []string{"a", "b", "c"},
		Interval{"one", []float64{0.9, math.NaN(), 0.8}, []float64{0.8, 0, 0.6}, []float64{1, 0, 0.9}},
		Interval{"two", []float64{0.95, 0.9, 0.85}, []float64{0.9, 0.8, 0.7}, []float64{1, 1, 0.95}})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := PlotPNG(p); err != nil || len(b) < 1000 {
		t.Errorf("PNG of %d bytes: %v", len(b), err)
	}
	if _, err := IntervalPlot("", "", []string{"a"}, Interval{"bad", []float64{1, 2}, nil, nil}); err == nil {
		t.Error("a series of the wrong length was accepted")
	}
}

func TestDensities(t *testing.T) {
	p, err := Densities("two sets", "nats", 10, Values{"a", []float64{1, 2, 2, 3}}, Values{"b", []float64{5, 6, math.NaN()}})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := PlotPNG(p); err != nil || len(b) < 1000 {
		t.Errorf("PNG of %d bytes: %v", len(b), err)
	}
	if _, err := Densities("", "", 10, Values{"same", []float64{1, 1}}); err == nil {
		t.Error("values without spread were accepted")
	}
}
