// Package gan is the generative adversarial network: a generator G maps noise
// z ~ N(0, I) to samples, a discriminator D tells them from real data, and the two are
// trained against each other (Goodfellow et al., 2014):
//
//	min_G max_D  E_x[log D(x)] + E_z[log(1 - D(G(z)))]
//
// with G trained on the non-saturating loss -E_z[log D(G(z))], which has the same fixed
// point and strong gradients while G is losing. The family the course walks through is
// one Model with a few switches: the MLP players of the 1-D and 2-D intuition
// (ToyConfig), Radford et al.'s all-convolutional DCGAN (DefaultConfig, ConfigFor), with
// or without batch norm, the conditional GAN that reads a class label (Classes), and
// the WGAN-GP of Gulrajani et al. (WithWGANGP), whose critic estimates the
// Wasserstein-1 distance and is kept 1-Lipschitz by a gradient penalty. The players
// and the training loop stay the same across the family; only the pair of losses
// changes (see Updates).
//
// Introduced in notebooks/04_gan_intuition.ipynb (1-D, ring, mode collapse, WGAN-GP),
// 05_dcgan.ipynb (DCGAN, interpolation, the Frechet distance, the conditional GAN) and
// 06_wgan_faces.ipynb (WGAN-GP on digits, DCGAN on faces).
package gan
