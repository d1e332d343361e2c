package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/maps"
	"github.com/genlab-go/genlab/eval"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/classifier"
)

// What the command does with image-to-image models (models.Translator).

// translationEval is what scoring translations needs besides the model and the test
// set: the training set (loaded on first use) and where the feature classifier and the
// age regressor are kept (each trained there once if missing).
type translationEval struct {
	ctx                context.Context
	data               string // data directory
	train              func() (*datasets.Images, error)
	clsDir, regDir     string
	clsSteps, regSteps int
	seed               int64
}

// scoreTranslations prints how the model's translations of the held-out inputs compare
// with where they should land: with their targets pixel by pixel (paired data), with
// the held-out images of the target domain in a feature space (the Frechet distance),
// with the inputs after the way back (a Cycler's cycle error), and, for faces by age,
// by the age a regressor reads in them.
func scoreTranslations(out io.Writer, tr models.Translator, test *datasets.Images, te translationEval) error {
	in, target, err := tr.Pairs(test)
	if err != nil {
		return err
	}
	paired := target != nil
	inPx := in.Floats()
	px, err := tr.Translate(inPx, in.N)
	if err != nil {
		return err
	}
	if paired {
		s, err := eval.CompareImages(target.WithPixels(px), target)
		if err != nil {
			return err
		}
		metric(out, "l1", "%.4f", s.L1)
		metric(out, "psnr", "%.2f", s.PSNR)
		metric(out, "ssim", "%.4f", s.SSIM)
		metric(out, "sharpness", "%.3f", s.Sharpness)
		if strings.HasPrefix(test.Name, maps.Name) {
			if err := mapContent(out, px, target); err != nil {
				return err
			}
		}
	}
	if cy, ok := tr.(models.Cycler); ok {
		back, err := cy.Cycle(inPx, in.N)
		if err != nil {
			return err
		}
		metric(out, "cycle_l1", "%.4f", meanAbsDiff(back, inPx))
	}
	if !paired {
		if target, err = targetDomain(tr, test); err != nil {
			return err
		}
	}
	if te.clsSteps > 0 {
		if err := translationFD(out, tr, px, in.N, target, te); err != nil {
			return err
		}
	}
	if slices.Contains(test.FactorNames, "age") && te.regSteps > 0 {
		return ageShift(out, in, px, target, te)
	}
	return nil
}

// targetDomain returns the images of data (pairs or two labelled domains) in the
// domain tr translates into: the targets of pairs, or a Cycler's target domain.
func targetDomain(tr models.Translator, data *datasets.Images) (*datasets.Images, error) {
	_, target, err := tr.Pairs(data)
	if err != nil || target != nil {
		return target, err
	}
	if cy, ok := tr.(models.Cycler); ok {
		return cy.Target(data)
	}
	return nil, fmt.Errorf("eval: %s has no images of the domain this model translates into", data.Name)
}

// meanAbsDiff is the mean absolute difference of two equal-length slices.
func meanAbsDiff(a, b []float32) float64 {
	sum := 0.0
	for i := range a {
		sum += math.Abs(float64(a[i] - b[i]))
	}
	return sum / float64(len(a))
}

// translationFD prints the Frechet distance between n translations and the held-out
// targets, in the features of a classifier trained to tell both domains' training
// images apart and how each is rotated (datasets.Rotations), and as the floor the
// distance of as many training images of the target domain.
func translationFD(out io.Writer, tr models.Translator, px []float32, n int, target *datasets.Images, te translationEval) error {
	train, err := te.train()
	if err != nil {
		return err
	}
	trainTarget, err := targetDomain(tr, train)
	if err != nil {
		return err
	}
	cls, err := rotationClassifier(te, train, target.C)
	if err != nil {
		return err
	}
	k := min(n, target.N, trainTarget.N)
	targetPx := target.Subset(k).Floats()
	model, err := eval.FrechetFeatures(cls.Features, px[:k*target.ImageSize()], k, targetPx, k)
	if err != nil {
		return err
	}
	floor, err := eval.FrechetFeatures(cls.Features, spread(trainTarget, k).Floats(), k, targetPx, k)
	if err != nil {
		return err
	}
	metric(out, "fd", "%.3f", model)
	metric(out, "fd_floor", "%.3f", floor)
	metric(out, "fd_n", "%d", k)
	return nil
}

// spread returns n images of d taken at even strides, with their labels and factors
// (d's first n may all be of one kind: the young faces come before the old).
func spread(d *datasets.Images, n int) *datasets.Images {
	if n >= d.N {
		return d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i * d.N / n
	}
	return d.Select(idx)
}

// rotationClassifier loads the feature network of translations from te.clsDir, or
// trains it there first: a classifier of both domains' training images (up to 2,000 of
// them, spread over both domains) in each of four rotations.
func rotationClassifier(te translationEval, train *datasets.Images, c int) (*classifier.Model, error) {
	rotations := func() (*datasets.Images, error) {
		domains := train
		if train.C == 2*c { // pairs: each half is one domain
			a, b := train.Channels(0, c), train.Channels(c, c)
			domains = &datasets.Images{Name: train.Name, H: a.H, W: a.W, C: c, Classes: []string{"A", "B"}}
			for label, half := range []*datasets.Images{a, b} {
				for i := range half.N {
					domains.AppendImage(half, i)
					domains.Labels = append(domains.Labels, int32(label))
				}
			}
		}
		rot, err := datasets.Rotations(spread(domains, 2000))
		if err == nil {
			fmt.Fprintf(os.Stderr, "eval: no feature classifier in %s: training one on %s (%d steps)\n", te.clsDir, rot.Name, te.clsSteps)
		}
		return rot, err
	}
	build := func(rot *datasets.Images) (*classifier.Model, error) {
		cfg := classifier.ConfigFor(rot)
		// Three halvings (64 -> 8) and 64 features: the held-out sets are ~100 images,
		// and a Gaussian fitted to 100 points in 128 dimensions is mostly noise.
		cfg.Channels, cfg.Features, cfg.BatchSize = []int{16, 32, 64}, 64, 32
		return classifier.New(cfg)
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Seed = te.clsSteps, te.seed
	return models.LoadOrTrain(te.ctx, te.clsDir, classifier.Load, build, rotations, fc)
}

// mapContent prints what translated maps draw where their targets do (eval.MapContent):
// the pixel accuracy of the palette's classes, and each class's IoU and the share of its
// target pixels found.
func mapContent(out io.Writer, px []float32, target *datasets.Images) error {
	s, err := eval.MapContent(px, target.Floats())
	if err != nil {
		return err
	}
	metric(out, "map_acc", "%.4f", s.Accuracy)
	for c := range eval.MapClasses {
		if s.Share[c] > 0 {
			metric(out, "iou_"+c.String(), "%.4f", s.IoU[c])
			metric(out, "found_"+c.String(), "%.4f", s.Found[c])
		}
	}
	return nil
}
