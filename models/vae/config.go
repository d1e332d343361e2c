package vae

import (
	"fmt"

	"github.com/genlab-go/genlab/models/ae"
)

// Likelihood is the decoder's distribution p(x|z).
type Likelihood string

const (
	Bernoulli Likelihood = "bernoulli"
	Gaussian  Likelihood = "gaussian"
)

// Config is the autoencoder's configuration plus what makes it variational.
type Config struct {
	ae.Config
	Likelihood Likelihood
	// Beta weighs the KL term: 1 is the VAE, > 1 a beta-VAE.
	Beta float64
	// Sigma is the Gaussian decoder's fixed standard deviation (per pixel).
	Sigma float64
	// Binarize draws a fresh binary version of every training image each time it is
	// seen (dynamic binarization), the standard protocol for likelihoods on MNIST.
	Binarize bool
	// Perturb replaces each training pixel, with this probability, by a level drawn
	// uniformly (after binarization; 256 levels for the Gaussian decoder): 0 for the
	// model of the data; about 0.1 to 0.3 for a background model, whose likelihood the
	// data model's is divided by to detect outliers (Ren et al., 2019; genlab eval
	// --background).
	Perturb float64
}

// DefaultConfig is the conv VAE on dynamically binarized 28x28 images with a Bernoulli
// decoder and a 16-dimensional code.
func DefaultConfig() Config {
	return Config{Config: ae.DefaultConfig(), Likelihood: Bernoulli, Beta: 1, Sigma: 0.1, Binarize: true}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	if c.Likelihood != Bernoulli && c.Likelihood != Gaussian {
		return fmt.Errorf("vae: unknown likelihood %q (want %q or %q)", c.Likelihood, Bernoulli, Gaussian)
	}
	if c.Beta < 0 {
		return fmt.Errorf("vae: beta %g < 0", c.Beta)
	}
	if c.Perturb < 0 || c.Perturb >= 1 {
		return fmt.Errorf("vae: perturbation rate %g (want 0 <= rate < 1)", c.Perturb)
	}
	if c.Likelihood == Gaussian && c.Sigma <= 0 {
		return fmt.Errorf("vae: the Gaussian decoder needs sigma > 0, got %g", c.Sigma)
	}
	return nil
}
