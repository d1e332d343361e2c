// Package vae is the variational autoencoder (Kingma and Welling, 2014) and the
// beta-VAE (Higgins et al., 2017).
//
// The encoder outputs a Gaussian q(z|x) = N(mu(x), diag(exp(logvar(x)))) instead of a
// point; a code is drawn with the reparameterization trick z = mu + exp(logvar/2) * eps,
// eps ~ N(0, I), so that gradients flow through mu and logvar. Training maximizes the
// evidence lower bound (ELBO), written per image:
//
//	ELBO(x) = E_q[ log p(x|z) ] - beta * KL( q(z|x) || N(0, I) )
//	KL      = 1/2 * sum_j ( mu_j^2 + exp(logvar_j) - 1 - logvar_j )
//
// with beta = 1 for the VAE and beta > 1 for the beta-VAE, which trades reconstruction
// for a more factorized (disentangled) code. The decoder p(x|z) is Bernoulli (for binary
// or binarized images: log p = -binary cross-entropy on the logits) or Gaussian with a
// fixed variance (log p = -||x - mean||^2 / (2 sigma^2) - D/2 log(2 pi sigma^2)).
//
// The networks are the autoencoder's (package ae): the VAE adds only the two heads
// (mu, logvar), the sampling and the loss. Introduced in notebooks/02_vae.ipynb; the
// beta-VAE in notebooks/03_latent_space.ipynb.
package vae
