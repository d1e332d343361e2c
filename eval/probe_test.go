package eval

import (
	"context"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/mnist"
	"github.com/genlab-go/genlab/internal/testenv"
)

// blobs returns n points in dim dimensions from classes Gaussian blobs whose centres
// are sep apart along the first axes; with labels shuffled if random.
func blobs(n, dim, classes int, sep float64, seed uint64, random bool) Features {
	rng := datasets.Rand(seed, 9)
	f := Features{N: n, Dim: dim, Classes: classes, X: make([]float32, n*dim), Labels: make([]int32, n)}
	for i := range n {
		c := i % classes
		f.Labels[i] = int32(c)
		for j := range dim {
			v := rng.NormFloat64()
			if j == c {
				v += sep
			}
			f.X[i*dim+j] = float32(v)
		}
		if random {
			f.Labels[i] = int32(rng.IntN(classes))
		}
	}
	return f
}

func TestLinearProbeSeparable(t *testing.T) {
	cfg := DefaultProbeConfig()
	cfg.Steps = 300
	res, err := LinearProbe(context.Background(), blobs(600, 5, 3, 10, 1, false), blobs(300, 5, 3, 10, 2, false), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.TrainAcc < 0.99 || res.TestAcc < 0.99 {
		t.Errorf("well-separated blobs: train %.3f test %.3f, want 1", res.TrainAcc, res.TestAcc)
	}
}

// With labels that have nothing to do with the features, the probe cannot beat chance
// on held-out data (though it may fit some of the training labels).
func TestLinearProbeRandomLabels(t *testing.T) {
	cfg := DefaultProbeConfig()
	cfg.Steps = 300
	res, err := LinearProbe(context.Background(), blobs(600, 5, 2, 0, 1, true), blobs(2000, 5, 2, 0, 2, true), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.TestAcc > 0.56 {
		t.Errorf("random labels: test accuracy %.3f, want about 0.5", res.TestAcc)
	}
}

func TestLinearProbeRejectsMismatch(t *testing.T) {
	_, err := LinearProbe(context.Background(), blobs(10, 5, 2, 1, 1, false), blobs(10, 4, 2, 1, 1, false), DefaultProbeConfig())
	if err == nil {
		t.Error("5 train features against 4 test features: no error")
	}
	bad := blobs(10, 5, 2, 1, 1, false)
	bad.Labels[3] = 7
	if _, err := LinearProbe(context.Background(), bad, bad, DefaultProbeConfig()); err == nil {
		t.Error("label 7 of 2 classes: no error")
	}
}

// Softmax regression on MNIST pixels reaches about 92% in the literature; a short
// probe on 5000 images gets well past 85%.
func TestLinearProbeMNISTPixels(t *testing.T) {
	dir := testenv.DataDir(t, "mnist")
	ctx := context.Background()
	train, err := mnist.Load(ctx, dir, mnist.MNIST, mnist.Train, datasets.Options{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	test, err := mnist.Load(ctx, dir, mnist.MNIST, mnist.Test, datasets.Options{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultProbeConfig()
	cfg.Steps = 400
	res, err := LinearProbe(ctx, PixelFeatures(train.Subset(5000)), PixelFeatures(test.Subset(2000)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pixels: train %.3f test %.3f", res.TrainAcc, res.TestAcc)
	if res.TestAcc < 0.85 {
		t.Errorf("MNIST pixel probe test accuracy %.3f, want > 0.85", res.TestAcc)
	}
}
