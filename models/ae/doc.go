// Package ae is the deterministic autoencoder: an encoder f maps an image x to a code
// z = f(x) in a small latent space, a decoder g maps it back, and both are trained to
// reconstruct their input:
//
//	L(x) = || x - g(f(x)) ||^2   (mean squared error per pixel)
//
// The bottleneck forces the code to keep what matters about x. Nothing makes the latent
// space smooth or complete, which is what the VAE (package vae) adds. The encoder and
// decoder bodies are exported (EncoderFeatures, DecoderLogits) because the VAE builds on
// them rather than copying them.
//
// Two architectures: an MLP, and the lecture's conv net (stride-2 convolutions down, a
// dense layer to the code; a dense layer up, stride-2 transposed convolutions back).
//
// Introduced in notebooks/01_autoencoder.ipynb.
package ae
