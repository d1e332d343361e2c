package gan

import (
	"math"
	"testing"

	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// The gradient penalty against hand computation: a linear critic f(x) = <w, x> has
// gradient w everywhere, so the penalty is (|w| - 1)^2 whatever the points; the
// quadratic critic f(x) = |x|^2 / 2 has gradient x, so the penalty is the mean of
// (|x_hat| - 1)^2 over the interpolates x_hat = eps real + (1 - eps) fake.
func TestGradientPenaltyClosedForm(t *testing.T) {
	real := [][]float64{{1, 2, 0}, {-1, 0, 3}}
	fake := [][]float64{{0, 0, 1}, {2, 2, 2}}
	eps := []float64{0.25, 0.9}
	w := []float64{0.5, -2, 1}
	linear := eval(t, func(g *graph.Graph) *graph.Node {
		critic := func(x *graph.Node) *graph.Node {
			return graph.ReduceSum(graph.Mul(x, graph.BroadcastToDims(graph.Const(g, [][]float64{w}), 2, 3)), -1)
		}
		return GradientPenalty(critic, graph.Const(g, real), graph.Const(g, fake), graph.Const(g, eps))
	})
	norm := math.Sqrt(0.25 + 4 + 1)
	if want := (norm - 1) * (norm - 1); math.Abs(linear-want) > 1e-9 {
		t.Errorf("linear critic: penalty %g, want (|w|-1)^2 = %g", linear, want)
	}
	quad := eval(t, func(g *graph.Graph) *graph.Node {
		critic := func(x *graph.Node) *graph.Node { return graph.MulScalar(graph.ReduceSum(graph.Square(x), -1), 0.5) }
		return GradientPenalty(critic, graph.Const(g, real), graph.Const(g, fake), graph.Const(g, eps))
	})
	var want float64
	for i := range real {
		var sq float64
		for j := range real[i] {
			x := eps[i]*real[i][j] + (1-eps[i])*fake[i][j]
			sq += x * x
		}
		want += (math.Sqrt(sq) - 1) * (math.Sqrt(sq) - 1) / 2
	}
	if math.Abs(quad-want) > 1e-9 {
		t.Errorf("quadratic critic: penalty %g, want %g", quad, want)
	}
	// The critic's loss: E[fake] - E[real] + lambda * penalty.
	got := eval(t, func(g *graph.Graph) *graph.Node {
		return CriticLoss(graph.Const(g, []float64{1, 3}), graph.Const(g, []float64{-1, 0}), graph.Const(g, 0.5), 10)
	})
	if want := (-0.5 - 2) + 5; math.Abs(got-want) > 1e-12 {
		t.Errorf("CriticLoss = %g, want %g", got, want)
	}
}

// The critic estimates the Wasserstein-1 distance: for data N(0, I) against samples
// N((mu, 0), I) in the plane, W1 = |mu| (the optimal 1-Lipschitz critic is f(x) = -x_1).
// Train the critic alone, with the penalty keeping it 1-Lipschitz, and read its score
// gap. In the plane, not on the line: a 1-D critic that starts out sloping the wrong way
// must pass through slope 0 to turn, which the penalty resists (it stalled near -0.6
// for 300 steps); in 2-D its gradient can rotate at unit norm.
func TestCriticEstimatesWassersteinDistance(t *testing.T) {
	for _, mu := range []float64{0.5, 2} {
		m, err := New(ToyConfig(2).WithWGANGP())
		if err != nil {
			t.Fatal(err)
		}
		const b = 256
		loss := func(_ *model.Scope, in []*graph.Node) (*graph.Node, []fit.Metric) {
			g := in[0].Graph()
			s := m.Store.Scope("/")
			real := s.RandomNormal(g, shapes.Make(dtypes.Float32, b, 1, 2, 1))
			shift := graph.Const(g, [][][][]float32{{{{float32(mu)}, {0}}}})
			fake := graph.Add(s.RandomNormal(g, shapes.Make(dtypes.Float32, b, 1, 2, 1)), shift)
			critic := func(x *graph.Node) *graph.Node { return m.Discriminator(x, nil) }
			sr, sf := critic(real), critic(fake)
			gp := GradientPenalty(critic, real, fake, s.RandomUniform(g, shapes.Make(dtypes.Float32, b)))
			w := graph.Sub(graph.ReduceAllMean(sr), graph.ReduceAllMean(sf))
			return CriticLoss(sr, sf, gp, m.Cfg.GPWeight), []fit.Metric{{Name: "w", Value: w}}
		}
		m.Cfg.LearningRate = 1e-3
		h := trainDiscriminatorAlone(t, m, fit.Config{Steps: 1000, Seed: 1, Reports: 10},
			fit.Update{Name: "critic", Scope: DiscriminatorScope, Loss: loss, Optimizer: m.adam()})
		// The last report averages the final 100 steps' batch estimates.
		if got := h.Last("critic").Metrics["w"]; math.Abs(got-mu) > 0.1*mu+0.05 {
			t.Errorf("mu = %g: critic's Wasserstein estimate %.3f, want about %g", mu, got, mu)
		}
	}
}
