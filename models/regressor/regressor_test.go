package regressor

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/faces"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
)

// A short run on real 32x32 faces reads ages well beyond the best constant guess (the
// training median, which minimizes the mean absolute error of a constant), and Error
// is the mean absolute error of Predict.
func TestRegressorLearnsAge(t *testing.T) {
	dir := testenv.DataDir(t, "utkface")
	ctx := context.Background()
	train, err := datasets.LoadSize(ctx, dir, faces.Name, datasets.Train, 32)
	if err != nil {
		t.Fatal(err)
	}
	test, err := datasets.LoadSize(ctx, dir, faces.Name, datasets.Test, 32)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.H, cfg.W, cfg.Channels, cfg.Features = 32, 32, []int{16, 32}, 64
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Progress = 400, nil
	if _, err := m.Train(ctx, train, fc); err != nil {
		t.Fatal(err)
	}
	mae, err := m.Error(test)
	if err != nil {
		t.Fatal(err)
	}
	ages := func(d *datasets.Images) []float64 {
		t, _ := m.Targets(d)
		a := make([]float64, len(t))
		for i, v := range t {
			a[i] = float64(v) * cfg.Scale
		}
		return a
	}
	trainAges, testAges := ages(train), ages(test)
	slices.Sort(trainAges)
	median := trainAges[len(trainAges)/2]
	constant := 0.0
	for _, a := range testAges {
		constant += math.Abs(a - median)
	}
	constant /= float64(len(testAges))
	t.Logf("test MAE %.2f years after 400 steps; the training median (%.0f) %.2f", mae, median, constant)
	if mae > 0.75*constant {
		t.Errorf("test MAE %.2f years, want under 0.75 x the constant guess's %.2f", mae, constant)
	}

	pred, err := m.Predict(test.Pixels, test.N)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for i, p := range pred {
		sum += math.Abs(p - testAges[i])
	}
	if got := sum / float64(test.N); math.Abs(got-mae) > 1e-6 {
		t.Errorf("Error %.6f, mean |Predict - age| %.6f", mae, got)
	}
	if _, err := m.Targets(&datasets.Images{Name: "digits", FactorNames: []string{"digit"}}); err == nil {
		t.Error("a dataset without ages should be refused")
	}
}
