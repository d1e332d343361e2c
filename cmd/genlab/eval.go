package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/eval"
	"github.com/genlab-go/genlab/models"
)

// cmdEval prints every metric that applies to a trained model, by what it can do: the
// Frechet distance for a model that samples, reconstruction error, the likelihood for
// one with importance weights, the exact likelihood for one with a density (and, with
// --ood, how well either tells another dataset's images apart), linear probes and (on
// data with a factor grid) MIG for one with a code, accuracy for a classifier.
func cmdEval(ctx context.Context, args []string, out io.Writer) error {
	var c common
	fset := c.flags("eval")
	ckpt := fset.String("ckpt", filepath.Join("runs", "vae-mnist"), "checkpoint directory")
	dataset := fset.String("dataset", "mnist", "test set: "+datasetNames())
	size := fset.Int("size", 0, "image side in pixels (default: the dataset's)")
	k := fset.Int("k", 100, "importance samples for the NLL (VAE)")
	n := fset.Int("n", 10000, "test images to score")
	probeN := fset.Int("probe-n", 10000, "training images for the linear probes (0: no probes)")
	probeSteps := fset.Int("probe-steps", eval.DefaultProbeConfig().Steps, "training steps of each linear probe")
	seed := fset.Int64("seed", 1, "seed for the test binarization, the samples and the probes")
	fdN := fset.Int("fd-n", 10000, "samples for the Frechet distance of a model that samples (0: none)")
	clsDir := fset.String("classifier", "", "the feature classifier of the Frechet distance (default runs/classifier-DATASET, for a translator runs/classifier-DATASET-rotations; trained there if missing)")
	clsSteps := fset.Int("classifier-steps", 2000, "training steps of a missing feature classifier (0: no Frechet distance of translations)")
	regDir := fset.String("regressor", filepath.Join("runs", "regressor-utkface"), "faces by age: the age regressor that scores translations (trained there if missing)")
	regSteps := fset.Int("regressor-steps", 2000, "training steps of a missing age regressor (0: no age metrics)")
	ood := fset.String("ood", "", "a model with a likelihood: score this dataset's test images as outliers (auroc of the NLL, in-distribution against these)")
	bgDir := fset.String("background", "", "with --ood: a background model's checkpoint (the same model trained with --set Perturb=0.2) for the likelihood-ratio score auroc_ratio")
	samples := fset.String("samples", "", "score these images instead of a model's samples: a .npy array [N, H, W, C] of float32 in [0, 1] (another program's samples), by the Frechet distance against --dataset with its floor; no --ckpt")
	scoredOut := fset.String("scored-out", "", "a likelihood model: also write the test images its NLL scores (binarized with --seed) to this .npy file, for another program to score the same images")
	var sf samplingFlags
	sf.register(fset)
	err := c.parse(fset, args)
	defer c.stop()
	if err != nil {
		return err
	}
	if *samples != "" {
		return scoreSamples(ctx, out, c.data, *samples, *dataset, *size, *clsDir, *clsSteps, *fdN, *seed)
	}
	m, err := models.Load(*ckpt)
	if err != nil {
		return err
	}
	if err := sf.apply(m); err != nil {
		return err
	}
	// nll scores each image of a set by the model's likelihood (exact or bound), for
	// --ood; bgNLL the background model's. Both are checked before any of the work below.
	nll := likelihood(m, *k, uint64(*seed))
	var bgNLL func(*datasets.Images) ([]float64, error)
	if *ood != "" {
		if nll == nil {
			return fmt.Errorf("eval --ood: the %s in %s has no likelihood to score outliers with", m.Name(), *ckpt)
		}
		if _, err := datasets.Lookup(*ood); err != nil {
			return fmt.Errorf("eval --ood: %w", err)
		}
		if *bgDir != "" {
			bg, err := models.Load(*bgDir)
			if err != nil {
				return fmt.Errorf("eval --background: %w", err)
			}
			bh, bw, bc := bg.Shape()
			if bgNLL = likelihood(bg, *k, uint64(*seed)); bgNLL == nil || !sameShape(m, &datasets.Images{H: bh, W: bw, C: bc}) {
				return fmt.Errorf("eval --background: the %s in %s is no likelihood model of the %s's images", bg.Name(), *bgDir, m.Name())
			}
		}
	} else if *bgDir != "" {
		return fmt.Errorf("eval --background needs --ood")
	}
	if _, ok := m.(models.LogWeighter); !ok && *scoredOut != "" {
		return fmt.Errorf("eval --scored-out: the %s in %s has no importance-weighted likelihood", m.Name(), *ckpt)
	}
	src, err := datasets.Lookup(*dataset)
	if err != nil {
		return err
	}
	dir := datasets.Dir(c.data)
	fullTest, err := src.Load(ctx, dir, datasets.Test, *size)
	if err != nil {
		return err
	}
	// A translator checks its data itself (Pairs): it reads pairs or one domain.
	if _, translates := m.(models.Translator); !translates && !sameShape(m, fullTest) {
		h, w, ch := m.Shape()
		return fmt.Errorf("eval: the %s in %s is for %dx%dx%d images; %s has %dx%dx%d images",
			m.Name(), *ckpt, h, w, ch, *dataset, fullTest.H, fullTest.W, fullTest.C)
	}
	test := fullTest.Subset(*n)
	var train *datasets.Images // loaded on first use
	trainSet := func() (*datasets.Images, error) {
		if train == nil {
			train, err = src.Load(ctx, dir, datasets.Train, *size)
		}
		return train, err
	}
	if err := checkManifest(out, *ckpt, trainSet); err != nil {
		return err
	}
	start := time.Now()
	if _, slow := m.(models.PassSampler); slow && !flagSet(fset, "fd-n") {
		// 10,000 samples of a PixelCNN are 784 passes over 10,000 images: hours on a
		// CPU. Its Frechet distance is asked for by name.
		fmt.Fprintf(out, "# %s samples pixel by pixel: no Frechet distance unless --fd-n is given\n", m.Name())
		*fdN = 0
	}
	if s, ok := m.(models.Sampler); ok && *fdN > 0 {
		tr, err := trainSet()
		if err != nil {
			return err
		}
		if *clsDir == "" {
			*clsDir = filepath.Join("runs", "classifier-"+*dataset)
		}
		cls, err := featureClassifier(ctx, *clsDir, tr, fullTest, *clsSteps, *seed)
		if err != nil {
			return err
		}
		k := min(*fdN, tr.N, fullTest.N)
		gen, err := s.Sample(k, uint64(*seed))
		if err != nil {
			return err
		}
		fd, err := eval.FrechetWithFloor(cls.Features, gen, tr, fullTest, k)
		if err != nil {
			return err
		}
		metric(out, "fd", "%.3f", fd.Model)
		metric(out, "fd_floor", "%.3f", fd.Floor)
		metric(out, "fd_n", "%d", fd.N)
	}
	scored := false // whether any metric read the test images
	if r, ok := m.(models.Reconstructor); ok {
		mse, err := eval.ReconstructionMSE(r, test)
		if err != nil {
			return err
		}
		metric(out, "recon_mse", "%.6f", mse)
		scored = true
	}
	var inNLL []float64 // the test set's scores, for --ood
	if lw, ok := m.(models.LogWeighter); ok {
		lik, err := eval.NLL(lw, test, *k, uint64(*seed))
		if err != nil {
			return err
		}
		if *scoredOut != "" {
			if err := datasets.WriteNPY(*scoredOut, test.WithPixels(eval.ScoredPixels(m, test, uint64(*seed)))); err != nil {
				return err
			}
		}
		inNLL = lik.PerImage
		metric(out, "elbo", "%.3f", lik.ELBO)
		metric(out, "nll_iw", "%.3f", lik.NLL)
		metric(out, "iw_k", "%d", lik.K)
	}
	if dm, ok := m.(models.Density); ok {
		ex, err := eval.ExactNLL(dm, test, uint64(*seed))
		if err != nil {
			return err
		}
		inNLL = ex.PerImage
		metric(out, "nll", "%.3f", ex.NLL)
		metric(out, "bits_per_pixel", "%.4f", ex.BitsPerDim)
		scored = true
	}
	if *ood != "" {
		if err := outliers(ctx, out, nll, bgNLL, inNLL, *ood, dir, *size, m, test, uint64(*seed)); err != nil {
			return err
		}
	}
	if enc, ok := m.(models.Encoder); ok {
		if *probeN > 0 {
			train, err := trainSet()
			if err != nil {
				return err
			}
			if err := probes(ctx, out, m, enc, train.Subset(*probeN), test, *probeSteps, *seed); err != nil {
				return err
			}
		}
		if src.Grid != nil {
			// MIG is scored over the whole factor grid, as on dSprites.
			all, err := src.Grid()
			if err != nil {
				return err
			}
			res, err := eval.MIGImages(enc.Encode, all)
			if err != nil {
				return err
			}
			metric(out, "mig", "%.4f", res.MIG)
			for f, g := range res.PerFactor {
				metric(out, "mig_"+all.FactorNames[f], "%.4f", g)
			}
		}
		scored = true
	}
	if tr, ok := m.(models.Translator); ok {
		if *clsDir == "" {
			*clsDir = filepath.Join("runs", "classifier-"+*dataset+"-rotations")
		}
		te := translationEval{ctx: ctx, data: c.data, train: trainSet, clsDir: *clsDir, regDir: *regDir,
			clsSteps: *clsSteps, regSteps: *regSteps, seed: *seed}
		// Spread over the set, not its first n: faces by age list the young first.
		if err := scoreTranslations(out, tr, spread(fullTest, *n), te); err != nil {
			return err
		}
		scored = true
	}
	if r, ok := m.(models.Regressor); ok {
		mae, err := r.Error(test)
		if err != nil {
			return err
		}
		metric(out, "test_mae", "%.3f", mae)
		scored = true
	}
	if det, ok := m.(models.Detector); ok {
		if err := groupAccuracy(out, det, test); err != nil {
			return err
		}
	}
	if cls, ok := m.(models.Classifier); ok {
		acc, err := cls.Accuracy(test)
		if err != nil {
			return err
		}
		metric(out, "test_acc", "%.4f", acc)
		scored = true
	}
	if scored {
		metric(out, "n", "%d", test.N)
	}
	metric(out, "eval_seconds", "%.1f", time.Since(start).Seconds())
	metric(out, "peak_mib", "%.0f", peakMiB())
	return nil
}

// likelihood returns how m scores each image of a set, -log p(x) in nats: exactly for a
// density, by the importance-weighted bound with k samples for a VAE; nil for a model
// without a likelihood.
func likelihood(m models.Model, k int, seed uint64) func(*datasets.Images) ([]float64, error) {
	switch m := m.(type) {
	case models.Density:
		return func(d *datasets.Images) ([]float64, error) {
			e, err := eval.ExactNLL(m, d, seed)
			return e.PerImage, err
		}
	case models.LogWeighter:
		return func(d *datasets.Images) ([]float64, error) {
			l, err := eval.NLL(m, d, k, seed)
			return l.PerImage, err
		}
	}
	return nil
}

// flagSet reports whether the command line gave the flag name.
func flagSet(fset *flag.FlagSet, name string) bool {
	set := false
	fset.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// sameShape reports whether m reads or makes images of d's shape.
func sameShape(m models.Model, d *datasets.Images) bool {
	h, w, c := m.Shape()
	return h == d.H && w == d.W && c == d.C
}
