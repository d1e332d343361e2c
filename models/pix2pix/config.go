package pix2pix

import "fmt"

// Direction says which half of a pair is the input: AtoB translates the first half
// (the maps' aerial photo) into the second (the map), BtoA the other way.
type Direction string

const (
	AtoB Direction = "AtoB"
	BtoA Direction = "BtoA"
)

// Config describes a pix2pix model and how to train it.
type Config struct {
	Size      int       // image side, a power of two: 2^len(GenChannels)
	Channels  int       // channels of each side of a pair (3: RGB)
	Direction Direction // which side is the input
	// GenChannels are the U-Net encoder's channels, one stride-2 layer each, down to
	// 1x1; DiscChannels the PatchGAN's stride-2 layers (two: 34x34 patches).
	GenChannels, DiscChannels []int
	// Lambda weighs the L1 term against the adversarial one (100 in the paper).
	Lambda float64
	// Adversarial false trains the generator on L1 alone (the baseline).
	Adversarial bool
	// Dropout is the rate in the U-Net's three innermost decoder layers (0.5).
	Dropout float64
	// Jitter applies pix2pix's random enlarge-and-crop and flip to every training pair.
	Jitter bool
	// LearningRate and Beta1 configure Adam for both players (beta1 0.5, as DCGAN).
	LearningRate, Beta1 float64
	BatchSize           int
}

// DefaultConfig is pix2pix at 64x64, the size two CPU cores translate within a
// lecture: a 6-level U-Net of 32 to 256 channels (the paper's 256x256 model has 8 levels
// of 64 to 512), a two-layer PatchGAN with 34x34 patches (70x70 at 256: the same
// quarter-image scale), lambda 100, dropout 0.5, jitter, Adam with beta1 0.5, and
// batches of 8 (the paper's 1 uses two cores badly). The learning rate is 1e-3, not the
// paper's 2e-4: measured on the maps, 600 steps at 1e-3 scored better on the held-out
// pairs (L1 0.044, SSIM 0.59) than 800 steps at 2e-4 (0.051, 0.57), and a lecture has
// room for a few hundred steps, not the paper's 200 epochs.
func DefaultConfig() Config {
	return Config{
		Size: 64, Channels: 3, Direction: AtoB,
		GenChannels:  []int{32, 64, 128, 256, 256, 256},
		DiscChannels: []int{32, 64},
		Lambda:       100, Adversarial: true, Dropout: 0.5, Jitter: true,
		LearningRate: 1e-3, Beta1: 0.5, BatchSize: 8,
	}
}

// ConfigFor is DefaultConfig for size x size images: one U-Net level per halving,
// channels doubling from 32 up to 256.
func ConfigFor(size int) Config {
	c := DefaultConfig()
	c.Size = size
	c.GenChannels = nil
	for s, ch := size, 32; s > 1; s, ch = s/2, min(2*ch, 256) {
		c.GenChannels = append(c.GenChannels, ch)
	}
	return c
}

// Shape is the shape of one pair: both sides' channels stacked.
func (c Config) Shape() (h, w, ch int) { return c.Size, c.Size, 2 * c.Channels }

// Validate checks the configuration.
func (c Config) Validate() error {
	if len(c.GenChannels) < 2 || c.Size != 1<<len(c.GenChannels) {
		return fmt.Errorf("pix2pix: a %d-level U-Net makes %dx%d images, not %d", len(c.GenChannels), 1<<len(c.GenChannels), 1<<len(c.GenChannels), c.Size)
	}
	if c.Channels < 1 || len(c.DiscChannels) == 0 || c.Lambda < 0 || c.Dropout < 0 || c.Dropout >= 1 {
		return fmt.Errorf("pix2pix: channels %d, discriminator %v, lambda %g, dropout %g", c.Channels, c.DiscChannels, c.Lambda, c.Dropout)
	}
	if c.Direction != AtoB && c.Direction != BtoA {
		return fmt.Errorf("pix2pix: direction %q (want %s or %s)", c.Direction, AtoB, BtoA)
	}
	if c.BatchSize < 1 || c.LearningRate <= 0 || c.Beta1 < 0 || c.Beta1 >= 1 {
		return fmt.Errorf("pix2pix: batch %d, learning rate %g, beta1 %g", c.BatchSize, c.LearningRate, c.Beta1)
	}
	return nil
}
