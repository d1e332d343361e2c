package dbvae

import (
	"context"
	"math"
	"testing"

	"github.com/genlab-go/genlab/backend"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// The loss by hand: a face (cross-entropy 0.2, reconstruction 300 nats, KL 12) and an
// object (1.5, 900, 40), gamma 2, beta 0.5, 100 pixels: (0.2 + 2*(300 + 6)/100 + 1.5)/2
// = 3.91. The object's reconstruction and KL count for nothing: the loss's gradient
// with respect to them is zero, and to the face's 2/100/2 and 0.5*2/100/2.
func TestObjectiveByHand(t *testing.T) {
	out := graph.MustExecOnceN(backend.MustNew("go"), func(g *graph.Graph) []*graph.Node {
		bce, face := graph.Const(g, []float64{0.2, 1.5}), graph.Const(g, []float64{1, 0})
		recon, kl := graph.Const(g, []float64{300, 900}), graph.Const(g, []float64{12, 40})
		loss := Objective(bce, face, recon, kl, 2, 0.5, 100)
		grads := graph.Gradient(loss, bce, recon, kl)
		return append([]*graph.Node{loss}, grads...)
	})
	got := func(i int) []float64 { return tensors.MustCopyFlatData[float64](out[i]) }
	if l := got(0)[0]; math.Abs(l-3.91) > 1e-12 {
		t.Errorf("loss %.15g, want 3.91", l)
	}
	for i, want := range [][]float64{{0.5, 0.5}, {0.01, 0}, {0.005, 0}} {
		g := got(i + 1)
		for j := range want {
			if math.Abs(g[j]-want[j]) > 1e-15 {
				t.Errorf("gradient %d: %v, want %v", i, g, want)
				break
			}
		}
	}
}

// Weights by hand. Ten codes in one dimension, nine at 0 and one at 1, two bins: the
// frequencies are 0.9 and 0.1, with alpha 0.1 the weights 1/1 and 1/0.2, so the rare
// code is drawn with probability 5/14 and each other with 1/14. In two dimensions, max
// and product differ: code 0 is rare in both, code 1 in the first only.
func TestWeightsByHand(t *testing.T) {
	mu := make([]float32, 10)
	mu[3] = 1
	p, err := Weights(mu, 10, 1, 2, 0.1, Max)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range p {
		want := 1.0 / 14
		if i == 3 {
			want = 5.0 / 14
		}
		if math.Abs(x-want) > 1e-12 {
			t.Errorf("code %d: %g, want %g", i, x, want)
		}
	}
	// [n, 2]: dimension 0 puts codes 0 and 1 in the upper bin (frequency 0.2), dimension 1
	// code 0 alone (0.1). Per-dimension weights (alpha 0.1): 1/0.3 or 1/0.9; 1/0.2 or 1/1.
	mu2 := make([]float32, 20)
	mu2[0], mu2[2], mu2[1] = 1, 1, 1
	w0, w1 := [2]float64{1 / 0.9, 1 / 0.3}, [2]float64{1, 1 / 0.2}
	for _, combine := range []string{Max, Product} {
		p, err := Weights(mu2, 10, 2, 2, 0.1, combine)
		if err != nil {
			t.Fatal(err)
		}
		raw := make([]float64, 10)
		s := 0.0
		for i := range raw {
			b0, b1 := 0, 0
			if i < 2 {
				b0 = 1
			}
			if i == 0 {
				b1 = 1
			}
			if combine == Max {
				raw[i] = max(w0[b0], w1[b1])
			} else {
				raw[i] = w0[b0] * w1[b1]
			}
			s += raw[i]
		}
		for i := range p {
			if math.Abs(p[i]-raw[i]/s) > 1e-12 {
				t.Errorf("%s: code %d: %g, want %g", combine, i, p[i], raw[i]/s)
			}
		}
	}
	if e := EffectiveSize([]float64{0.25, 0.25, 0.25, 0.25}); e != 4 {
		t.Errorf("effective size of uniform over 4: %g", e)
	}
	if _, err := Weights([]float32{1, float32(math.NaN())}, 2, 1, 2, 0.1, Max); err == nil {
		t.Error("a NaN code was accepted")
	}
}

func small() Config {
	c := DefaultConfig()
	c.H, c.W, c.Channels, c.Latent, c.BatchSize, c.LearningRate = 16, 16, []int{8, 16}, 4, 8, 2e-3
	return c
}

// Training on a small detection set: the detector learns it, the faces' probabilities
// are a distribution saved with the model, and the loss of a batch of objects alone is
// its cross-entropy: no reconstruction counts for them.
func TestTrainDebias(t *testing.T) {
	d := testenv.Detection(12, 10, 16)
	m, err := New(small())
	if err != nil {
		t.Fatal(err)
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Progress, fc.CheckpointDir = 60, nil, t.TempDir()
	if _, err := m.Train(context.Background(), d, fc); err != nil {
		t.Fatal(err)
	}
	if acc, err := m.Accuracy(d); err != nil || acc != 1 {
		t.Errorf("accuracy %g (%v) on the training set, want 1", acc, err)
	}
	p, err := m.FaceProbabilities()
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, x := range p {
		s += x
	}
	if len(p) != 12 || math.Abs(s-1) > 1e-5 {
		t.Errorf("%d face probabilities summing to %g; want 12 summing to 1", len(p), s)
	}
	back, err := Load(fc.CheckpointDir)
	if err != nil {
		t.Fatal(err)
	}
	if q, err := back.FaceProbabilities(); err != nil || q[3] != p[3] {
		t.Errorf("loaded probabilities %v (%v), trained %v", q, err, p)
	}

	objects := d.Pixels[12*d.ImageSize():]
	exec := model.MustNewExec(m.v.Backend, m.v.Store, func(scope *model.Scope, x, labels *graph.Node) []*graph.Node {
		loss, metrics := m.Loss(scope, []*graph.Node{x, labels})
		return []*graph.Node{loss, metrics[1].Value}
	})
	out := exec.MustCall(tensors.FromFlatDataAndDimensions(objects[:4*d.ImageSize()], 4, 16, 16, 3), []int32{0, 0, 0, 0})
	loss, bce := tensors.MustCopyFlatData[float32](out[0])[0], tensors.MustCopyFlatData[float32](out[1])[0]
	if loss != bce {
		t.Errorf("objects only: loss %g, cross-entropy %g; want them equal", loss, bce)
	}
}
