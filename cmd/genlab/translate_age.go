package main

import (
	"fmt"
	"io"
	"os"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/faces"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/regressor"
)

// Faces by age: how far a translation moves the age a regressor reads.

// ageShift prints the mean age the regressor reads in the held-out inputs, in their
// translations and in the held-out faces of the target domain, and the shift the
// translation makes.
func ageShift(out io.Writer, in *datasets.Images, px []float32, target *datasets.Images, te translationEval) error {
	faceTrain := func() (*datasets.Images, error) {
		fmt.Fprintf(os.Stderr, "eval: no age regressor in %s: training one on %s (%d steps)\n", te.regDir, faces.Name, te.regSteps)
		return datasets.LoadSize(te.ctx, te.data, faces.Name, datasets.Train, in.H)
	}
	build := func(d *datasets.Images) (*regressor.Model, error) {
		c, err := regressor.Configure(d, models.Options{})
		if err != nil {
			return nil, err
		}
		return regressor.New(c)
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Seed = te.regSteps, te.seed
	reg, err := models.LoadOrTrain(te.ctx, te.regDir, regressor.Load, build, faceTrain, fc)
	if err != nil {
		return fmt.Errorf("eval: age regressor: %w", err)
	}
	faceTest, err := datasets.LoadSize(te.ctx, te.data, faces.Name, datasets.Test, in.H)
	if err != nil {
		return err
	}
	mae, err := reg.Error(faceTest)
	if err != nil {
		return err
	}
	before, err := reg.Mean(in.Floats(), in.N)
	if err != nil {
		return err
	}
	after, err := reg.Mean(px, in.N)
	if err != nil {
		return err
	}
	goal, err := reg.Mean(target.Floats(), target.N)
	if err != nil {
		return err
	}
	metric(out, "age_regressor_mae", "%.2f", mae)
	metric(out, "age_input", "%.1f", before)
	metric(out, "age_output", "%.1f", after)
	metric(out, "age_target", "%.1f", goal)
	metric(out, "age_shift", "%.1f", after-before)
	return nil
}
