package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strconv"
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
	var sf samplingFlags
	sf.register(fset)
	m, err := c.loadModel(fset, args, ckpt)
	defer c.stop()
	if err != nil {
		return err
	}
	if err := sf.apply(m); err != nil {
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
// samples takes minutes of passes on a CPU. A conditional one keeps its class grid.
// Other generators are returned as they are.
func withProgress(g lab.Generator, w io.Writer) lab.Generator {
	ps, ok := g.(models.PassSampler)
	if !ok {
		return g
	}
	p := passProgress{g, ps, w}
	if cg, ok := g.(classGridPasser); ok && cg.Classes() > 0 {
		return classPassProgress{p, cg}
	}
	return p
}

type passProgress struct {
	lab.Generator
	ps models.PassSampler
	w  io.Writer
}

func (p passProgress) Sample(n int, seed uint64) ([]float32, error) {
	return p.ps.SamplePasses(n, seed, p.reporter(n))
}

// reporter is the progress callback for n images: a line at most every 10 seconds,
// and one at the end.
func (p passProgress) reporter(n int) func(done, total int) {
	start, last := time.Now(), time.Now()
	return func(done, total int) {
		if done == total || time.Since(last) > 10*time.Second {
			last = time.Now()
			fmt.Fprintf(p.w, "sampling %d images: pass %d/%d, %s\n", n, done, total, time.Since(start).Round(time.Second))
		}
	}
}

// classGridPasser is a conditional PassSampler's class grid with progress (a
// conditional diffusion model's).
type classGridPasser interface {
	models.ClassGridder
	ClassGridPasses(cols int, seed uint64, progress func(done, total int)) ([]float32, error)
}

// classPassProgress is passProgress for a conditional model: lab.SampleGrid draws its
// class grid (one row per class), as it would the model's own.
type classPassProgress struct {
	passProgress
	cg classGridPasser
}

func (p classPassProgress) Classes() int { return p.cg.Classes() }

func (p classPassProgress) ClassGrid(cols int, seed uint64) ([]float32, error) {
	return p.cg.ClassGridPasses(cols, seed, p.reporter(cols*p.cg.Classes()))
}

// samplingFlags are --steps and --guidance, the sampling choices of a model that has
// them (a diffusion or flow model); left out (steps -1, solver "", guidance nil), the
// model's own.
type samplingFlags struct {
	steps    int
	solver   string
	guidance *float64
}

func (f *samplingFlags) register(fset *flag.FlagSet) {
	fset.IntVar(&f.steps, "steps", -1, "a diffusion model: DDIM sampling steps (0: all T ancestral steps); a flow model: integration steps (default: the model's)")
	fset.StringVar(&f.solver, "solver", "", "a flow model: euler or heun (two network passes a step; default: the model's)")
	fset.Func("guidance", "a conditional diffusion or flow model: the classifier-free guidance weight `w` >= 0 (default: the model's)", func(s string) error {
		w, err := strconv.ParseFloat(s, 64)
		f.guidance = &w
		return err
	})
}

// apply sets what was given on m: an error when m cannot choose it.
func (f *samplingFlags) apply(m models.Model) error {
	if f.steps >= 0 {
		s, ok := m.(models.StepSampler)
		if !ok {
			return fmt.Errorf("--steps: a %s has no sampling steps to choose", m.Name())
		}
		if err := s.SetSteps(f.steps); err != nil {
			return err
		}
	}
	if f.solver != "" {
		s, ok := m.(models.SolverSampler)
		if !ok {
			return fmt.Errorf("--solver: a %s has no solver to choose", m.Name())
		}
		if err := s.SetSolver(f.solver); err != nil {
			return err
		}
	}
	if f.guidance != nil {
		g, ok := m.(models.GuidedSampler)
		if !ok {
			return fmt.Errorf("--guidance: a %s has no classifier-free guidance", m.Name())
		}
		if err := g.SetGuidance(*f.guidance); err != nil {
			return err
		}
	}
	return nil
}
