package main

import (
	"context"
	"fmt"
	"io"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/eval"
	"github.com/genlab-go/genlab/models"
)

// Outliers by likelihood: genlab eval --ood DATASET [--background DIR].

// outliers scores as many test images of dataset ood as test has by nll and prints the
// AUROC of telling them from test's (scored inNLL) by their NLL; by Serra et al.'s
// input-complexity score (the NLL in bits less the PNG length of the pixels the model
// scored: eval.ComplexityScores); and, given a background model's scores bgNLL, by Ren
// et al.'s likelihood ratio (eval.RatioScores); with the mean NLL of each side.
func outliers(ctx context.Context, out io.Writer, nll, bgNLL func(*datasets.Images) ([]float64, error), inNLL []float64,
	ood, dir string, size int, m models.Model, test *datasets.Images, seed uint64) error {
	src, err := datasets.Lookup(ood)
	if err != nil {
		return err
	}
	d, err := src.Load(ctx, dir, datasets.Test, size)
	if err != nil {
		return err
	}
	if !sameShape(m, d) {
		h, w, c := m.Shape()
		return fmt.Errorf("eval --ood: %s has %dx%dx%d images, the model %dx%dx%d", ood, d.H, d.W, d.C, h, w, c)
	}
	d = d.Subset(test.N)
	outNLL, err := nll(d)
	if err != nil {
		return err
	}
	// report prints the AUROC of a score computed from each side's images and NLLs.
	report := func(name string, score func(d *datasets.Images, nll []float64) ([]float64, error)) error {
		in, err := score(test, inNLL)
		if err != nil {
			return err
		}
		o, err := score(d, outNLL)
		if err != nil {
			return err
		}
		auroc, err := eval.AUROC(in, o)
		if err != nil {
			return err
		}
		metric(out, name, "%.4f", auroc)
		return nil
	}
	if err := report("auroc", func(_ *datasets.Images, nll []float64) ([]float64, error) { return nll, nil }); err != nil {
		return err
	}
	// The same pixels the likelihood read (binarized with seed for a binary model).
	if err := report("auroc_complexity", func(d *datasets.Images, nll []float64) ([]float64, error) {
		bits, err := eval.PNGBits(eval.ScoredPixels(m, d, seed), d.N, d.H, d.W, d.C)
		if err != nil {
			return nil, err
		}
		return eval.ComplexityScores(nll, bits)
	}); err != nil {
		return err
	}
	if bgNLL != nil {
		if err := report("auroc_ratio", func(d *datasets.Images, nll []float64) ([]float64, error) {
			bg, err := bgNLL(d)
			if err != nil {
				return nil, err
			}
			return eval.RatioScores(nll, bg)
		}); err != nil {
			return err
		}
	}
	metric(out, "nll_in", "%.3f", mean(inNLL))
	metric(out, "nll_ood", "%.3f", mean(outNLL))
	metric(out, "ood_n", "%d", len(outNLL))
	return nil
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
