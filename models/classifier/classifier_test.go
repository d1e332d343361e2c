package classifier

import (
	"context"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/mnist"
	"github.com/genlab-go/genlab/eval"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
)

func loadMNIST(t *testing.T) (train, test *datasets.Images) {
	t.Helper()
	dir := testenv.DataDir(t, "mnist")
	ctx := context.Background()
	train, err := mnist.Load(ctx, dir, mnist.MNIST, mnist.Train, datasets.Options{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	test, err = mnist.Load(ctx, dir, mnist.MNIST, mnist.Test, datasets.Options{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	return train, test
}

// A short run learns MNIST, and its features tell distributions apart the way the
// Frechet distance needs: training images against test images (the floor) are close,
// while a mode-collapsed "generator" (only the digit 1) and noise are far.
func TestClassifierFeaturesScoreGenerators(t *testing.T) {
	train, test := loadMNIST(t)
	cfg := DefaultConfig()
	cfg.Channels, cfg.Features, cfg.BatchSize = []int{16, 32}, 64, 64
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fc := fit.Config{Steps: 400, Seed: 1}
	dir := t.TempDir()
	fc.CheckpointDir = dir
	if _, err := m.Train(context.Background(), train.Subset(10000), fc); err != nil {
		t.Fatal(err)
	}
	acc, err := m.Accuracy(test.Subset(2000))
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.93 {
		t.Errorf("test accuracy %.3f after 400 steps, want >= 0.93", acc)
	}

	const n = 1000
	fd := func(name string, gen []float32) eval.FD {
		r, err := eval.FrechetWithFloor(m.Features, gen, train, test, n)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: fd %.3f, floor %.3f", name, r.Model, r.Floor)
		return r
	}
	// Only ones: the generator that collapsed onto one mode.
	var ones []float32
	for i := 0; len(ones) < n*train.ImageSize(); i++ {
		if train.Labels[i] == 1 {
			ones = append(ones, train.Image(i)...)
		}
	}
	noise := make([]float32, n*train.ImageSize())
	rng := datasets.Rand(1, 2)
	for i := range noise {
		noise[i] = rng.Float32()
	}
	fresh := train.Pixels[20000*train.ImageSize() : (20000+n)*train.ImageSize()] // real, unseen by the floor
	real, collapsed, random := fd("real", fresh), fd("collapsed", ones), fd("noise", noise)
	if real.Floor <= 0 || real.Model > 2*real.Floor {
		t.Errorf("real images score %.3f against a floor of %.3f: want about the floor", real.Model, real.Floor)
	}
	// Measured: real 11.4, collapsed 252, noise 217 against a floor of 14.6 (n = 1000).
	if collapsed.Model < 10*real.Floor || random.Model < 10*real.Floor {
		t.Errorf("fd: collapsed %.3f and noise %.3f, want both far above the floor %.3f", collapsed.Model, random.Model, real.Floor)
	}

	// Save and Load give the same features.
	l, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Features(fresh[:10*train.ImageSize()], 10)
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Features(fresh[:10*train.ImageSize()], 10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("loaded classifier's feature %d = %g, trained one's %g", i, b[i], a[i])
		}
	}
}

func TestBadInput(t *testing.T) {
	bad := DefaultConfig()
	bad.Classes = 1
	if _, err := New(bad); err == nil {
		t.Error("a one-class classifier: no error")
	}
	m, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	unlabelled := &datasets.Images{Name: "x", N: 2, H: 28, W: 28, C: 1, Pixels: make([]float32, 2*28*28)}
	if _, err := m.Train(context.Background(), unlabelled, fit.Config{Steps: 1}); err == nil {
		t.Error("training on unlabelled images: no error")
	}
	if _, err := m.Train(context.Background(), &datasets.Images{Name: "y", N: 1, H: 32, W: 32, C: 3, Pixels: make([]float32, 32*32*3)}, fit.Config{Steps: 1}); err == nil {
		t.Error("training on 32x32x3 images: no error")
	}
}
