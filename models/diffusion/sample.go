package diffusion

import (
	"fmt"
	"math"

	"github.com/genlab-go/genlab/datasets"
)

// Sample draws n images (in [0, 1]) with seed: by SampleSteps DDIM steps, or all T
// ancestral ones when SampleSteps is 0; a conditional model's labels cycle through the
// classes (image i has label i % Classes).
func (m *Model) Sample(n int, seed uint64) ([]float32, error) { return m.SamplePasses(n, seed, nil) }

// SetSteps makes Sample take n DDIM steps (0: the T ancestral steps).
func (m *Model) SetSteps(n int) error {
	if n < 0 || n > m.Cfg.T {
		return fmt.Errorf("diffusion: %d sampling steps of %d (0: ancestral, all of them)", n, m.Cfg.T)
	}
	m.Cfg.SampleSteps = n
	return nil
}

// SetGuidance makes a conditional model's Sample mix its two noise predictions with
// weight w (Config.Guidance); an unconditional model has nothing to guide.
func (m *Model) SetGuidance(w float64) error {
	if m.Cfg.Classes == 0 {
		return fmt.Errorf("diffusion: guidance needs a conditional model (trained with --conditional); this one has no labels")
	}
	if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
		return fmt.Errorf("diffusion: guidance weight %g, want a finite w >= 0", w)
	}
	m.Cfg.Guidance = w
	return nil
}

// SamplePasses is Sample, calling progress (if not nil) after each pass of the network
// over the n images.
func (m *Model) SamplePasses(n int, seed uint64, progress func(done, total int)) ([]float32, error) {
	return m.Generate(m.NoiseOf(n, seed), CycledLabels(n, m.Cfg.Classes), m.Cfg.SampleSteps, seed, progress)
}

// CycledLabels is n labels cycling through classes (image i has label i % classes), or
// nil for an unconditional model (classes 0).
func CycledLabels(n, classes int) []int32 {
	if classes == 0 {
		return nil
	}
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(i % classes)
	}
	return labels
}

// GridInputs lays out a class grid's inputs: classes rows of the same cols starting
// images z, row r labelled r.
func GridInputs(z []float32, cols, classes int) (noise []float32, labels []int32) {
	for class := range int32(classes) {
		noise = append(noise, z...)
		for range cols {
			labels = append(labels, class)
		}
	}
	return noise, labels
}

// Guide mixes a conditional prediction with the unconditional one in place, by
// classifier-free guidance of weight w: cond <- (1 + w) cond - w free.
func Guide(cond, free []float32, w float64) {
	wf := float32(w)
	for i := range cond {
		cond[i] = (1+wf)*cond[i] - wf*free[i]
	}
}

// ClassGrid draws a conditional model's class grid: row r has class r, and the same
// cols starting noises (from seed) run down every column. It returns Classes*cols
// images in row order.
func (m *Model) ClassGrid(cols int, seed uint64) ([]float32, error) {
	return m.ClassGridPasses(cols, seed, nil)
}

// ClassGridPasses is ClassGrid, calling progress (if not nil) after each pass of the
// network over the grid's images.
func (m *Model) ClassGridPasses(cols int, seed uint64, progress func(done, total int)) ([]float32, error) {
	c := m.Cfg
	if c.Classes == 0 || cols < 1 {
		return nil, fmt.Errorf("diffusion: a class grid of %d columns needs a conditional model (classes %d)", cols, c.Classes)
	}
	noise, labels := GridInputs(m.NoiseOf(cols, seed), cols, c.Classes)
	return m.Generate(noise, labels, c.SampleSteps, seed, progress)
}

// NoiseOf is n starting images x_T ~ N(0, I) drawn with seed.
func (m *Model) NoiseOf(n int, seed uint64) []float32 {
	rng := datasets.Rand(seed, 0xd1ff)
	x := make([]float32, n*m.Cfg.H*m.Cfg.W*m.Cfg.C)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// Generate runs the reverse process from the starting images x (n of them, N(0, I);
// not changed) with labels (nil: none): steps DDIM steps (deterministic: the same x
// gives the same images), or with steps 0 the T ancestral steps, their noise drawn
// with seed. It returns the images in [0, 1] and calls progress after every pass.
func (m *Model) Generate(x []float32, labels []int32, steps int, seed uint64, progress func(done, total int)) ([]float32, error) {
	s := m.Sched
	var ts []int
	if steps == 0 {
		for t := s.T(); t >= 1; t-- {
			ts = append(ts, t)
		}
	} else {
		var err error
		if ts, err = s.Steps(steps); err != nil {
			return nil, err
		}
	}
	n := len(x) / (m.Cfg.H * m.Cfg.W * m.Cfg.C)
	x = append([]float32(nil), x...)
	rng := datasets.Rand(seed, 0xa2c)
	z := make([]float32, len(x))
	for i, t := range ts {
		eps, err := m.guided(x, t, labels, n)
		if err != nil {
			return nil, err
		}
		if steps == 0 {
			for j := range z {
				z[j] = float32(rng.NormFloat64())
			}
			s.AncestralStep(x, eps, z, t)
		} else {
			prev := 0
			if i+1 < len(ts) {
				prev = ts[i+1]
			}
			s.DDIMStep(x, eps, t, prev)
		}
		if progress != nil {
			progress(i+1, len(ts))
		}
	}
	for i, v := range x {
		x[i] = min(max((v+1)/2, 0), 1)
	}
	return x, nil
}

// guided is the noise prediction with classifier-free guidance: (1 + w) eps(x, y) -
// w eps(x) for a conditional model with labels, eps(x, y) otherwise.
func (m *Model) guided(x []float32, t int, labels []int32, n int) ([]float32, error) {
	cond, err := m.PredictNoise(x, t, labels, n)
	if err != nil || labels == nil || m.Cfg.Guidance == 0 {
		return cond, err
	}
	free, err := m.PredictNoise(x, t, nil, n)
	if err != nil {
		return nil, err
	}
	Guide(cond, free, m.Cfg.Guidance)
	return cond, nil
}
