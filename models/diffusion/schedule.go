// Package diffusion is the denoising diffusion probabilistic model (Ho et al., 2020): a
// fixed forward process that adds Gaussian noise to an image over T steps until nothing
// of it is left, and a network trained to undo one step at a time by predicting the
// noise that was added. Sampling runs the reverse process from pure noise: ancestral
// sampling takes all T steps; DDIM (Song et al., 2021) takes a deterministic path
// through a few of them.
//
// This file is the process's arithmetic, on the host and in closed form, which the
// tests check against its definitions.
package diffusion

import (
	"fmt"
	"math"
)

// Schedule kinds: how the noise variance beta_t grows over the steps.
const (
	// Linear is Ho et al.'s: beta_t from 1e-4 to 0.02 linearly over T = 1000 steps.
	Linear = "linear"
	// Cosine is Nichol and Dhariwal's (2021): alphabar_t follows a squared cosine,
	// which destroys the image more evenly over the steps (the linear schedule leaves
	// its last few hundred steps almost pure noise, wasted on small images).
	Cosine = "cosine"
)

// Schedule is a variance schedule of T steps and the quantities of the process derived
// from it, indexed by t = 1..T at position t-1:
//
//	alpha_t = 1 - beta_t,   alphabar_t = alpha_1 * ... * alpha_t,
//	q(x_t | x_0) = N(sqrt(alphabar_t) x_0, (1 - alphabar_t) I).
type Schedule struct {
	Beta, Alpha, AlphaBar []float64
}

// NewSchedule returns the schedule of kind (Linear with betas from betaStart to
// betaEnd, or Cosine) over t steps.
func NewSchedule(kind string, t int, betaStart, betaEnd float64) (Schedule, error) {
	if t < 1 {
		return Schedule{}, fmt.Errorf("diffusion: %d steps", t)
	}
	beta := make([]float64, t)
	switch kind {
	case Linear:
		if !(0 < betaStart && betaStart <= betaEnd && betaEnd < 1) {
			return Schedule{}, fmt.Errorf("diffusion: linear betas from %g to %g (want 0 < start <= end < 1)", betaStart, betaEnd)
		}
		for i := range beta {
			f := 0.0
			if t > 1 {
				f = float64(i) / float64(t-1)
			}
			beta[i] = betaStart + f*(betaEnd-betaStart)
		}
	case Cosine:
		// alphabar(t) = f(t) / f(0), f(t) = cos^2((t/T + s) / (1 + s) * pi/2), s = 0.008;
		// beta_t = 1 - alphabar(t) / alphabar(t-1), clipped at 0.999 so that the last
		// step does not divide by zero.
		const s = 0.008
		f := func(i int) float64 {
			c := math.Cos((float64(i)/float64(t) + s) / (1 + s) * math.Pi / 2)
			return c * c
		}
		for i := range beta {
			beta[i] = min(1-f(i+1)/f(i), 0.999)
		}
	default:
		return Schedule{}, fmt.Errorf("diffusion: unknown schedule %q (want %q or %q)", kind, Linear, Cosine)
	}
	sc := Schedule{Beta: beta, Alpha: make([]float64, t), AlphaBar: make([]float64, t)}
	prod := 1.0
	for i, b := range beta {
		sc.Alpha[i] = 1 - b
		prod *= 1 - b
		sc.AlphaBar[i] = prod
	}
	return sc, nil
}

// T is the number of steps.
func (s Schedule) T() int { return len(s.Beta) }

// alphaBarBefore is alphabar_{t-1}, with alphabar_0 = 1 (the data itself).
func (s Schedule) alphaBarBefore(t int) float64 {
	if t <= 1 {
		return 1
	}
	return s.AlphaBar[t-2]
}

// Marginal returns the mean coefficient and the variance of q(x_t | x_0) =
// N(sqrt(alphabar_t) x_0, (1 - alphabar_t) I), t in 1..T.
func (s Schedule) Marginal(t int) (mean, variance float64) {
	a := s.AlphaBar[t-1]
	return math.Sqrt(a), 1 - a
}

// Posterior returns the coefficients of the mean of q(x_{t-1} | x_t, x_0) = N(c0 x_0 +
// ct x_t, variance I), t in 1..T:
//
//	c0 = sqrt(alphabar_{t-1}) beta_t / (1 - alphabar_t),
//	ct = sqrt(alpha_t) (1 - alphabar_{t-1}) / (1 - alphabar_t),
//	variance = (1 - alphabar_{t-1}) / (1 - alphabar_t) beta_t.
//
// The reverse process's step uses it with x_0 predicted from the noise; at t = 1 the
// variance is 0 (x_0 is the answer).
func (s Schedule) Posterior(t int) (c0, ct, variance float64) {
	ab, prev, b := s.AlphaBar[t-1], s.alphaBarBefore(t), s.Beta[t-1]
	return math.Sqrt(prev) * b / (1 - ab), math.Sqrt(s.Alpha[t-1]) * (1 - prev) / (1 - ab), (1 - prev) / (1 - ab) * b
}

// Steps returns the n timesteps a DDIM sampler visits, from T down to 1, evenly spaced
// ("trailing": the first is always T, where the data is all noise).
func (s Schedule) Steps(n int) ([]int, error) {
	T := s.T()
	if n < 1 || n > T {
		return nil, fmt.Errorf("diffusion: %d sampling steps of %d", n, T)
	}
	out := make([]int, n)
	for i := range out {
		out[i] = T - int(math.Round(float64(i)*float64(T)/float64(n)))
	}
	return out, nil
}

// PredictX0 is x_0 predicted from x_t and the noise eps at t, (x_t - sqrt(1 -
// alphabar_t) eps) / sqrt(alphabar_t), clipped to the data's [-1, 1] (Ho et al.'s
// clip_denoised). The clip is what keeps early steps from diverging: near t = T the
// cosine schedule's alphabar_t is about 1e-9, so an error of 0.01 in the predicted
// noise puts x_0 some 200 away, and the sampler would carry that into the next x_t,
// far outside anything the network saw in training; clipped, it is at most the data's
// width away.
func (s Schedule) PredictX0(xt, eps float64, t int) float64 {
	ab := s.AlphaBar[t-1]
	return min(max((xt-math.Sqrt(1-ab)*eps)/math.Sqrt(ab), -1), 1)
}

// DDIMStep is one deterministic DDIM update (eta = 0) of x_t, with the network's noise
// prediction eps, to timestep prev < t (0: the data), in place: x_0 predicted and
// clipped (PredictX0), the noise recomputed from it so that the two agree with x_t
// (as Dhariwal and Nichol's sampler does), then x_prev = sqrt(alphabar_prev) x_0 +
// sqrt(1 - alphabar_prev) eps.
func (s Schedule) DDIMStep(x, eps []float32, t, prev int) {
	ab := s.AlphaBar[t-1]
	abPrev := 1.0
	if prev >= 1 {
		abPrev = s.AlphaBar[prev-1]
	}
	sa, sn := math.Sqrt(ab), math.Sqrt(1-ab)
	pa, pn := math.Sqrt(abPrev), math.Sqrt(1-abPrev)
	for i := range x {
		x0 := s.PredictX0(float64(x[i]), float64(eps[i]), t)
		e := (float64(x[i]) - sa*x0) / sn
		x[i] = float32(pa*x0 + pn*e)
	}
}

// AncestralStep is one step of the reverse process from x_t to x_{t-1}, in place: the
// mean of the posterior q(x_{t-1} | x_t, x_0) at x_0 predicted from eps and clipped
// (PredictX0), plus the posterior's standard deviation times noise z (ignored at
// t = 1). Unclipped, the mean is 1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - alphabar_t)
// eps), and 1/sqrt(alpha_T) is about 32 on the cosine schedule.
func (s Schedule) AncestralStep(x, eps, z []float32, t int) {
	c0, ct, v := s.Posterior(t)
	sd := math.Sqrt(v)
	for i := range x {
		m := c0*s.PredictX0(float64(x[i]), float64(eps[i]), t) + ct*float64(x[i])
		if t > 1 {
			m += sd * float64(z[i])
		}
		x[i] = float32(m)
	}
}
