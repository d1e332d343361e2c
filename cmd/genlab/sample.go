package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/genlab-go/genlab/lab"
)

// cmdSample draws samples from a trained model into a PNG grid (a conditional model's:
// its class grid).
func cmdSample(args []string, out io.Writer) error {
	var c common
	fset := c.flags("sample")
	ckpt := fset.String("ckpt", filepath.Join("runs", "vae-mnist"), "checkpoint directory of a trained model that samples (a VAE, a GAN)")
	n := fset.Int("n", 64, "number of samples (a conditional model: n/classes of each class, one row per class)")
	seed := fset.Uint64("seed", 1, "sampling seed")
	dst := fset.String("out", "", "output PNG (default CKPT/samples.png)")
	m, err := c.loadModel(fset, args, ckpt)
	defer c.stop()
	if err != nil {
		return err
	}
	g, ok := m.(lab.Generator)
	if !ok {
		return fmt.Errorf("sample: %s holds a %q model, which has no prior or noise to sample from", *ckpt, m.Name())
	}
	img, err := lab.SampleGrid(g, *n, *seed)
	if err != nil {
		return err
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
