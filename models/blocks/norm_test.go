package blocks

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestBatchNormalizeGradient checks batch normalization's backward pass, through the
// batch statistics, against finite differences (x) and the per-channel scale (k).
func TestBatchNormalizeGradient(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, dims := range [][]int{{5, 3}, {3, 4, 3, 2}} {
		c := dims[len(dims)-1]
		f := func(x, k *graph.Node) *graph.Node {
			y, _, _ := BatchNormalize(x, 1e-5)
			return graph.Mul(y, expand(k, x))
		}
		checkGradients(t, be, "batchnorm", f, dims, []int{c}, rng)
	}
}

// TestBatchNormalizeClosedForm: the output of each channel has mean 0 and variance
// v / (v + eps); for an upstream gradient r the input gradient is, with z = x - mean and
// s = sqrt(v + eps),
//
//	dL/dx_i = (r_i - mean(r) - z_i mean(r z) / s^2) / s,
//
// which sums to zero over each channel. A backward pass that treats the statistics as
// constants (GoMLX's norm.BatchNorm) gives r_i / s instead, and fails both checks.
func TestBatchNormalizeClosedForm(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(9, 10))
	const n, c, eps = 12, 3, 1e-3
	x := randSlice(rng, n*c)
	for i := range x {
		x[i] = 3*x[i] + float64(i%c) // channel means 0, 1, 2; scale 3
	}
	r := randSlice(rng, n*c)
	out := graph.MustExecOnceN(be, func(x, r *graph.Node) []*graph.Node {
		y, mean, variance := BatchNormalize(x, eps)
		gx := graph.Gradient(graph.ReduceAllSum(graph.Mul(y, r)), x)[0]
		return []*graph.Node{y, mean, variance, gx}
	}, tensors.FromFlatDataAndDimensions(x, n, c), tensors.FromFlatDataAndDimensions(r, n, c))
	y := tensors.MustCopyFlatData[float64](out[0])
	mean := tensors.MustCopyFlatData[float64](out[1])
	variance := tensors.MustCopyFlatData[float64](out[2])
	gx := tensors.MustCopyFlatData[float64](out[3])
	for ch := range c {
		var m, v, ym, yv, gsum, rm, rz float64
		for i := range n {
			m += x[i*c+ch] / n
			rm += r[i*c+ch] / n
		}
		for i := range n {
			d := x[i*c+ch] - m
			v += d * d / n
			rz += r[i*c+ch] * d / n
			ym += y[i*c+ch] / n
			gsum += gx[i*c+ch]
		}
		s := math.Sqrt(v + eps)
		for i := range n {
			z := x[i*c+ch] - m
			if want := (r[i*c+ch] - rm - z*rz/(s*s)) / s; math.Abs(gx[i*c+ch]-want) > 1e-9 {
				t.Fatalf("channel %d, row %d: input gradient %g, want %g", ch, i, gx[i*c+ch], want)
			}
		}
		for i := range n {
			yv += (y[i*c+ch] - ym) * (y[i*c+ch] - ym) / n
		}
		if math.Abs(mean[ch]-m) > 1e-9 || math.Abs(variance[ch]-v) > 1e-9 {
			t.Errorf("channel %d: statistics %g, %g, want %g, %g", ch, mean[ch], variance[ch], m, v)
		}
		if math.Abs(ym) > 1e-9 || math.Abs(yv-v/(v+eps)) > 1e-9 {
			t.Errorf("channel %d: output mean %g, variance %g, want 0 and %g", ch, ym, yv, v/(v+eps))
		}
		if math.Abs(gsum) > 1e-9 {
			t.Errorf("channel %d: input gradient sums to %g, want 0", ch, gsum)
		}
	}
}

// TestBatchNormRunningAverages: training graphs normalize by the batch and move the
// running averages by Momentum (PyTorch's update, unbiased variance); other graphs
// normalize by the averages.
func TestBatchNormRunningAverages(t *testing.T) {
	be := testBackend(t)
	store := model.NewStore()
	bn := BatchNorm{Momentum: 0.5}
	build := func(training bool) *model.Exec {
		exec, err := model.NewExec(be, store, func(scope *model.Scope, in []*graph.Node) []*graph.Node {
			store.SetTraining(in[0].Graph(), training)
			return []*graph.Node{bn.Apply(scope.In("layer"), in[0])}
		})
		if err != nil {
			t.Fatal(err)
		}
		return exec
	}
	train, infer := build(true), build(false)
	defer train.Finalize()
	defer infer.Finalize()
	// One channel with values 1, 2, 3, 4 (mean 2.5, biased variance 1.25, unbiased 5/3).
	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4}, 4, 1)
	for step := 1; step <= 2; step++ {
		out, err := train.Call(x)
		if err != nil {
			t.Fatal(err)
		}
		y := tensors.MustCopyFlatData[float32](out[0])
		if want := float32((1 - 2.5) / math.Sqrt(1.25+1e-5)); math.Abs(float64(y[0]-want)) > 1e-5 {
			t.Fatalf("training output %g, want the batch-normalized %g", y[0], want)
		}
		// After k steps from (0, 1) with momentum 1/2: 2.5 (1 - 2^-k), 1 + (5/3 - 1)(1 - 2^-k).
		f := 1 - math.Pow(0.5, float64(step))
		for name, want := range map[string]float64{"mean": 2.5 * f, "variance": 1 + (5.0/3-1)*f} {
			v := store.GetVariable("/layer/batchnorm/" + name)
			if v == nil {
				t.Fatalf("no variable %s", name)
			}
			got := tensors.MustCopyFlatData[float32](v.MustValue())[0]
			if math.Abs(float64(got)-want) > 1e-5 {
				t.Errorf("step %d: running %s %g, want %g", step, name, got, want)
			}
		}
	}
	out, err := infer.Call(tensors.FromFlatDataAndDimensions([]float32{4}, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	mean, variance := 2.5*0.75, 1+(5.0/3-1)*0.75
	want := (4 - mean) / math.Sqrt(variance+1e-5)
	if got := tensors.MustCopyFlatData[float32](out[0])[0]; math.Abs(float64(got)-want) > 1e-5 {
		t.Errorf("inference output %g, want %g (normalized by the running averages)", got, want)
	}
}
