package main

import (
	"fmt"
	"image"
	"io"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/eval"
	"github.com/genlab-go/genlab/lab"
	"github.com/genlab-go/genlab/models"
)

// What the command does with image-to-image models (models.Translator).

// translations draws the first n pairs of a paired set as rows of input | output |
// target (input | output for unpaired data).
func translations(tr models.Translator, pairs *datasets.Images, n int) (*image.RGBA, error) {
	in, target, err := tr.Pairs(pairs)
	if err != nil {
		return nil, err
	}
	in = in.Subset(n)
	out, err := tr.Translate(in.Pixels, in.N)
	if err != nil {
		return nil, err
	}
	if target == nil { // unpaired data: nothing to compare with
		return lab.Side(in.N, in.H, in.W, in.C, 2, in.Pixels, out), nil
	}
	return lab.Side(in.N, in.H, in.W, in.C, 2, in.Pixels, out, target.Subset(n).Pixels), nil
}

// scoreTranslations prints how close the model's translations of the held-out inputs
// are to their targets.
func scoreTranslations(out io.Writer, tr models.Translator, pairs *datasets.Images) error {
	in, target, err := tr.Pairs(pairs)
	if err != nil {
		return err
	}
	if target == nil {
		return fmt.Errorf("eval: %s has no pairs to score translations against (use a paired dataset, e.g. --dataset maps)", pairs.Name)
	}
	px, err := tr.Translate(in.Pixels, in.N)
	if err != nil {
		return err
	}
	got := *target
	got.Pixels = px
	s, err := eval.CompareImages(&got, target)
	if err != nil {
		return err
	}
	metric(out, "l1", "%.4f", s.L1)
	metric(out, "psnr", "%.2f", s.PSNR)
	metric(out, "ssim", "%.4f", s.SSIM)
	metric(out, "sharpness", "%.3f", s.Sharpness)
	return nil
}
