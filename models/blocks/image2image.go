package blocks

import (
	"fmt"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's graph-building convention.
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// The blocks of image-to-image translation (pix2pix, CycleGAN): instance norm, reflection
// padding, dropout, the residual block, the U-Net and the PatchGAN discriminator.

// normalizeOver returns x normalized by its mean and biased variance over axes (kept,
// so they broadcast), with the gradient through the statistics.
func normalizeOver(x *Node, eps float64, axes ...int) (y, mean, variance *Node) {
	mean = ReduceAndKeep(x, ReduceMean, axes...)
	centered := Sub(x, mean)
	variance = ReduceAndKeep(Square(centered), ReduceMean, axes...)
	return Div(centered, Sqrt(AddScalar(variance, eps))), mean, variance
}

// InstanceNormalize normalizes each image's channels of x [B, H, W, C] by their own
// spatial mean and biased variance (Ulyanov et al., 2016): batch norm with a batch of
// one, so a sample's output never depends on the rest of its batch, and training and
// inference compute the same thing.
func InstanceNormalize(x *Node, eps float64) *Node {
	y, _, _ := normalizeOver(x, eps, 1, 2)
	return y
}

// InstanceNorm is the layer: InstanceNormalize, then (if Affine) a learned per-channel
// scale (init 1) and offset (init 0). Epsilon 0 means 1e-5.
type InstanceNorm struct {
	Affine  bool
	Epsilon float64
}

// Apply normalizes x [B, H, W, C], creating its variables under scope.In("instancenorm").
func (n InstanceNorm) Apply(scope *model.Scope, x *Node) *Node {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("blocks.InstanceNorm: want [B, H, W, C], got %s", x.Shape()))
	}
	eps := n.Epsilon
	if eps == 0 {
		eps = 1e-5
	}
	y := InstanceNormalize(x, eps)
	if !n.Affine {
		return y
	}
	scope = scope.In("instancenorm")
	vs := shapes.Make(x.DType(), x.Shape().Dim(-1))
	scale := scope.WithInitializer(initializer.One).VariableWithShape("scale", vs).NodeValue(x.Graph())
	offset := scope.WithInitializer(initializer.Zero).VariableWithShape("offset", vs).NodeValue(x.Graph())
	return Add(Mul(y, expand(scale, x)), expand(offset, x))
}

// ReflectPad pads the spatial axes of x [B, H, W, C] by p on every side with the
// mirror image of the border (without repeating it: ...c b | a b c ... ), as CycleGAN's
// generator does: zero padding gives every border pixel a dark neighbour, and the
// generator learns to paint a frame.
func ReflectPad(x *Node, p int) *Node {
	if p == 0 {
		return x
	}
	for axis := 1; axis <= 2; axis++ {
		n := x.Shape().Dim(axis)
		if p >= n {
			panic(fmt.Sprintf("blocks.ReflectPad: padding %d needs more than %d pixels", p, n))
		}
		spec := func(from, to int) []SliceAxisSpec {
			s := make([]SliceAxisSpec, 4)
			for i := range s {
				s[i] = AxisRange()
			}
			s[axis] = AxisRange(from, to)
			return s
		}
		lo := Reverse(Slice(x, spec(1, p+1)...), axis)
		hi := Reverse(Slice(x, spec(n-1-p, n-1)...), axis)
		x = Concatenate([]*Node{lo, x, hi}, axis)
	}
	return x
}

// Dropout zeroes each element of x with probability rate in a training graph, scaling
// the rest by 1/(1-rate) so the expectation is unchanged; elsewhere it is the identity.
// (pix2pix's generator uses it as its only source of noise: a noise input z was simply
// ignored by the U-Net, Isola et al. found.)
func Dropout(scope *model.Scope, x *Node, rate float64) *Node {
	if rate <= 0 || !scope.IsTraining(x.Graph()) {
		return x
	}
	keep := 1 - rate
	u := scope.RandomUniform(x.Graph(), x.Shape())
	return Where(LessThan(u, Scalar(x.Graph(), x.DType(), keep)), MulScalar(x, 1/keep), ZerosLike(x))
}

// Residual is He et al.'s residual block as CycleGAN's generator uses it: x plus
// [reflect-pad 1, conv 3x3, instance norm, ReLU, reflect-pad 1, conv 3x3, instance norm].
// The identity path lets a deep generator start as (nearly) the identity map, which is
// what a translation that keeps most of an image should be close to.
func Residual(scope *model.Scope, x *Node) *Node {
	c := x.Shape().Dim(-1)
	h := Conv{Out: c, Kernel: 3, NoBias: true}.Apply(scope.In("conv_0"), ReflectPad(x, 1))
	h = activation.Relu(InstanceNorm{Affine: true}.Apply(scope.In("norm_0"), h))
	h = Conv{Out: c, Kernel: 3, NoBias: true}.Apply(scope.In("conv_1"), ReflectPad(h, 1))
	return Add(x, InstanceNorm{Affine: true}.Apply(scope.In("norm_1"), h))
}

// UNet is pix2pix's generator (Ronneberger et al., 2015; Isola et al., 2017): an
// encoder of stride-2 4x4 convs that halves the image down to 1x1, and a decoder of
// stride-2 transposed convs back up, where each decoder layer also reads the encoder
// layer of its size (a skip connection). In translation the input and the output share
// their structure (the roads of the photo are the roads of the map); the skips carry
// that low-level structure across, so the bottleneck only has to carry what changes.
type UNet struct {
	// Channels are the encoder's, one stride-2 conv each; the image side must be
	// 2^len(Channels). pix2pix at 256: 64, 128, 256, 512, 512, 512, 512, 512.
	Channels []int
	// Out is the number of output channels (3 for an RGB image).
	Out int
	// Dropout is the rate in the three decoder layers nearest the bottleneck (0.5 in
	// pix2pix), in training graphs only.
	Dropout float64
}

// Apply maps x [B, H, W, Cin] to [B, H, W, Out] in [-1, 1] (tanh).
func (u UNet) Apply(scope *model.Scope, x *Node) *Node {
	n := len(u.Channels)
	if n < 2 || x.Shape().Dim(1) != 1<<n || x.Shape().Dim(2) != 1<<n {
		panic(fmt.Sprintf("blocks.UNet: %d levels need a %dx%d input, got %s", n, 1<<n, 1<<n, x.Shape()))
	}
	norm := InstanceNorm{Affine: true}
	enc := make([]*Node, n) // each level's output, before the next level's activation
	h := x
	for i, ch := range u.Channels {
		sc := scope.In("down_%d", i)
		if i > 0 {
			h = activation.LeakyReluWith(h, 0.2)
		}
		// No norm on the first layer (it sees pixels) nor at 1x1 (a 1x1 map's instance
		// statistics are itself: it would normalize to zero).
		normed := i > 0 && i < n-1
		h = Conv{Out: ch, Kernel: 4, Stride: 2, Padding: Explicit(1), NoBias: normed}.Apply(sc, h)
		if normed {
			h = norm.Apply(sc, h)
		}
		enc[i] = h
	}
	for i := n - 1; i >= 1; i-- {
		sc := scope.In("up_%d", i)
		h = ConvT{Out: u.Channels[i-1], Kernel: 4, Stride: 2, Pad: 1, NoBias: true}.Apply(sc, activation.Relu(h))
		h = norm.Apply(sc, h)
		if i >= n-4 && i < n-1 {
			h = Dropout(sc, h, u.Dropout)
		}
		h = Concatenate([]*Node{enc[i-1], h}, -1)
	}
	// A small output layer (gain 0.1) starts the tanh near 0, grey images, instead of
	// saturated noise whose gradient is nearly zero.
	h = ConvT{Out: u.Out, Kernel: 4, Stride: 2, Pad: 1, Gain: 0.1}.Apply(scope.In("up_0"), activation.Relu(h))
	return Tanh(h)
}

// PatchGAN is pix2pix's discriminator: a fully convolutional net that outputs a grid of
// logits, each judging one overlapping patch of the input (its receptive field) as real
// or fake, averaged by the loss. The L1 term already gets the low frequencies right; a
// discriminator that only models local texture (style at the patch scale) is enough for
// the high frequencies, has fewer parameters, and runs on any image size.
type PatchGAN struct {
	// Channels are the stride-2 4x4 convs' channels; one more 4x4 conv at stride 1
	// (2x the last channels) and a 4x4 stride-1 conv to one logit follow. pix2pix's
	// 70x70 PatchGAN: 64, 128, 256.
	Channels []int
}

// Apply maps x [B, H, W, C] (the discriminator's input: for pix2pix the condition and
// the image concatenated on channels) to logits [B, h, w, 1].
func (p PatchGAN) Apply(scope *model.Scope, x *Node) *Node {
	norm := InstanceNorm{Affine: true}
	h := x
	layer := func(i, out, stride int, normed bool) {
		sc := scope.In("conv_%d", i)
		h = Conv{Out: out, Kernel: 4, Stride: stride, Padding: Explicit(1), NoBias: normed}.Apply(sc, h)
		if normed {
			h = norm.Apply(sc, h)
		}
		h = activation.LeakyReluWith(h, 0.2)
	}
	for i, ch := range p.Channels {
		layer(i, ch, 2, i > 0)
	}
	n := len(p.Channels)
	layer(n, 2*p.Channels[n-1], 1, true)
	return Conv{Out: 1, Kernel: 4, Stride: 1, Padding: Explicit(1)}.Apply(scope.In("conv_%d", n+1), h)
}

// ReceptiveField is the side, in input pixels, of the patch each output logit sees:
// 70 for pix2pix's three-layer PatchGAN, 34 for two layers, 16 for one.
func (p PatchGAN) ReceptiveField() int {
	r := 4 + 3 // the two stride-1 4x4 convs
	for range p.Channels {
		r = (r-1)*2 + 4
	}
	return r
}
