package blocks

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's graph-building convention.
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// The blocks of a diffusion model's noise predictor (Ho et al., 2020): group norm, the
// sinusoidal embedding of the timestep, and the residual block that adds the embedding
// to its features.

// GroupNormalize normalizes x [B, H, W, C] over each image's spatial positions and
// each group of C/groups consecutive channels (Wu and He, 2018): between instance norm
// (groups = C) and layer norm (groups = 1), and, like both, independent of the batch,
// which a model that sees a batch of images at different noise levels needs.
func GroupNormalize(x *Node, groups int, eps float64) *Node {
	b, h, w, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	if groups < 1 || c%groups != 0 {
		panic(fmt.Sprintf("blocks.GroupNormalize: %d channels in %d groups", c, groups))
	}
	g := Reshape(x, b, h, w, groups, c/groups)
	y, _, _ := normalizeOver(g, eps, 1, 2, 4)
	return Reshape(y, b, h, w, c)
}

// GroupNorm is the layer: GroupNormalize with Groups groups (at most as many as
// channels; 0 means 8, Wu and He's default being 32 for wider nets), then a learned
// per-channel scale (init 1) and offset (init 0).
type GroupNorm struct{ Groups int }

// Apply normalizes x [B, H, W, C], creating its variables under scope.In("groupnorm").
func (n GroupNorm) Apply(scope *model.Scope, x *Node) *Node {
	c := x.Shape().Dim(-1)
	groups := n.Groups
	if groups == 0 {
		groups = 8
	}
	groups = min(groups, c)
	for c%groups != 0 {
		groups--
	}
	y := GroupNormalize(x, groups, 1e-5)
	scope = scope.In("groupnorm")
	vs := shapes.Make(x.DType(), c)
	scale := scope.WithInitializer(initializer.One).VariableWithShape("scale", vs).NodeValue(x.Graph())
	offset := scope.WithInitializer(initializer.Zero).VariableWithShape("offset", vs).NodeValue(x.Graph())
	return Add(Mul(y, expand(scale, x)), expand(offset, x))
}

// Sinusoidal embeds timesteps t [B] (any numeric dtype) as [B, dim] vectors of dtype:
// sin(t * f_k) and cos(t * f_k) for dim/2 frequencies f_k = 10000^(-k/(dim/2)), as the
// transformer embeds positions (Vaswani et al., 2017): every timestep gets a distinct,
// smooth code that a dense layer can read.
func Sinusoidal(t *Node, dim int, dtype dtypes.DType) *Node {
	if dim < 2 || dim%2 != 0 {
		panic(fmt.Sprintf("blocks.Sinusoidal: dimension %d must be even and >= 2", dim))
	}
	half := dim / 2
	freqs := make([]float64, half)
	for k := range freqs {
		freqs[k] = math.Exp(-math.Log(10000) * float64(k) / float64(half))
	}
	tf := ConvertDType(t, dtype)
	f := ConvertDType(Const(t.Graph(), freqs), dtype)
	arg := Mul(InsertAxes(tf, -1), InsertAxes(f, 0)) // [B, half]
	return Concatenate([]*Node{Sin(arg), Cos(arg)}, -1)
}

// TimeResBlock is the diffusion U-Net's residual block: GroupNorm, SiLU, a 3x3 conv to
// Out channels; the embedding emb [B, E] of the timestep (and class), through SiLU and
// a dense layer, added to every position; GroupNorm, SiLU, a 3x3 conv; plus the input
// (through a 1x1 conv when the channels change). The embedding is how one network
// learns to denoise at every noise level: each block shifts its features by the level.
type TimeResBlock struct{ Out int }

// Apply maps x [B, H, W, Cin] with emb [B, E] to [B, H, W, Out].
func (r TimeResBlock) Apply(scope *model.Scope, x, emb *Node) *Node {
	h := GroupNorm{}.Apply(scope.In("norm_0"), x)
	h = Conv{Out: r.Out, Kernel: 3, Stride: 1, Padding: Explicit(1)}.Apply(scope.In("conv_0"), activation.Swish(h))
	e := Dense(scope, "emb", activation.Swish(emb), r.Out)
	h = Add(h, Reshape(e, e.Shape().Dim(0), 1, 1, r.Out))
	h = GroupNorm{}.Apply(scope.In("norm_1"), h)
	h = Conv{Out: r.Out, Kernel: 3, Stride: 1, Padding: Explicit(1)}.Apply(scope.In("conv_1"), activation.Swish(h))
	skip := x
	if x.Shape().Dim(-1) != r.Out {
		skip = Conv{Out: r.Out, Kernel: 1, Stride: 1}.Apply(scope.In("skip"), x)
	}
	return Add(skip, h)
}

// TimeUNet is the noise (or velocity) predictor of a diffusion or flow model (Ho et al.,
// 2020): a TimeResBlock of Channels[i] channels at each resolution of an H-pixel image
// (halved between them), a middle block, the same on the way up after each skip
// connection, and a conv to Out channels. The time, embedded sinusoidally in Embed
// dimensions and through two dense layers, and the label (one of Classes, or Classes
// itself for none; no label when Classes is 0) are added per channel in every block.
// models/diffusion and models/flow share it, so that they compare on one network.
type TimeUNet struct {
	H        int
	Channels []int
	Embed    int
	Classes  int
	Out      int
}

// Apply maps x [B, H, W, C] at times t [B] (any numeric dtype, on the scale the
// sinusoidal embedding reads: diffusion's steps 1..T) with labels y [B] (int32; nil
// when Classes is 0) to [B, H, W, Out].
func (u TimeUNet) Apply(scope *model.Scope, x, t, y *Node) *Node {
	emb := Sinusoidal(t, u.Embed, x.DType())
	emb = Dense(scope, "time_1", activation.Swish(Dense(scope, "time_0", emb, 2*u.Embed)), u.Embed)
	if u.Classes > 0 {
		emb = Add(emb, Dense(scope, "class", OneHot(y, u.Classes+1, x.DType()), u.Embed))
	}
	h := Conv{Out: u.Channels[0], Kernel: 3, Stride: 1, Padding: Explicit(1)}.Apply(scope.In("in"), x)
	levels := len(u.Channels)
	hs := HalvingSizes(u.H, levels-1)
	skips := make([]*Node, levels)
	for i, ch := range u.Channels {
		h = TimeResBlock{Out: ch}.Apply(scope.In("down_%d", i), h, emb)
		skips[i] = h
		if i < levels-1 {
			h = Conv{Out: ch, Kernel: HalvingKernel(hs[i]), Stride: 2, Padding: Explicit(1)}.
				Apply(scope.In("downsample_%d", i), h)
		}
	}
	h = TimeResBlock{Out: u.Channels[levels-1]}.Apply(scope.In("mid"), h, emb)
	for i := levels - 1; i >= 0; i-- {
		if i < levels-1 {
			h = ConvT{Out: u.Channels[i], Kernel: HalvingKernel(hs[i]), Stride: 2, Pad: 1}.
				Apply(scope.In("upsample_%d", i), h)
		}
		h = Concatenate([]*Node{h, skips[i]}, -1)
		h = TimeResBlock{Out: u.Channels[i]}.Apply(scope.In("up_%d", i), h, emb)
	}
	h = activation.Swish(GroupNorm{}.Apply(scope.In("out_norm"), h))
	// A small start: the first predictions near 0 keep the early loss near its floor
	// (the target's variance) instead of far above it.
	return ConvT{Out: u.Out, Kernel: 3, Stride: 1, Pad: 1, Gain: 0.1}.Apply(scope.In("out"), h)
}
