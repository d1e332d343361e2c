// Package toy draws the low-dimensional datasets of the GAN intuition: a 1-D mixture
// of Gaussians (the lecture's line story: real density, generated density and the
// discriminator's D(x) on one axis) and a ring of 2-D Gaussians, where mode collapse can
// be seen. Points are stored as 1 x d x 1 datasets.Images (values are not limited to
// [0, 1]) so that every model and the training loop take them unchanged.
package toy

import (
	"fmt"
	"math"

	"github.com/genlab-go/genlab/datasets"
)

// Mixture is a 1-D mixture of Gaussians.
type Mixture struct {
	Means, Stds, Weights []float64
}

// Bimodal is the 1-D data of the GAN notebook: two well-separated modes of unequal
// weight, so that both mode dropping and the weights can be seen in the densities.
func Bimodal() Mixture {
	return Mixture{Means: []float64{-2, 2}, Stds: []float64{0.5, 0.5}, Weights: []float64{0.4, 0.6}}
}

// Validate checks that the components agree and the weights sum to 1.
func (m Mixture) Validate() error {
	if len(m.Means) == 0 || len(m.Stds) != len(m.Means) || len(m.Weights) != len(m.Means) {
		return fmt.Errorf("toy: mixture with %d means, %d stds, %d weights", len(m.Means), len(m.Stds), len(m.Weights))
	}
	sum := 0.0
	for i, w := range m.Weights {
		if w < 0 || m.Stds[i] <= 0 {
			return fmt.Errorf("toy: component %d: weight %g, std %g", i, w, m.Stds[i])
		}
		sum += w
	}
	if math.Abs(sum-1) > 1e-9 {
		return fmt.Errorf("toy: mixture weights sum to %g, not 1", sum)
	}
	return nil
}

// Density is the mixture's probability density at x.
func (m Mixture) Density(x float64) float64 {
	p := 0.0
	for i, mu := range m.Means {
		z := (x - mu) / m.Stds[i]
		p += m.Weights[i] * math.Exp(-z*z/2) / (m.Stds[i] * math.Sqrt(2*math.Pi))
	}
	return p
}

// Sample draws n points from the mixture with seed, labelled by component.
func (m Mixture) Sample(n int, seed uint64) (*datasets.Images, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	rng := datasets.Rand(seed, 0x1d)
	d := &datasets.Images{Name: "toy/mixture1d", N: n, H: 1, W: 1, C: 1, Pixels: make([]float32, n), Labels: make([]int32, n)}
	for k := range m.Means {
		d.Classes = append(d.Classes, fmt.Sprintf("mode %d", k))
	}
	for i := range n {
		u, k := rng.Float64(), 0
		for acc := m.Weights[0]; u > acc && k < len(m.Weights)-1; acc += m.Weights[k] {
			k++
		}
		d.Pixels[i] = float32(m.Means[k] + m.Stds[k]*rng.NormFloat64())
		d.Labels[i] = int32(k)
	}
	return d, nil
}

// Ring draws n 2-D points from k Gaussians of standard deviation std evenly spaced on
// a circle of the given radius, labelled by mode: the classic mode-collapse toy
// (Metz et al., 2017).
func Ring(n, k int, radius, std float64, seed uint64) (*datasets.Images, error) {
	if n < 1 || k < 1 || radius <= 0 || std <= 0 {
		return nil, fmt.Errorf("toy: ring of %d points, %d modes, radius %g, std %g", n, k, radius, std)
	}
	rng := datasets.Rand(seed, 0x41)
	d := &datasets.Images{Name: "toy/ring", N: n, H: 1, W: 2, C: 1, Pixels: make([]float32, 2*n), Labels: make([]int32, n)}
	for j := range k {
		d.Classes = append(d.Classes, fmt.Sprintf("mode %d", j))
	}
	for i := range n {
		j := rng.IntN(k)
		a := 2 * math.Pi * float64(j) / float64(k)
		d.Pixels[2*i] = float32(radius*math.Cos(a) + std*rng.NormFloat64())
		d.Pixels[2*i+1] = float32(radius*math.Sin(a) + std*rng.NormFloat64())
		d.Labels[i] = int32(j)
	}
	return d, nil
}

// ModesCovered counts the ring's modes that hold at least minFrac of n points (a
// point belongs to the nearest mode if it lies within 3 std of it), and the fraction of
// points near any mode: the mode-collapse numbers of the 2-D toy.
func ModesCovered(points []float32, n, k int, radius, std, minFrac float64) (modes int, quality float64) {
	counts := make([]int, k)
	near := 0
	for i := range n {
		x, y := float64(points[2*i]), float64(points[2*i+1])
		best, bestD := 0, math.Inf(1)
		for j := range k {
			a := 2 * math.Pi * float64(j) / float64(k)
			if d := math.Hypot(x-radius*math.Cos(a), y-radius*math.Sin(a)); d < bestD {
				best, bestD = j, d
			}
		}
		if bestD <= 3*std {
			counts[best]++
			near++
		}
	}
	for _, c := range counts {
		if float64(c) >= minFrac*float64(n) {
			modes++
		}
	}
	return modes, float64(near) / float64(n)
}
