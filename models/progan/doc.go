// Package progan is a GAN that grows: Karras et al.'s progressive growing (2018) with
// the style-based generator of Karras et al. (2019), sized for a laptop.
//
// Training starts at 4x4 and doubles the resolution stage by stage (8, 16, 32). Each
// new resolution fades in: the generator's output is the new layer's, weighted by alpha
// rising from 0 to 1, plus the previous stage's output upsampled, weighted by 1 - alpha;
// the discriminator mirrors it, and real images are blended the same way. Coarse
// structure is learned first, when it is cheap and the game is easy, and each new layer
// only has to add detail.
//
// The generator does not read the code z directly: a mapping network turns it into a
// style w, and each convolution's output is renormalized and re-styled by w (AdaIN), a
// learned constant standing at the start. With different codes for different layers
// (style mixing, used in training so that layers do not lean on each other), the
// coarse layers (4x4, 8x8) take pose and face shape from one code and the fine layers
// colours and detail from another: Model.StyleMix draws that grid.
//
// Karras et al.'s other choices are here too, each explained where it is built:
// equalized learning rates (blocks.EqConv, blocks.EqDense), pixel norm on the code
// (blocks.PixelNorm), the minibatch standard deviation (blocks.MinibatchStddev). The
// loss is StyleGAN's: the non-saturating logistic loss with the R1 penalty on real
// images.
package progan
