package gan

import (
	"fmt"

	"github.com/genlab-go/genlab/models/blocks"
)

// Arch is the network family of both players.
type Arch string

const (
	// MLP is a dense generator and discriminator, for points (the 1-D and 2-D toys) or
	// flattened images.
	MLP Arch = "mlp"
	// DCGAN is Radford et al.'s all-convolutional pair: the generator projects the noise
	// to a small feature map and doubles it with stride-2 transposed convs; the
	// discriminator mirrors it with stride-2 convs (no pooling).
	DCGAN Arch = "dcgan"
)

// Loss is the game the two players play.
type Loss string

const (
	// NonSaturating is Goodfellow et al.'s GAN: D is a classifier of real against
	// generated samples, and G maximizes log D(G(z)).
	NonSaturating Loss = "gan"
	// WGANGP is Gulrajani et al.'s Wasserstein GAN with gradient penalty: D is a critic
	// whose score gap between real and generated samples estimates the Wasserstein-1
	// distance, kept 1-Lipschitz by penalizing input gradients whose norm is not 1.
	WGANGP Loss = "wgan-gp"
)

// Config describes a GAN and how to train it.
type Config struct {
	Arch    Arch
	H, W, C int // shape of one sample (a point in R^d is 1 x d x 1)
	Noise   int // size of the generator's input z ~ N(0, I)
	// Hidden are the MLP widths of both players.
	Hidden []int
	// GenChannels are the DCGAN generator's channels from the projected map up (each a
	// stride-2 transposed conv doubles the size); DiscChannels the discriminator's
	// stride-2 convs. H and W must be the projected size times 2^len(GenChannels).
	GenChannels, DiscChannels []int
	// BatchNorm puts batch normalization (blocks.BatchNorm) in the DCGAN players as
	// Radford et al. do: after the generator's projection and every transposed conv but
	// the last, and after every discriminator conv but the first. It steadies early
	// training (each layer sees inputs of a fixed scale whatever the other player
	// does); it is off by default, and WGAN-GP forbids it, because its gradient penalty
	// is defined per sample and batch statistics make each critic score depend on the
	// rest of the batch.
	BatchNorm bool
	// Init is how the DCGAN players' weights start: "" (or blocks.He), He's normal with
	// zero biases, or blocks.FanInUniform, PyTorch's default, which the PyTorch peer of
	// `genlab bench` and scripts/race.sh keeps. The MLP players are always He's.
	Init blocks.Init
	// Tanh makes the generator output tanh values in [-1, 1], the range real images are
	// mapped to before the discriminator sees them (from [0, 1]); off for points.
	Tanh bool
	// Classes > 0 makes a conditional GAN: both players also read a one-hot label.
	Classes int
	// Loss is the objective ("" means NonSaturating).
	Loss Loss
	// CriticSteps is how many discriminator (critic) updates run per generator update:
	// 1 for the GAN; WGAN-GP trains the critic towards optimality first (5), because
	// its gradient is only a good direction for G near the optimal critic.
	CriticSteps int
	// GeneratorSteps is how many generator updates run per step (0 means 1). More than
	// one lets G chase the current D's maximum before D can answer: the optimal G for a
	// fixed D puts all its mass where D is highest, which is how mode collapse happens
	// (notebook 04 shows it on the ring).
	GeneratorSteps int
	// GPWeight is WGAN-GP's gradient-penalty weight lambda (10 in the paper).
	GPWeight float64
	// LearningRate, Beta1 and Beta2 configure Adam for both players. Beta1 = 0.5 instead
	// of 0.9, as Radford et al. found, because a long momentum lags behind an opponent
	// that keeps moving, and training oscillates; WGAN-GP drops momentum entirely (0).
	// Beta2 = 0 means 0.999 (a second-moment average over one step is never wanted).
	LearningRate, Beta1, Beta2 float64
	BatchSize                  int
}

// DefaultConfig is the DCGAN for 28x28 grey images (MNIST, Fashion-MNIST), the model of
// `genlab bench`'s dcgan: G: z100 -> dense 7x7x128 -> convT k4 s2 64 -> convT k4 s2 1,
// tanh; D: conv k4 s2 64 -> conv k4 s2 128 -> dense 1. Adam 2e-4, beta1 0.5, batch 64.
func DefaultConfig() Config {
	return Config{
		Arch: DCGAN, H: 28, W: 28, C: 1, Noise: 100,
		Hidden:       []int{128, 128},
		GenChannels:  []int{128, 64},
		DiscChannels: []int{64, 128},
		Tanh:         true,
		Loss:         NonSaturating, CriticSteps: 1,
		LearningRate: 2e-4, Beta1: 0.5, Beta2: 0.999, BatchSize: 64,
	}
}

// ConfigFor returns the DCGAN of DefaultConfig shaped for h x w x c images: as many
// stride-2 layers as halve the side down to a 4x4 to 7x7 map (two for 28x28, three for
// 32x32 faces, four for 64x64), the generator's channels halving from 128 on the way up
// and the discriminator's mirroring them. The widths stay those of the MNIST model (a
// faces DCGAN of 128-64-32 costs about what the MNIST one does per step) because every
// CI run and laptop trains on two CPU cores; Radford et al.'s faces used 1024 down to 128.
func ConfigFor(h, w, c int) Config {
	cfg := DefaultConfig()
	cfg.H, cfg.W, cfg.C = h, w, c
	n := 0
	for s := min(h, w); s > 7 && s%2 == 0; s /= 2 {
		n++
	}
	if n == 0 {
		return cfg // Validate explains why it cannot be built
	}
	cfg.GenChannels, cfg.DiscChannels = make([]int, n), make([]int, n)
	for i := range n {
		cfg.GenChannels[i] = max(128>>i, 16)
		cfg.DiscChannels[n-1-i] = cfg.GenChannels[i]
	}
	return cfg
}

// WithWGANGP returns c trained as a WGAN-GP with Gulrajani et al.'s settings: 5 critic
// steps per generator step, penalty weight 10, Adam 1e-4 with betas (0, 0.9). The
// networks stay c's, so the two objectives can be compared on the same players.
func (c Config) WithWGANGP() Config {
	c.Loss, c.CriticSteps, c.GPWeight = WGANGP, 5, 10
	c.LearningRate, c.Beta1, c.Beta2 = 1e-4, 0, 0.9
	return c
}

// ToyConfig is the small MLP GAN of the 1-D and 2-D intuition: points in R^dim.
func ToyConfig(dim int) Config {
	return Config{
		Arch: MLP, H: 1, W: dim, C: 1, Noise: 8,
		Hidden: []int{64, 64},
		Loss:   NonSaturating, CriticSteps: 1,
		LearningRate: 1e-3, Beta1: 0.5, Beta2: 0.999, BatchSize: 256,
	}
}

// Shape is the shape of one sample, h x w x c.
func (c Config) Shape() (h, w, ch int) { return c.H, c.W, c.C }

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.H < 1 || c.W < 1 || c.C < 1 || c.Noise < 1 {
		return fmt.Errorf("gan: sample shape %dx%dx%d and noise size %d must be positive", c.H, c.W, c.C, c.Noise)
	}
	if c.BatchSize < 1 || c.LearningRate <= 0 || c.Beta1 < 0 || c.Beta1 >= 1 || c.Beta2 < 0 || c.Beta2 >= 1 || c.Classes < 0 || c.CriticSteps < 0 || c.GeneratorSteps < 0 {
		return fmt.Errorf("gan: batch %d, learning rate %g, betas %g/%g, classes %d, critic steps %d",
			c.BatchSize, c.LearningRate, c.Beta1, c.Beta2, c.Classes, c.CriticSteps)
	}
	if err := c.Init.Validate(); err != nil {
		return fmt.Errorf("gan: %w", err)
	}
	if !c.Init.IsHe() && c.Arch != DCGAN {
		return fmt.Errorf("gan: initialization %q is for the DCGAN players; the %s players are He-initialized", c.Init, c.Arch)
	}
	switch c.Loss {
	case "", NonSaturating:
	case WGANGP:
		if c.GPWeight <= 0 {
			return fmt.Errorf("gan: WGAN-GP needs a positive gradient-penalty weight, got %g", c.GPWeight)
		}
		if c.BatchNorm {
			return fmt.Errorf("gan: WGAN-GP's critic cannot use batch norm (the gradient penalty is per sample; Gulrajani et al. drop it)")
		}
	default:
		return fmt.Errorf("gan: unknown loss %q (want %q or %q)", c.Loss, NonSaturating, WGANGP)
	}
	switch c.Arch {
	case MLP:
		if len(c.Hidden) == 0 {
			return fmt.Errorf("gan: the MLP needs at least one hidden layer")
		}
		if c.BatchNorm {
			return fmt.Errorf("gan: batch norm is for the DCGAN players, not the MLP")
		}
	case DCGAN:
		if len(c.GenChannels) == 0 || len(c.DiscChannels) == 0 {
			return fmt.Errorf("gan: DCGAN needs generator and discriminator channels")
		}
		f := 1 << len(c.GenChannels)
		if c.H%f != 0 || c.W%f != 0 {
			return fmt.Errorf("gan: %d stride-2 transposed convs cannot make %dx%d (need multiples of %d)", len(c.GenChannels), c.H, c.W, f)
		}
	default:
		return fmt.Errorf("gan: unknown architecture %q (want %q or %q)", c.Arch, MLP, DCGAN)
	}
	return nil
}
