package flow

import (
	"fmt"
	"math"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/models/diffusion"
)

// Sample draws n images (in [0, 1]) with seed by SampleSteps steps of Solver; a
// conditional model's labels cycle through the classes (image i has label i % Classes).
func (m *Model) Sample(n int, seed uint64) ([]float32, error) { return m.SamplePasses(n, seed, nil) }

// SamplePasses is Sample, calling progress (if not nil) after each pass of the network
// over the n images.
func (m *Model) SamplePasses(n int, seed uint64, progress func(done, total int)) ([]float32, error) {
	return m.Generate(m.NoiseOf(n, seed), diffusion.CycledLabels(n, m.Cfg.Classes), progress)
}

// SetSteps makes Sample integrate in n steps.
func (m *Model) SetSteps(n int) error {
	if n < 1 {
		return fmt.Errorf("flow: %d sampling steps (want at least 1)", n)
	}
	m.Cfg.SampleSteps = n
	return nil
}

// SetSolver makes Sample integrate with solver (Euler or Heun).
func (m *Model) SetSolver(solver string) error {
	if solver != Euler && solver != Heun {
		return fmt.Errorf("flow: no solver %q (%s or %s)", solver, Euler, Heun)
	}
	m.Cfg.Solver = solver
	return nil
}

// SetGuidance makes a conditional model's Sample mix its two velocities with weight w.
func (m *Model) SetGuidance(w float64) error {
	if m.Cfg.Classes == 0 {
		return fmt.Errorf("flow: guidance needs a conditional model (trained with --conditional); this one has no labels")
	}
	if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
		return fmt.Errorf("flow: guidance weight %g, want a finite w >= 0", w)
	}
	m.Cfg.Guidance = w
	return nil
}

// ClassGrid draws a conditional model's class grid: row r has class r, and the same
// cols starting noises (from seed) run down every column.
func (m *Model) ClassGrid(cols int, seed uint64) ([]float32, error) {
	return m.ClassGridPasses(cols, seed, nil)
}

// ClassGridPasses is ClassGrid, calling progress (if not nil) after each pass.
func (m *Model) ClassGridPasses(cols int, seed uint64, progress func(done, total int)) ([]float32, error) {
	c := m.Cfg
	if c.Classes == 0 || cols < 1 {
		return nil, fmt.Errorf("flow: a class grid of %d columns needs a conditional model (classes %d)", cols, c.Classes)
	}
	noise, labels := diffusion.GridInputs(m.NoiseOf(cols, seed), cols, c.Classes)
	return m.Generate(noise, labels, progress)
}

// NoiseOf is n starting images x0 ~ N(0, I) drawn with seed.
func (m *Model) NoiseOf(n int, seed uint64) []float32 {
	rng := datasets.Rand(seed, 0xf10)
	x := make([]float32, n*m.Cfg.H*m.Cfg.W*m.Cfg.C)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// Generate integrates the flow from the starting images x (n of them, N(0, I); not
// changed) with labels (nil: none) by SampleSteps steps of Solver. It is deterministic:
// the same x gives the same images, in [0, 1].
func (m *Model) Generate(x []float32, labels []int32, progress func(done, total int)) ([]float32, error) {
	n := len(x) / (m.Cfg.H * m.Cfg.W * m.Cfg.C)
	v := func(x []float32, t float64) ([]float32, error) { return m.guided(x, t, labels, n) }
	out, err := Integrate(x, m.Cfg.SampleSteps, m.Cfg.Solver, v, progress)
	if err != nil {
		return nil, err
	}
	for i, v := range out {
		out[i] = min(max((v+1)/2, 0), 1)
	}
	return out, nil
}

// Passes is how many velocity evaluations Integrate makes for steps steps of solver.
func Passes(steps int, solver string) int {
	if solver == Heun {
		return 2 * steps
	}
	return steps
}

// Integrate solves dx/dt = v(x, t) from t = 0 to 1 in steps equal steps, from x (not
// changed): Euler's x += dt v(x, t), or Heun's x' = x + dt v(x, t) then
// x += dt (v(x, t) + v(x', t + dt)) / 2. It calls progress after every evaluation.
func Integrate(x []float32, steps int, solver string, v func(x []float32, t float64) ([]float32, error), progress func(done, total int)) ([]float32, error) {
	if steps < 1 || (solver != Euler && solver != Heun) {
		return nil, fmt.Errorf("flow: %d steps of solver %q", steps, solver)
	}
	x = append([]float32(nil), x...)
	total, done := Passes(steps, solver), 0
	tick := func() {
		done++
		if progress != nil {
			progress(done, total)
		}
	}
	dt := 1 / float64(steps)
	next := make([]float32, len(x))
	for i := range steps {
		t := float64(i) * dt
		v0, err := v(x, t)
		if err != nil {
			return nil, err
		}
		tick()
		if solver == Euler {
			for j := range x {
				x[j] += float32(dt) * v0[j]
			}
			continue
		}
		for j := range x {
			next[j] = x[j] + float32(dt)*v0[j]
		}
		v1, err := v(next, t+dt)
		if err != nil {
			return nil, err
		}
		tick()
		for j := range x {
			x[j] += float32(dt/2) * (v0[j] + v1[j])
		}
	}
	return x, nil
}

// guided is the velocity with classifier-free guidance: (1 + w) v(x, y) - w v(x) for a
// conditional model with labels, v(x, y) otherwise.
func (m *Model) guided(x []float32, t float64, labels []int32, n int) ([]float32, error) {
	cond, err := m.PredictVelocity(x, t, labels, n)
	if err != nil || labels == nil || m.Cfg.Guidance == 0 {
		return cond, err
	}
	free, err := m.PredictVelocity(x, t, nil, n)
	if err != nil {
		return nil, err
	}
	diffusion.Guide(cond, free, m.Cfg.Guidance)
	return cond, nil
}
