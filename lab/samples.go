package lab

import (
	"fmt"
	"image"

	"gonum.org/v1/plot"
)

// Generator is a model that draws images of its shape: what SampleGrid needs (the
// models.Sampler of a VAE or a GAN).
type Generator interface {
	Shape() (h, w, c int)
	Sample(n int, seed uint64) ([]float32, error)
}

// classGrid is a conditional generator (models.ClassGridder).
type classGrid interface {
	Classes() int
	ClassGrid(cols int, seed uint64) ([]float32, error)
}

// SampleGrid draws n samples of g from seed in rows of 8. A conditional generator
// (one with classes) draws its class grid instead: one row per class with n/classes
// samples in each, the same noise down every column, so that a row shows a class and a
// column what the noise carries.
func SampleGrid(g Generator, n int, seed uint64) (*image.RGBA, error) {
	h, w, c := g.Shape()
	cols := 8
	var s []float32
	var err error
	if cg, ok := g.(classGrid); ok && cg.Classes() > 0 {
		cols = max(1, n/cg.Classes())
		n = cg.Classes() * cols
		s, err = cg.ClassGrid(cols, seed)
	} else {
		s, err = g.Sample(n, seed)
	}
	if err != nil {
		return nil, err
	}
	return Grid(s, n, h, w, c, cols, 2), nil
}

// GAN1D draws the 1-D GAN's picture on [lo, hi] (notebook 04): the data density, the
// generator's density (a histogram of its samples) and the discriminator's D(x) from
// d, which maps n points to probabilities.
func GAN1D(title string, density func(x float64) float64, d func(x []float32, n int) ([]float32, error), samples []float32, lo, hi float64) (*plot.Plot, error) {
	if hi <= lo {
		return nil, fmt.Errorf("lab.GAN1D: empty interval [%g, %g]", lo, hi)
	}
	xs := Linspace(lo, hi, 161)
	pData, in := make([]float64, len(xs)), make([]float32, len(xs))
	for i, x := range xs {
		pData[i], in[i] = density(x), float32(x)
	}
	probs, err := d(in, len(in))
	if err != nil {
		return nil, err
	}
	dx := make([]float64, len(probs))
	for i, v := range probs {
		dx[i] = float64(v)
	}
	vals := make([]float64, len(samples))
	for i, v := range samples {
		vals[i] = float64(v)
	}
	gx, gy := HistDensity(vals, lo, hi, 80)
	p, err := LinePlot(title, "x", "", Series{Name: "p_data", X: xs, Y: pData},
		Series{Name: "p_g", X: gx, Y: gy}, Series{Name: "D(x)", X: xs, Y: dx})
	if err != nil {
		return nil, err
	}
	p.Y.Min, p.Y.Max = 0, 1
	legendRoom(p, 3)
	return p, nil
}
