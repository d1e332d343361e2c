package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/lab"
	"github.com/genlab-go/genlab/models"
)

// setFlags collects repeated --set FIELD=VALUE flags.
type setFlags map[string]string

func (s setFlags) String() string { return fmt.Sprint(map[string]string(s)) }

func (s setFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want FIELD=VALUE, got %q", v)
	}
	s[k] = val
	return nil
}

// cmdTrain trains a registered model on a dataset, writing checkpoints and figures to
// --ckpt: the training curves, and what the model shows best: reconstructions of test
// images if it reconstructs, else samples from fixed noise at every checkpoint.
func cmdTrain(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("%w: train: which model? genlab train %s [flags]", errUsage, strings.Join(models.Names(), "|"))
	}
	name := args[0]
	reg, err := models.Lookup(name)
	if err != nil {
		return fmt.Errorf("%w: train: %v", errUsage, err)
	}
	var c common
	fset := c.flags("train " + name)
	dataset := fset.String("dataset", "mnist", datasetNames())
	size := fset.Int("size", 0, "image side in pixels (default: the dataset's)")
	o := models.Options{Set: setFlags{}}
	fset.StringVar(&o.Arch, "arch", "", "conv or mlp (default: the model's; for gan, conv is DCGAN)")
	fset.BoolVar(&o.Conditional, "conditional", false, "gan: condition both players on the class label")
	fset.BoolVar(&o.BatchNorm, "batchnorm", false, "gan: batch normalization in the DCGAN players (as Radford et al.; not with wgan-gp)")
	fset.StringVar(&o.Loss, "loss", "", "gan: the objective, gan (non-saturating, the default) or wgan-gp (critic with gradient penalty, 5 critic steps per step)")
	fset.IntVar(&o.Latent, "latent", 0, "latent (code or noise) size (default: the model's)")
	fset.IntVar(&o.BatchSize, "batch", 0, "batch size (default: the model's)")
	fset.Float64Var(&o.LearningRate, "lr", 0, "learning rate (default: the model's)")
	fset.Float64Var(&o.Beta, "beta", 0, "KL weight of a VAE (default 1; > 1 is a beta-VAE)")
	fset.Var(setFlags(o.Set), "set", "set any configuration field by name, FIELD=VALUE (repeatable; e.g. --set Sigma=0.2)")
	steps := fset.Int("steps", 2000, "training steps (minibatches)")
	minutes := fset.Float64("minutes", 0, "a time budget: stop at the first step after this many minutes of training, with a checkpoint there (0: none; --steps still bounds the run and its schedules)")
	seed := fset.Int64("seed", 1, "random seed")
	ckpt := fset.String("ckpt", "", "checkpoint directory (default runs/MODEL-DATASET); an existing checkpoint is resumed")
	every := fset.Int("ckpt-every", 500, "steps between checkpoints")
	everyMin := fset.Float64("ckpt-minutes", 10, "also checkpoint after this many minutes since the last checkpoint (0: by steps only): a killed run loses at most this much")
	if err := c.parse(fset, args[1:]); err != nil {
		return err
	}
	defer c.stop()
	if *minutes < 0 {
		return fmt.Errorf("%w: train: --minutes %g is negative", errUsage, *minutes)
	}
	if *everyMin < 0 {
		return fmt.Errorf("%w: train: --ckpt-minutes %g is negative", errUsage, *everyMin)
	}
	if *ckpt == "" {
		*ckpt = filepath.Join("runs", name+"-"+*dataset)
	}
	train, err := datasets.LoadSize(ctx, c.data, *dataset, datasets.Train, *size)
	if err != nil {
		return err
	}
	m, err := reg.New(train, o)
	if err != nil {
		return err
	}
	if fit.HasCheckpoint(*ckpt) {
		// A resumed run whose configuration differs (a default changed since the first
		// run, or a --set it had) says how, before its variables may fail to match.
		if changes, err := fit.ConfigChanges(*ckpt, m.Name(), m.Config()); err == nil && len(changes) > 0 {
			fmt.Fprintf(out, "train: warning: %s was trained with another configuration (saved -> this run's): %s; --set FIELD=VALUE resumes it as saved\n",
				*ckpt, strings.Join(changes, ", "))
		}
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Seed, fc.CheckpointDir, fc.CheckpointEvery = *steps, *seed, *ckpt, *every
	fc.CheckpointInterval = time.Duration(*everyMin * float64(time.Minute))
	recon, reconstructs := m.(models.Reconstructor)
	gen, generates := m.(lab.Generator)
	tr, translates := m.(models.Translator)
	// A model that samples in many passes (PixelCNN: a pass per pixel, minutes for a
	// grid on a CPU) draws a smaller grid, at the end only.
	_, slow := m.(models.PassSampler)
	grid := 64
	if slow {
		grid = 16
	}
	var test *datasets.Images
	if translates { // its figures translate held-out inputs
		if test, err = datasets.LoadSize(ctx, c.data, *dataset, datasets.Test, *size); err != nil {
			return err
		}
	}
	// figure draws what the model makes best shown over training: translations of the
	// same held-out inputs, or samples from the same fixed noise.
	figure := func(path string) error {
		var img *image.RGBA
		var err error
		if translates {
			img, err = translations(tr, test, 8)
		} else {
			img, err = lab.SampleGrid(withProgress(gen, os.Stderr), grid, 1)
		}
		if err != nil {
			return err
		}
		return lab.WritePNG(path, img)
	}
	figureName := "samples"
	if translates {
		figureName = "translations"
	}
	if translates || (generates && !reconstructs && !slow) {
		// A GAN's losses say little about its outputs: draw the same inputs at every
		// checkpoint, so the figures show training as the notebooks do.
		fc.OnCheckpoint = func(step int) error {
			return figure(filepath.Join(*ckpt, fmt.Sprintf("%s-%06d.png", figureName, step)))
		}
	}
	start := time.Now()
	if *minutes > 0 {
		fc.Until = start.Add(time.Duration(*minutes * float64(time.Minute)))
	}
	hist, err := m.Train(ctx, train, fc)
	if err != nil && ctx.Err() != nil {
		if at, cerr := fit.CheckpointStep(*ckpt); cerr == nil {
			return fmt.Errorf("interrupted: %s holds step %d; the same command resumes it (%w)", *ckpt, at, err)
		}
	}
	if err != nil {
		return err
	}
	if cls, ok := m.(models.Classifier); ok {
		if test, err = datasets.LoadSize(ctx, c.data, *dataset, datasets.Test, *size); err != nil {
			return err
		}
		acc, err := cls.Accuracy(test)
		if err != nil {
			return err
		}
		metric(out, "test_acc", "%.4f", acc)
	}
	fmt.Fprintln(out, summary(name, *dataset, *ckpt, hist, time.Since(start)))
	if *minutes > 0 && hist.EndStep < *steps {
		fmt.Fprintf(out, "# the time budget of %g min ended the run at step %d of %d; the same command resumes it\n", *minutes, hist.EndStep, *steps)
	}
	if len(hist.Records) > 1 {
		p, err := lab.Curves(name+" on "+*dataset, "loss", hist)
		if err == nil {
			err = lab.SavePlot(filepath.Join(*ckpt, "loss.png"), p)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case reconstructs:
		if test == nil {
			if test, err = datasets.LoadSize(ctx, c.data, *dataset, datasets.Test, *size); err != nil {
				return err
			}
		}
		test = test.Subset(16)
		px := test.Floats()
		r, err := recon.Reconstruct(px, test.N)
		if err != nil {
			return err
		}
		return lab.WritePNG(filepath.Join(*ckpt, "reconstructions.png"), lab.Pairs(px, r, test.N, test.H, test.W, test.C, 8, 2))
	case translates, generates:
		return figure(filepath.Join(*ckpt, figureName+".png"))
	}
	return nil
}

// summary is train's closing line: what this run trained (not the budget, which a
// resumed run had partly done before), where the checkpoint is, and the peak memory.
func summary(name, dataset, ckpt string, hist *fit.History, wall time.Duration) string {
	s := fmt.Sprintf("trained %s on %s: %s in %s", name, dataset, fit.StepCount(hist.EndStep-hist.StartStep), wall.Round(time.Second))
	if hist.StartStep > 0 {
		s += fmt.Sprintf(" (resumed at step %d, now at %d)", hist.StartStep, hist.EndStep)
	}
	if fit.HasCheckpoint(ckpt) {
		s += "; checkpoint in " + ckpt
	} else {
		s += "; no checkpoint written"
	}
	return s + fmt.Sprintf("; peak memory %.0f MiB", peakMiB())
}
