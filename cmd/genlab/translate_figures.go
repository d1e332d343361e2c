package main

import (
	"fmt"
	"image"
	"slices"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/lab"
	"github.com/genlab-go/genlab/models"
)

// The translators' figures: held-out inputs beside their translations and targets.

// translations draws the first n pairs of a paired set as rows of input | output |
// target; for unpaired data input | output, and for a model with the way back (a
// Cycler) its reconstruction too.
func translations(tr models.Translator, pairs *datasets.Images, n int) (*image.RGBA, error) {
	in, target, err := tr.Pairs(pairs)
	if err != nil {
		return nil, err
	}
	in = in.Subset(n)
	inPx := in.Floats()
	out, err := tr.Translate(inPx, in.N)
	if err != nil {
		return nil, err
	}
	if target != nil {
		return lab.Side(in.N, in.H, in.W, in.C, 2, inPx, out, target.Subset(n).Floats()), nil
	}
	if cy, ok := tr.(models.Cycler); ok {
		back, err := cy.Cycle(inPx, in.N)
		if err != nil {
			return nil, err
		}
		return lab.Side(in.N, in.H, in.W, in.C, 2, inPx, out, back), nil
	}
	return lab.Side(in.N, in.H, in.W, in.C, 2, inPx, out), nil
}

// compareTranslations draws the first n inputs of a paired set as rows of input | the
// output of tr and of each model saved in others | target: models side by side on the
// same held-out inputs.
func compareTranslations(tr models.Translator, others []string, pairs *datasets.Images, n int) (*image.RGBA, error) {
	in, target, err := tr.Pairs(pairs)
	if err != nil {
		return nil, err
	}
	if target == nil {
		return nil, fmt.Errorf("sample: %s has no targets: compare translators on a paired dataset (e.g. --dataset maps)", pairs.Name)
	}
	in, target = in.Subset(n), target.Subset(n)
	inPx := in.Floats()
	sets := [][]float32{inPx}
	for i, dir := range append([]string{""}, others...) {
		t := tr
		if i > 0 {
			m, err := models.Load(dir)
			if err != nil {
				return nil, err
			}
			ok := false
			if t, ok = m.(models.Translator); !ok {
				return nil, fmt.Errorf("sample: %s holds a %q model, which does not translate", dir, m.Name())
			}
			// Each model reads the same inputs: a model of the other direction would not.
			if in2, _, err := t.Pairs(pairs.Subset(n)); err != nil || !slices.Equal(in2.Floats(), inPx) {
				return nil, fmt.Errorf("sample: %s does not translate the same inputs (another direction or size?)", dir)
			}
		}
		out, err := t.Translate(inPx, in.N)
		if err != nil {
			return nil, err
		}
		sets = append(sets, out)
	}
	return lab.Side(in.N, in.H, in.W, in.C, 2, append(sets, target.Floats())...), nil
}
