package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/lab"
	"github.com/genlab-go/genlab/models"
)

// cmdSample draws samples from a trained model into a PNG grid (a conditional model's:
// its class grid).
func cmdSample(args []string, out io.Writer) error {
	var c common
	fset := c.flags("sample")
	ckpt := fset.String("ckpt", filepath.Join("runs", "vae-mnist"), "checkpoint directory of a trained model that samples (a VAE, a GAN)")
	n := fset.Int("n", 64, "number of samples (a conditional model: n/classes of each class, one row per class; a translator: n/8 held-out inputs)")
	dataset := fset.String("dataset", "maps", "a translator's held-out inputs: "+datasetNames())
	size := fset.Int("size", 0, "image side in pixels (default: the dataset's)")
	seed := fset.Uint64("seed", 1, "sampling seed")
	dst := fset.String("out", "", "output PNG (default CKPT/samples.png)")
	with := fset.String("with", "", "a translator: more translators' checkpoints (comma-separated), drawn as further columns before the target")
	steps := stepsFlag(fset)
	m, err := c.loadModel(fset, args, ckpt)
	defer c.stop()
	if err != nil {
		return err
	}
	if err := setSteps(m, *steps); err != nil {
		return err
	}
	var img *image.RGBA
	if tr, ok := m.(models.Translator); ok {
		test, err := datasets.LoadSize(context.Background(), c.data, *dataset, datasets.Test, *size)
		if err != nil {
			return err
		}
		if *with == "" {
			img, err = translations(tr, test, max(1, *n/8))
		} else {
			img, err = compareTranslations(tr, strings.Split(*with, ","), test, max(1, *n/8))
		}
		if err != nil {
			return err
		}
	} else {
		g, ok := m.(lab.Generator)
		if !ok {
			return fmt.Errorf("sample: %s holds a %q model, which has no prior or noise to sample from", *ckpt, m.Name())
		}
		if img, err = lab.SampleGrid(withProgress(g, os.Stderr), *n, *seed); err != nil {
			return err
		}
	}
	if *dst == "" {
		*dst = filepath.Join(*ckpt, "samples.png")
	}
	if err := lab.WritePNG(*dst, img); err != nil {
		return err
	}
	fmt.Fprintln(out, "wrote", *dst)
	return nil
}

// withProgress makes a model that samples in many network passes (models.PassSampler:
// PixelCNN draws one pixel per pass) report them on w every few seconds: a grid of
// samples takes minutes of passes on a CPU. Other generators are returned as they are.
func withProgress(g lab.Generator, w io.Writer) lab.Generator {
	if ps, ok := g.(models.PassSampler); ok {
		return passProgress{g, ps, w}
	}
	return g
}

type passProgress struct {
	lab.Generator
	ps models.PassSampler
	w  io.Writer
}

func (p passProgress) Sample(n int, seed uint64) ([]float32, error) {
	start, last := time.Now(), time.Now()
	return p.ps.SamplePasses(n, seed, func(done, total int) {
		if done == total || time.Since(last) > 10*time.Second {
			last = time.Now()
			fmt.Fprintf(p.w, "sampling %d images: pass %d/%d, %s\n", n, done, total, time.Since(start).Round(time.Second))
		}
	})
}

// stepsFlag is --steps, the sampling steps of a model that can choose them.
func stepsFlag(fset *flag.FlagSet) *int {
	return fset.Int("steps", -1, "a diffusion model: DDIM sampling steps (0: all T ancestral steps; default: the model's)")
}

// setSteps applies --steps to m: nothing when it was not given, an error when m cannot
// choose its steps.
func setSteps(m models.Model, steps int) error {
	if steps < 0 {
		return nil
	}
	s, ok := m.(models.StepSampler)
	if !ok {
		return fmt.Errorf("--steps: a %s has no sampling steps to choose", m.Name())
	}
	return s.SetSteps(steps)
}
