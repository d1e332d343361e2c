// Package pix2pix is Isola et al.'s conditional GAN for image-to-image translation
// with paired data (2017): a U-Net generator G maps an input image x (an aerial photo)
// to an output y (its map), and a PatchGAN discriminator D judges (x, y) pairs, real or
// generated, patch by patch. The generator minimizes
//
//	L_G = E[-log D(x, G(x))] + lambda * E[|y - G(x)|_1]        (lambda = 100)
//
// and the discriminator the cross-entropy of telling (x, y) from (x, G(x)), halved to
// slow it down relative to G. The L1 term alone already gives the right layout, blurred
// (the mean of the plausible outputs minimizes it); the adversarial term rejects blur,
// since blurred maps are easy to tell from real ones, and so adds the sharp, local
// detail. L1 rather than L2 because it blurs less. D sees the input with the output
// (a conditional GAN) so that a sharp map of the wrong place is also rejected.
//
// Config.Adversarial false trains the same U-Net on L1 alone: the baseline that shows
// what the GAN adds. The model implements models.Translator.
//
// Introduced in notebooks/07_pix2pix.ipynb.
package pix2pix
