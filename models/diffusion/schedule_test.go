package diffusion

import (
	"math"
	"slices"
	"testing"

	"github.com/genlab-go/genlab/datasets"
)

func must(t *testing.T, kind string) Schedule {
	t.Helper()
	s, err := NewSchedule(kind, 1000, 1e-4, 0.02)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*(1+math.Abs(b)) }

func TestSchedules(t *testing.T) {
	lin := must(t, Linear)
	if lin.Beta[0] != 1e-4 || !near(lin.Beta[999], 0.02, 1e-12) || !near(lin.Beta[499], 1e-4+499.0/999*(0.02-1e-4), 1e-12) {
		t.Errorf("linear betas %g, %g, %g", lin.Beta[0], lin.Beta[499], lin.Beta[999])
	}
	// alphabar is the running product of 1 - beta; after 1000 linear steps almost
	// nothing of the image is left (Ho et al.: sqrt(alphabar_T) is about 0.006).
	p := 1.0
	for i, b := range lin.Beta {
		p *= 1 - b
		if !near(lin.AlphaBar[i], p, 1e-12) || lin.Alpha[i] != 1-b {
			t.Fatalf("step %d: alphabar %g, want %g", i+1, lin.AlphaBar[i], p)
		}
	}
	if m, _ := lin.Marginal(1000); m > 0.007 || m < 0.006 {
		t.Errorf("sqrt(alphabar_T) = %g, want about 0.0064", m)
	}
	// The cosine schedule: alphabar_t = f(t)/f(0) exactly (until the 0.999 clip at the
	// end), decreasing from almost 1 to almost 0.
	cos := must(t, Cosine)
	f := func(i int) float64 { c := math.Cos((float64(i)/1000 + 0.008) / 1.008 * math.Pi / 2); return c * c }
	for _, i := range []int{1, 250, 500, 900} {
		if !near(cos.AlphaBar[i-1], f(i)/f(0), 1e-9) {
			t.Errorf("cosine alphabar_%d = %g, want %g", i, cos.AlphaBar[i-1], f(i)/f(0))
		}
	}
	if cos.AlphaBar[0] < 0.999 || cos.AlphaBar[999] > 1e-4 || cos.Beta[999] != 0.999 {
		t.Errorf("cosine alphabar from %g to %g, last beta %g", cos.AlphaBar[0], cos.AlphaBar[999], cos.Beta[999])
	}
	for _, bad := range [][3]float64{{0, 1e-4, 0.02}, {1000, 0.02, 1e-4}, {1000, 1e-4, 1}} {
		if _, err := NewSchedule(Linear, int(bad[0]), bad[1], bad[2]); err == nil {
			t.Errorf("schedule %v accepted", bad)
		}
	}
	if _, err := NewSchedule("sigmoid", 10, 1e-4, 0.02); err == nil {
		t.Error("an unknown kind accepted")
	}
}

// q(x_t | x_0) in closed form is t steps of the one-step process x_t = sqrt(alpha_t)
// x_{t-1} + sqrt(beta_t) eps: by formula (mean coefficients multiply, variances
// compose as v_t = alpha_t v_{t-1} + beta_t) and by sampling 100,000 chains.
func TestMarginalIsTheStepsComposed(t *testing.T) {
	for _, kind := range []string{Linear, Cosine} {
		s := must(t, kind)
		m, v := 1.0, 0.0
		for step := 1; step <= 1000; step++ {
			m, v = m*math.Sqrt(s.Alpha[step-1]), s.Alpha[step-1]*v+s.Beta[step-1]
			if step%97 == 0 || step == 1000 {
				wm, wv := s.Marginal(step)
				if !near(m, wm, 1e-9) || !near(v, wv, 1e-9) {
					t.Fatalf("%s, t=%d: composed N(%g x0, %g), closed form N(%g x0, %g)", kind, step, m, v, wm, wv)
				}
			}
		}
	}
	s := must(t, Linear)
	const n, steps, x0 = 100000, 300, 0.7
	rng := datasets.Rand(1, 2)
	var sum, sum2 float64
	for range n {
		x := x0
		for step := 1; step <= steps; step++ {
			x = math.Sqrt(s.Alpha[step-1])*x + math.Sqrt(s.Beta[step-1])*rng.NormFloat64()
		}
		sum, sum2 = sum+x, sum2+x*x
	}
	mean, variance := sum/n, sum2/n-(sum/n)*(sum/n)
	wm, wv := s.Marginal(steps)
	// Standard errors: sqrt(v/n) for the mean, about v*sqrt(2/n) for the variance.
	if math.Abs(mean-wm*x0) > 4*math.Sqrt(wv/n) || math.Abs(variance-wv) > 4*wv*math.Sqrt(2.0/n) {
		t.Errorf("sampled q(x_%d | x_0 = %g): mean %.4f variance %.4f; closed form %.4f, %.4f", steps, x0, mean, variance, wm*x0, wv)
	}
}

// The posterior q(x_{t-1} | x_t, x_0) by Bayes' rule: the prior q(x_{t-1} | x_0) times
// the likelihood q(x_t | x_{t-1}), both Gaussian, multiplied out.
func TestPosteriorByBayes(t *testing.T) {
	for _, kind := range []string{Linear, Cosine} {
		s := must(t, kind)
		for _, step := range []int{2, 10, 500, 999} {
			pm, pv := s.Marginal(step - 1) // prior N(pm x0, pv)
			a, b := s.Alpha[step-1], s.Beta[step-1]
			precision := 1/pv + a/b
			variance := 1 / precision
			c0, ct, v := s.Posterior(step)
			if !near(c0, variance*pm/pv, 1e-9) || !near(ct, variance*math.Sqrt(a)/b, 1e-9) || !near(v, variance, 1e-9) {
				t.Errorf("%s t=%d: posterior %g x0 + %g xt, var %g; Bayes %g, %g, %g", kind, step, c0, ct, v,
					variance*pm/pv, variance*math.Sqrt(a)/b, variance)
			}
		}
		if _, _, v := s.Posterior(1); v != 0 {
			t.Errorf("%s: the last step's variance %g, want 0", kind, v)
		}
	}
}

// Given the true noise, both samplers' steps land where the process says: DDIM on
// sqrt(alphabar_prev) x0 + sqrt(1 - alphabar_prev) eps (and on x0 at prev = 0), the
// ancestral step (z = 0) on the posterior mean.
func TestStepsWithTheTrueNoise(t *testing.T) {
	s := must(t, Cosine)
	x0 := []float32{-0.9, 0.1, 0.75}
	eps := []float32{0.3, -1.2, 2.0}
	xt := func(step int) []float32 {
		m, v := s.Marginal(step)
		out := make([]float32, len(x0))
		for i := range out {
			out[i] = float32(m*float64(x0[i]) + math.Sqrt(v)*float64(eps[i]))
		}
		return out
	}
	for _, c := range [][2]int{{500, 400}, {900, 0}, {20, 19}} {
		x := xt(c[0])
		s.DDIMStep(x, eps, c[0], c[1])
		want := x0
		if c[1] > 0 {
			want = xt(c[1])
		}
		for i := range x {
			if !near(float64(x[i]), float64(want[i]), 1e-4) {
				t.Errorf("DDIM %d -> %d: %v, want %v", c[0], c[1], x, want)
				break
			}
		}
	}
	step := 300
	x := xt(step)
	c0, ct, _ := s.Posterior(step)
	want := make([]float64, len(x))
	for i := range x {
		want[i] = c0*float64(x0[i]) + ct*float64(x[i])
	}
	s.AncestralStep(x, eps, make([]float32, len(x)), step)
	for i := range x {
		if !near(float64(x[i]), want[i], 1e-4) {
			t.Errorf("ancestral step at t=%d: %v, want the posterior mean %v", step, x, want)
			break
		}
	}
}

// A small error in the predicted noise at t = T, where alphabar_T is about 1e-9, must
// not throw the next x_t far outside the data: unclipped, an error of 0.01 puts x_0
// some 200 away and DDIM's x_prev some 15 away (the samples then come out as saturated
// noise); clipped, x_prev is within 2 sqrt(alphabar_prev) (the data's width) plus the
// noise's share of where the true step lands, and the last step's x_0 stays in [-1, 1].
func TestStepsClipPredictedData(t *testing.T) {
	s := must(t, Cosine)
	T := s.T()
	x0 := []float32{-1, -0.3, 0.4, 1}
	eps := []float32{1.5, -0.7, 0.2, -2.1}
	m, v := s.Marginal(T)
	x := make([]float32, len(x0))
	wrong := make([]float32, len(x0))
	for i := range x {
		x[i] = float32(m*float64(x0[i]) + math.Sqrt(v)*float64(eps[i]))
		wrong[i] = eps[i] + 0.01
	}
	for _, prev := range []int{950, 0} {
		got := slices.Clone(x)
		s.DDIMStep(got, wrong, T, prev)
		pm, pv := 1.0, 0.0
		if prev > 0 {
			pm, pv = s.Marginal(prev)
		}
		for i := range got {
			want := pm*float64(x0[i]) + math.Sqrt(pv)*float64(eps[i])
			if d := math.Abs(float64(got[i]) - want); d > 2*pm+0.01 {
				t.Errorf("DDIM %d -> %d with the noise off by 0.01: x[%d] = %g, %g from %g", T, prev, i, got[i], d, want)
			}
			if prev == 0 && (got[i] < -1 || got[i] > 1) {
				t.Errorf("DDIM %d -> 0: x_0[%d] = %g outside [-1, 1]", T, i, got[i])
			}
		}
	}
	got := slices.Clone(x)
	s.AncestralStep(got, wrong, make([]float32, len(x)), T)
	c0, ct, _ := s.Posterior(T)
	for i := range got {
		// The posterior mean with the true x_0, off by at most c0 times the data's width.
		want := c0*float64(x0[i]) + ct*float64(x[i])
		if d := math.Abs(float64(got[i]) - want); d > 2*c0+1e-6 {
			t.Errorf("ancestral step at T with the noise off by 0.01: x[%d] = %g, %g from the posterior mean %g", i, got[i], d, want)
		}
	}
}

func TestDDIMSteps(t *testing.T) {
	s := must(t, Linear)
	got, err := s.Steps(10)
	if err != nil || !slices.Equal(got, []int{1000, 900, 800, 700, 600, 500, 400, 300, 200, 100}) {
		t.Errorf("10 steps: %v (%v)", got, err)
	}
	all, _ := s.Steps(1000)
	if len(all) != 1000 || all[0] != 1000 || all[999] != 1 {
		t.Errorf("1000 steps: from %d to %d", all[0], all[len(all)-1])
	}
	if _, err := s.Steps(0); err == nil {
		t.Error("0 steps accepted")
	}
}
