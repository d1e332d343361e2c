package cyclegan

import (
	"fmt"

	"github.com/genlab-go/genlab/models/pix2pix"
)

// Direction says which generator Translate runs: AtoB (G) or BtoA (F).
type Direction string

const (
	AtoB Direction = "AtoB"
	BtoA Direction = "BtoA"
)

// The generators' networks (Config.Generator).
const (
	ResNet = "resnet"
	UNet   = "unet"
)

// Config describes a CycleGAN and how to train it.
type Config struct {
	Size, Channels int // image side and channels of both domains
	Direction      Direction
	// Generator is the generators' network: "resnet" (or empty), Johnson et al.'s
	// residual network as in the paper, or "unet", pix2pix's U-Net for the image size
	// (pix2pix.ConfigFor; the official code's unet_128 and unet_256 options).
	Generator string
	// GenFilters is the generators' first width (64 in the paper); they go down twice
	// (x2, x4 channels), through ResBlocks residual blocks, and up again.
	GenFilters, ResBlocks int
	// DiscChannels are the PatchGAN discriminators' stride-2 layers.
	DiscChannels []int
	// LambdaCycle weighs the cycle-consistency terms (10); LambdaIdentity the identity
	// terms, as a fraction of LambdaCycle (0.5). LambdaCycle 0 is the ablation that
	// shows what the cycle is for.
	LambdaCycle, LambdaIdentity float64
	// CycleNoise is the standard deviation of Gaussian noise added to each translation,
	// in [-1, 1] units, before it is translated back for the cycle terms (0: none).
	// Without it a generator can pass the cycle by hiding its input in a faint,
	// near-invisible signal of an otherwise blank output (Chu et al., 2017, "CycleGAN, a
	// master of steganography"); noise drowns such a signal, so what the way back needs
	// must be drawn visibly (Bashkirova et al., 2019).
	CycleNoise float64
	// PoolSize is how many past generated images each discriminator draws from (50),
	// rounded down to a multiple of BatchSize.
	PoolSize int
	// HoldSteps and DecaySteps: the learning rate stays at LearningRate for HoldSteps
	// steps, then falls linearly to 0 over DecaySteps (0: no decay).
	HoldSteps, DecaySteps int
	LearningRate, Beta1   float64
	BatchSize             int
}

// DefaultConfig is CycleGAN at 64x64 for two CPU cores: generators of 32 filters with 4
// residual blocks at 16x16 (the paper: 64 filters, 6 blocks at 128, 9 at 256), two-layer
// PatchGANs, lambda 10, identity 0.5, a pool of 50, Adam 2e-4 with beta1 0.5, and
// batches of 1 as in the paper: measured at 64x64 on two cores, a step of 1 image took
// 2.0 s and 1.4 GiB resident, a step of 4 images 8.5 s (the same per image) and 3.7 GiB,
// over a laptop's budget. No decay unless asked for.
//
// Generator "unet" (pix2pix's U-Net) is the option a lecture may prefer: measured at
// 64x64 on the held-out faces, after 500 steps it kept each face sharp and the same
// person (cycle error 0.045) where these generators after 1,000 steps drew blurred,
// checkered faces (0.109); but it aged them less (2.9 years read by the age regressor,
// against 7.0) and its Frechet distance to old faces was higher (154 against 131). On
// the maps neither draws a map yet, after 3,000 steps either: the U-Net lays out the
// photo's shores and parks as coloured blotches, these generators paint blank off-white
// maps, which win the pixel scores.
//
// CycleNoise stays 0, as in the paper: at 0.1, 1,000 steps on the maps stopped the
// generators hiding the photo in the blank map (it came back as an honest blur) and
// drew cyan water where the photos have water, but left the held-out scores where they
// were.
func DefaultConfig() Config {
	return Config{
		Size: 64, Channels: 3, Direction: AtoB,
		GenFilters: 32, ResBlocks: 4, DiscChannels: []int{32, 64},
		LambdaCycle: 10, LambdaIdentity: 0.5, PoolSize: 50,
		LearningRate: 2e-4, Beta1: 0.5, BatchSize: 1,
	}
}

// Shape is the shape of one image of either domain.
func (c Config) Shape() (h, w, ch int) { return c.Size, c.Size, c.Channels }

// chunk is how many images Translate and Cycle push through a generator at once: the
// output layer's im2col holds 49 shifted copies of its 32-channel map, 26 MB per 64x64
// image, so 8 at 64x64 (a fourth as many at twice the side) keep a translation of the
// held-out set near 0.2 GB where all 111 at once took 11 GiB.
func (c Config) chunk() int { return max(1, 8*64*64/(c.Size*c.Size)*32/max(c.GenFilters, 1)) }

// pool is the pool size actually used: a multiple of the batch.
func (c Config) pool() int { return c.PoolSize / c.BatchSize * c.BatchSize }

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Size < 8 || c.Size%4 != 0 || c.Channels < 1 {
		return fmt.Errorf("cyclegan: %dx%dx%d images (want a side divisible by 4, at least 8)", c.Size, c.Size, c.Channels)
	}
	if c.GenFilters < 1 || c.ResBlocks < 0 || len(c.DiscChannels) == 0 {
		return fmt.Errorf("cyclegan: generator filters %d, residual blocks %d, discriminator %v", c.GenFilters, c.ResBlocks, c.DiscChannels)
	}
	if g := c.Generator; g != "" && g != ResNet && g != UNet {
		return fmt.Errorf("cyclegan: generator %q (want %s or %s)", g, ResNet, UNet)
	}
	if c.Generator == UNet {
		if err := pix2pix.ConfigFor(c.Size).Validate(); err != nil {
			return fmt.Errorf("cyclegan: U-Net generators: %w", err)
		}
	}
	if c.Direction != AtoB && c.Direction != BtoA {
		return fmt.Errorf("cyclegan: direction %q (want %s or %s)", c.Direction, AtoB, BtoA)
	}
	if c.LambdaCycle < 0 || c.LambdaIdentity < 0 || c.CycleNoise < 0 || c.PoolSize < 0 || c.HoldSteps < 0 || c.DecaySteps < 0 {
		return fmt.Errorf("cyclegan: lambdas %g/%g, cycle noise %g, pool %d, schedule %d/%d", c.LambdaCycle, c.LambdaIdentity, c.CycleNoise, c.PoolSize, c.HoldSteps, c.DecaySteps)
	}
	if c.BatchSize < 1 || c.LearningRate <= 0 || c.Beta1 < 0 || c.Beta1 >= 1 {
		return fmt.Errorf("cyclegan: batch %d, learning rate %g, beta1 %g", c.BatchSize, c.LearningRate, c.Beta1)
	}
	return nil
}
