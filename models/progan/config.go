package progan

import (
	"fmt"
	"math/bits"
)

// Config describes a growing, style-based GAN and its training schedule.
type Config struct {
	// H, W, C are the final image shape: square, a power of two of at least 8.
	H, W, C int
	// Latent is the size of the noise z and of the style code w = mapping(z).
	Latent int
	// Mapping is the number of the mapping network's layers (StyleGAN's 8; fewer here,
	// for two CPU cores).
	Mapping int
	// Channels are the feature maps at each resolution from 4x4 up (4, 8, 16, ...):
	// one stage per entry, so 4 << (len(Channels)-1) must be H.
	Channels []int
	// FadeSteps and StableSteps are each stage's budget: a new resolution fades in over
	// FadeSteps (its weight alpha from 0 to 1 beside the upsampled previous output),
	// then trains alone for StableSteps. The first stage (4x4) only has StableSteps.
	FadeSteps, StableSteps int
	// R1 is the weight gamma of the R1 penalty gamma/2 E[|grad_x D(x)|^2] on real images
	// (Mescheder et al., 2018; StyleGAN's regularizer): it keeps the discriminator from
	// growing steep around the data, the oscillation that makes GANs diverge, at one
	// discriminator update per step where WGAN-GP needs five.
	R1 float64
	// MixProb is the probability that a training batch mixes two codes: the styles of
	// the layers below a random crossover from one, the rest from the other. It keeps
	// neighbouring layers' styles from relying on each other (Karras et al. 2019, 3.1),
	// which is what makes a style-mixing grid clean.
	MixProb float64
	// Group is the minibatch standard deviation's group size (it must divide BatchSize).
	Group int
	// LearningRate, Beta1 and Beta2 configure Adam for both players (StyleGAN: 1e-3,
	// betas 0 and 0.99: no momentum, for the reason the DCGAN's beta1 is 0.5).
	LearningRate, Beta1, Beta2 float64
	BatchSize                  int
}

// DefaultConfig is the faces GAN at 32x32x3: stages at 4, 8, 16 and 32 with 128, 64, 32
// and 16 feature maps (the DCGAN's widths at each resolution: two cores must train it),
// a 128-d code through 4 mapping layers, 600 steps to fade in each resolution and 600
// to stabilize it (4,200 steps), R1 weight 10, mixing probability 0.9, batches of 32 in
// groups of 4.
func DefaultConfig() Config {
	return ConfigFor(32, 32, 3)
}

// ConfigFor returns DefaultConfig's model for h x w x c images: one stage per doubling
// from 4x4 to h, the feature maps halving from 128 at each (never below 16). The
// papers' widths (512 down to 16 at 1024x1024) are for GPUs.
func ConfigFor(h, w, c int) Config {
	cfg := Config{
		H: h, W: w, C: c, Latent: 128, Mapping: 4,
		FadeSteps: 600, StableSteps: 600,
		R1: 10, MixProb: 0.9, Group: 4,
		LearningRate: 1e-3, Beta1: 0, Beta2: 0.99, BatchSize: 32,
	}
	for s := 0; h > 0 && 4<<s <= h; s++ {
		cfg.Channels = append(cfg.Channels, max(128>>s, 16))
	}
	return cfg
}

// Shape is the final image shape.
func (c Config) Shape() (h, w, ch int) { return c.H, c.W, c.C }

// Stages is the number of resolutions the model grows through.
func (c Config) Stages() int { return len(c.Channels) }

// Res is stage s's resolution: 4, 8, 16...
func Res(s int) int { return 4 << s }

// StyleLayers is the number of styles the generator reads at stage s: two per
// resolution (one after each of its convolutions).
func StyleLayers(s int) int { return 2 * (s + 1) }

// StageEnd is the step at which stage s ends (the total budget for the last stage).
func (c Config) StageEnd(s int) int {
	return (s+1)*c.StableSteps + s*c.FadeSteps
}

// Phase returns the stage that step (0-based) trains and the new resolution's weight
// alpha at that step: rising from 1/FadeSteps to 1 over the stage's first FadeSteps
// steps, then 1. Past the schedule it is the last stage at alpha 1.
func (c Config) Phase(step int) (stage int, alpha float64) {
	for s := range c.Stages() {
		if step < c.StageEnd(s) {
			if s == 0 {
				return 0, 1
			}
			into := step - c.StageEnd(s-1)
			if into < c.FadeSteps {
				return s, float64(into+1) / float64(c.FadeSteps)
			}
			return s, 1
		}
	}
	return c.Stages() - 1, 1
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.H != c.W || c.H < 8 || bits.OnesCount(uint(c.H)) != 1 {
		return fmt.Errorf("progan: images of %dx%d (want square, a power of two of at least 8)", c.H, c.W)
	}
	if c.C < 1 || c.Latent < 1 || c.Mapping < 1 {
		return fmt.Errorf("progan: %d channels, latent %d, %d mapping layers (want positive)", c.C, c.Latent, c.Mapping)
	}
	if len(c.Channels) < 2 || Res(len(c.Channels)-1) != c.H {
		return fmt.Errorf("progan: %d stages from 4x4 reach %dx%d, not %dx%d (want one channel count per doubling)",
			len(c.Channels), Res(max(len(c.Channels)-1, 0)), Res(max(len(c.Channels)-1, 0)), c.H, c.W)
	}
	for _, ch := range c.Channels {
		if ch < 1 {
			return fmt.Errorf("progan: channels %v", c.Channels)
		}
	}
	if c.FadeSteps < 1 || c.StableSteps < 1 {
		return fmt.Errorf("progan: %d fade and %d stable steps per stage (want at least 1 each)", c.FadeSteps, c.StableSteps)
	}
	if c.R1 < 0 || c.MixProb < 0 || c.MixProb > 1 {
		return fmt.Errorf("progan: R1 weight %g, mixing probability %g", c.R1, c.MixProb)
	}
	if c.BatchSize < 2 || c.Group < 2 || c.BatchSize%c.Group != 0 {
		return fmt.Errorf("progan: batch %d in groups of %d (the group must divide the batch, both at least 2)", c.BatchSize, c.Group)
	}
	if c.LearningRate <= 0 || c.Beta1 < 0 || c.Beta1 >= 1 || c.Beta2 < 0 || c.Beta2 >= 1 {
		return fmt.Errorf("progan: learning rate %g, betas %g/%g", c.LearningRate, c.Beta1, c.Beta2)
	}
	return nil
}
