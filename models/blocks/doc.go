// Package blocks holds the layers that two or more genlab models share: dense stacks,
// 2-D convolutions and transposed convolutions, and normalization.
//
// The convolutions are genlab's own rather than GoMLX's graph.Convolve, for two reasons
// measured on GoMLX v0.28.8 (see docs/CONV.md):
//
//   - graph.Convolve's input gradient is wrong for even kernel sizes (the DCGAN kernel
//     k=4), silently; and GoMLX has no trainable transposed convolution.
//   - The pure-Go backend runs graph.Convolve as plain nested loops, about 50x slower
//     than a matrix multiply on the same FLOPs.
//
// Conv2D here is im2col: k*k strided slices of the padded input, concatenated into a
// patch matrix and multiplied by the reshaped kernel. ConvTranspose2D is its exact
// adjoint, built as a matrix multiply followed by col2im (k*k interior-padded slices
// summed). Both are made only of ops whose gradients GoMLX gets right (Pad, Slice,
// Concatenate, Reshape, Dot), so autodiff gives correct gradients for every kernel
// size, stride and padding, and the FLOPs land on the backend's SIMD matmul.
//
// Tensors are NHWC (batch, height, width, channels) throughout genlab; kernels are
// [kh, kw, in, out] for Conv2D and the same layout for ConvTranspose2D (whose "in" is
// the transposed conv's output channels), so that ConvTranspose2D(y, K) is the adjoint
// of Conv2D(x, K) with the same K.
package blocks
