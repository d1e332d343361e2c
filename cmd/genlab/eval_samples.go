package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/eval"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/classifier"
)

// What eval reads off a model's codes and samples: linear probes, and the Frechet
// distance of samples (a model's, or another program's .npy) in a lab classifier's features.

// probes prints the test accuracy of linear probes trained on the model's features
// (if it has them), on its code, and on the raw pixels for comparison.
func probes(ctx context.Context, out io.Writer, m models.Model, enc models.Encoder, train, test *datasets.Images, steps int, seed int64) error {
	pc := eval.DefaultProbeConfig()
	pc.Steps, pc.Seed = steps, seed
	type probe struct {
		name string
		f    eval.FeatureFunc
	}
	var ps []probe
	if f, ok := m.(models.Featurizer); ok {
		ps = append(ps, probe{"probe_features_acc", f.Features})
	}
	ps = append(ps, probe{"probe_code_acc", enc.Encode}, probe{"probe_pixels_acc", nil})
	for _, p := range ps {
		res, err := eval.ProbeImages(ctx, p.f, train, test, pc)
		if err != nil {
			return err
		}
		metric(out, p.name, "%.4f", res.TestAcc)
	}
	return nil
}

// scoreSamples prints the Frechet distance of another program's samples (a .npy file)
// against dataset's test images, with the floor, in the features of the dataset's lab
// classifier: how a PyTorch model is scored exactly as genlab's are.
func scoreSamples(ctx context.Context, out io.Writer, data, path, dataset string, size int, clsDir string, clsSteps, fdN int, seed int64) error {
	gen, err := datasets.ReadNPY(path, "samples")
	if err != nil {
		return err
	}
	src, err := datasets.Lookup(dataset)
	if err != nil {
		return err
	}
	dir := datasets.Dir(data)
	test, err := src.Load(ctx, dir, datasets.Test, size)
	if err != nil {
		return err
	}
	if gen.H != test.H || gen.W != test.W || gen.C != test.C {
		return fmt.Errorf("eval --samples: %s holds %dx%dx%d images; %s has %dx%dx%d images", path, gen.H, gen.W, gen.C, dataset, test.H, test.W, test.C)
	}
	train, err := src.Load(ctx, dir, datasets.Train, size)
	if err != nil {
		return err
	}
	if clsDir == "" {
		clsDir = filepath.Join("runs", "classifier-"+dataset)
	}
	cls, err := featureClassifier(ctx, clsDir, train, test, clsSteps, seed)
	if err != nil {
		return err
	}
	n := min(fdN, gen.N, train.N, test.N)
	if n < 2 {
		return fmt.Errorf("eval --samples: %d images to score (of %d in %s, --fd-n %d); the Frechet distance needs more", n, gen.N, path, fdN)
	}
	fd, err := eval.FrechetWithFloor(cls.Features, gen.Subset(n).Floats(), train, test, n)
	if err != nil {
		return err
	}
	metric(out, "fd", "%.3f", fd.Model)
	metric(out, "fd_floor", "%.3f", fd.Floor)
	metric(out, "fd_n", "%d", fd.N)
	return nil
}

// featureClassifier loads the classifier whose features the Frechet distance is measured
// in from dir, or trains one there first (once per dataset) and reports its accuracy.
func featureClassifier(ctx context.Context, dir string, train, test *datasets.Images, steps int, seed int64) (*classifier.Model, error) {
	trained := fit.HasCheckpoint(dir)
	if !trained {
		fmt.Fprintf(os.Stderr, "eval: no feature classifier in %s: training one (%d steps, once for %s)\n", dir, steps, train.Name)
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Seed = steps, seed
	m, err := classifier.LoadOrTrain(ctx, dir, train, fc)
	if err != nil {
		return nil, fmt.Errorf("eval: feature classifier: %w", err)
	}
	if !trained {
		acc, err := m.Accuracy(test)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "eval: feature classifier test accuracy %.4f\n", acc)
	}
	return m, nil
}
