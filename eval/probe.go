package eval

import (
	"context"
	"fmt"
	"math"

	"github.com/genlab-go/genlab/backend"
	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// Features is a labelled set of feature vectors: N rows of Dim values (row-major) and
// a class in [0, Classes) for each.
type Features struct {
	N, Dim  int
	X       []float32
	Labels  []int32
	Classes int
}

// Validate checks that the sizes agree and the labels are in range.
func (f Features) Validate() error {
	if f.N < 1 || f.Dim < 1 || len(f.X) != f.N*f.Dim || len(f.Labels) != f.N || f.Classes < 2 {
		return fmt.Errorf("eval: features: %d values and %d labels for %d rows of %d, %d classes",
			len(f.X), len(f.Labels), f.N, f.Dim, f.Classes)
	}
	for i, l := range f.Labels {
		if l < 0 || int(l) >= f.Classes {
			return fmt.Errorf("eval: features: label %d of row %d is not in [0, %d)", l, i, f.Classes)
		}
	}
	return nil
}

// PixelFeatures are the raw pixels of images as features: the baseline a learned
// representation's probe accuracy is read against.
func PixelFeatures(d *datasets.Images) Features {
	return Features{N: d.N, Dim: d.ImageSize(), X: d.Floats(), Labels: d.Labels, Classes: len(d.Classes)}
}

// ProbeConfig is how a linear probe is trained.
type ProbeConfig struct {
	Steps        int
	BatchSize    int
	LearningRate float64 // Adam
	Seed         int64
}

// DefaultProbeConfig trains for 1500 steps of 256: a few epochs of 10000 rows, enough
// for softmax regression on standardized features to settle.
func DefaultProbeConfig() ProbeConfig {
	return ProbeConfig{Steps: 1500, BatchSize: 256, LearningRate: 3e-3, Seed: 1}
}

// ProbeResult is a linear probe's accuracy on the data it was trained on and on
// held-out data.
type ProbeResult struct {
	Dim               int
	TrainAcc, TestAcc float64
	TrainN, TestN     int
}

// LinearProbe measures how linearly separable the classes are in a representation: it
// trains softmax regression on train (features standardized with train's mean and
// standard deviation, so that every representation gets the same optimizer) and
// returns its accuracy on train and test. A probe reads what the representation
// already holds; it cannot build new features.
func LinearProbe(ctx context.Context, train, test Features, cfg ProbeConfig) (ProbeResult, error) {
	for _, f := range []Features{train, test} {
		if err := f.Validate(); err != nil {
			return ProbeResult{}, err
		}
	}
	if train.Dim != test.Dim || train.Classes != test.Classes {
		return ProbeResult{}, fmt.Errorf("eval: probe: train has %d features and %d classes, test %d and %d",
			train.Dim, train.Classes, test.Dim, test.Classes)
	}
	if cfg.Steps < 1 || cfg.BatchSize < 1 || cfg.LearningRate <= 0 {
		return ProbeResult{}, fmt.Errorf("eval: probe: bad config %+v", cfg)
	}
	mean, std := standardizer(train)
	trainX, testX := standardize(train, mean, std), standardize(test, mean, std)

	be, err := backend.New("")
	if err != nil {
		return ProbeResult{}, err
	}
	store := model.NewStore()
	logits := func(scope *model.Scope, x *graph.Node) *graph.Node {
		return layers.DenseWithBias(scope.In("probe"), x, train.Classes)
	}
	b := min(cfg.BatchSize, train.N)
	sampler := datasets.NewSampler(train.N, b, uint64(cfg.Seed))
	batches := func(step, _ int) ([]*tensors.Tensor, error) {
		x := make([]float32, 0, b*train.Dim)
		y := make([]int32, 0, b)
		for _, i := range sampler.Batch(step) {
			x = append(x, trainX[i*train.Dim:(i+1)*train.Dim]...)
			y = append(y, train.Labels[i])
		}
		return []*tensors.Tensor{
			tensors.FromFlatDataAndDimensions(x, b, train.Dim),
			tensors.FromFlatDataAndDimensions(y, b, 1),
		}, nil
	}
	fc := fit.Config{Steps: cfg.Steps, Seed: cfg.Seed}
	_, err = fit.Run(ctx, be, store, fc, batches, fit.Update{
		Loss: func(scope *model.Scope, in []*graph.Node) (*graph.Node, []fit.Metric) {
			l := loss.SparseCategoricalCrossEntropyLogits([]*graph.Node{in[1]}, []*graph.Node{logits(scope, in[0])})
			return graph.ReduceAllMean(l), nil
		},
		Optimizer: optimizer.Adam().LearningRate(cfg.LearningRate).Done(),
	})
	if err != nil {
		return ProbeResult{}, fmt.Errorf("eval: probe: %w", err)
	}
	mp, err := fit.NewMapper(be, store, logits)
	if err != nil {
		return ProbeResult{}, err
	}
	acc := func(x []float32, f Features) (float64, error) {
		out, _, err := mp.Map(x, f.N, []int{f.Dim}, 2000)
		if err != nil {
			return 0, err
		}
		right := 0
		for i := range f.N {
			if argmax(out[i*f.Classes:(i+1)*f.Classes]) == int(f.Labels[i]) {
				right++
			}
		}
		return float64(right) / float64(f.N), nil
	}
	res := ProbeResult{Dim: train.Dim, TrainN: train.N, TestN: test.N}
	if res.TrainAcc, err = acc(trainX, train); err != nil {
		return res, err
	}
	res.TestAcc, err = acc(testX, test)
	return res, err
}

func standardizer(f Features) (mean, std []float64) {
	mean, std = make([]float64, f.Dim), make([]float64, f.Dim)
	for i := range f.N {
		for j, v := range f.X[i*f.Dim : (i+1)*f.Dim] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(f.N)
	}
	for i := range f.N {
		for j, v := range f.X[i*f.Dim : (i+1)*f.Dim] {
			d := float64(v) - mean[j]
			std[j] += d * d
		}
	}
	// A feature that barely varies in training (an MNIST border pixel lit in 3 images
	// of 5000) would be blown up into a few huge values the probe overfits to: the scale
	// is floored at a tenth of the features' mean scale. Constant features stay 0.
	var avg float64
	for j := range std {
		std[j] = math.Sqrt(std[j] / float64(f.N))
		avg += std[j] / float64(f.Dim)
	}
	for j := range std {
		std[j] = max(std[j], 0.1*avg, 1e-12)
	}
	return mean, std
}

func standardize(f Features, mean, std []float64) []float32 {
	out := make([]float32, len(f.X))
	for i := range f.N {
		for j := range f.Dim {
			k := i*f.Dim + j
			out[k] = float32((float64(f.X[k]) - mean[j]) / std[j])
		}
	}
	return out
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
