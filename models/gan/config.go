package gan

import "fmt"

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
	// Tanh makes the generator output tanh values in [-1, 1], the range real images are
	// mapped to before the discriminator sees them (from [0, 1]); off for points.
	Tanh bool
	// Classes > 0 makes a conditional GAN: both players also read a one-hot label.
	Classes int
	// LearningRate and Beta1 configure Adam for both players: beta1 = 0.5 instead of
	// 0.9, as Radford et al. found, because a long momentum lags behind an opponent
	// that keeps moving, and training oscillates.
	LearningRate, Beta1 float64
	BatchSize           int
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
		LearningRate: 2e-4, Beta1: 0.5, BatchSize: 64,
	}
}

// ToyConfig is the small MLP GAN of the 1-D and 2-D intuition: points in R^dim.
func ToyConfig(dim int) Config {
	return Config{
		Arch: MLP, H: 1, W: dim, C: 1, Noise: 8,
		Hidden:       []int{64, 64},
		LearningRate: 1e-3, Beta1: 0.5, BatchSize: 256,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.H < 1 || c.W < 1 || c.C < 1 || c.Noise < 1 {
		return fmt.Errorf("gan: sample shape %dx%dx%d and noise size %d must be positive", c.H, c.W, c.C, c.Noise)
	}
	if c.BatchSize < 1 || c.LearningRate <= 0 || c.Beta1 < 0 || c.Beta1 >= 1 || c.Classes < 0 {
		return fmt.Errorf("gan: batch %d, learning rate %g, beta1 %g, classes %d", c.BatchSize, c.LearningRate, c.Beta1, c.Classes)
	}
	switch c.Arch {
	case MLP:
		if len(c.Hidden) == 0 {
			return fmt.Errorf("gan: the MLP needs at least one hidden layer")
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
