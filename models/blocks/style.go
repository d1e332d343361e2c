package blocks

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // the graph ops read as math
	"github.com/gomlx/gomlx/ml/model"
)

// The layers of a GAN that grows (Karras et al., 2018, "Progressive Growing of GANs")
// and takes its styles per layer (Karras et al., 2019, "A Style-Based Generator").

// EqConv is a stride-1 "same" convolution with an equalized learning rate: its kernel
// is drawn N(0, 1) and scaled at run time by He's constant Gain/sqrt(fan-in), instead of
// being drawn with that scale. The function is the same; what changes is training. Adam
// moves every weight by about the learning rate whatever its scale, so a layer whose
// weights are small (a large fan-in) would learn relatively faster than one whose
// weights are large; with the scale outside the weights, every layer learns at the
// same relative speed. Gain 0 means sqrt(2) (for leaky ReLUs).
type EqConv struct {
	Out, Kernel int
	Gain        float64
	NoBias      bool
}

// Apply runs the layer on x [B, H, W, Cin]: [B, H, W, Out] (Kernel must be odd).
func (c EqConv) Apply(scope *model.Scope, x *Node) *Node {
	if c.Kernel < 1 || c.Kernel%2 == 0 {
		panic(fmt.Sprintf("blocks.EqConv: kernel %d (want odd, for same padding)", c.Kernel))
	}
	cin := x.Shape().Dim(-1)
	k := normalVariable(scope, "kernel", shapes.Make(x.DType(), c.Kernel, c.Kernel, cin, c.Out), 1, x.Graph())
	k = MulScalar(k, gain(c.Gain)/math.Sqrt(float64(c.Kernel*c.Kernel*cin)))
	out := Conv2D(x, k, 1, Explicit(c.Kernel/2))
	if !c.NoBias {
		out = addBias(scope, out, c.Out)
	}
	return out
}

// EqDense is a dense layer with an equalized learning rate (see EqConv), mapping x
// [B, In] to [B, width]. LRMul scales its learning rate on top (0 means 1): StyleGAN's
// mapping network learns 100 times slower (0.01) than the synthesis layers, which keeps
// the styles from swinging while the generator is still finding its feet. Its weights
// are drawn N(0, 1/LRMul^2) and scaled by Gain/sqrt(In) * LRMul, its bias by LRMul.
type EqDense struct {
	Width       int
	Gain, LRMul float64
}

// Apply runs the layer on x [B, In].
func (d EqDense) Apply(scope *model.Scope, x *Node) *Node {
	lr := d.LRMul
	if lr == 0 {
		lr = 1
	}
	in := x.Shape().Dim(-1)
	// Drawn N(0, 1/lr^2) and scaled by lr at run time: the initial function is the same
	// for every LRMul, and Adam's steps on the raw weights (about the learning rate
	// whatever their scale) move the layer's weights lr times as far.
	w := normalVariable(scope, "weights", shapes.Make(x.DType(), in, d.Width), 1/lr, x.Graph())
	w = MulScalar(w, gain(d.Gain)/math.Sqrt(float64(in))*lr)
	y := MatMul(x, w)
	b := scope.WithInitializer(zeros).VariableWithShape("bias", shapes.Make(x.DType(), d.Width)).ValueGraph(x.Graph())
	return Add(y, Reshape(MulScalar(b, lr), 1, d.Width))
}

func gain(g float64) float64 {
	if g == 0 {
		return math.Sqrt2
	}
	return g
}

// normalVariable is a variable drawn N(0, std^2): an equalized layer's raw weights.
func normalVariable(scope *model.Scope, name string, shape shapes.Shape, std float64, g *Graph) *Node {
	return scope.WithInitializer(func(g *Graph, shape shapes.Shape) *Node {
		return MulScalar(scope.RandomNormal(g, shape), std)
	}).VariableWithShape(name, shape).ValueGraph(g)
}

// zeros initializes biases.
func zeros(g *Graph, shape shapes.Shape) *Node { return Zeros(g, shape) }

// PixelNorm scales each position's feature vector to unit root mean square:
// x / sqrt(mean over channels of x^2 + 1e-8), for x [..., C]. In the generator it keeps
// the signal from escalating when the two players' magnitudes race each other (Karras et
// al. 2018, 4.2); on the noise z it puts every code on the sphere of radius sqrt(C).
func PixelNorm(x *Node) *Node {
	ms := ReduceAndKeep(Square(x), ReduceMean, -1)
	return Div(x, Sqrt(AddScalar(ms, 1e-8)))
}

// MinibatchStddev appends one feature map to x [B, H, W, C]: within each group of
// `group` samples, the standard deviation of every feature at every position across the
// group, averaged into one number, broadcast over the group's maps. A discriminator that
// sees it can tell a batch of near-copies (a generator collapsing onto a few modes) from
// real data's variety, which pushes the generator to vary (Karras et al. 2018, 3).
// group must divide B; group 1 would give zeros and is refused.
func MinibatchStddev(x *Node, group int) *Node {
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1], d[2], d[3]
	if group < 2 || b%group != 0 {
		panic(fmt.Sprintf("blocks.MinibatchStddev: group %d for a batch of %d (want >= 2, dividing it)", group, b))
	}
	// Sample i belongs to group i % (B/group), so a group holds samples from across the
	// batch, as the paper's reshape does.
	y := Reshape(x, group, b/group, h, w, c)
	mean := ReduceAndKeep(y, ReduceMean, 0)
	variance := ReduceMean(Square(Sub(y, mean)), 0) // [B/group, H, W, C]
	std := ReduceMean(Sqrt(AddScalar(variance, 1e-8)), 1, 2, 3)
	m := BroadcastToDims(Reshape(std, 1, b/group, 1, 1, 1), group, b/group, h, w, 1)
	return Concatenate([]*Node{x, Reshape(m, b, h, w, 1)}, -1)
}

// Upsample2x doubles the height and width of x [B, H, W, C] by repeating each pixel
// (nearest neighbour): the progressive generator's way up, whose blocky output a new
// layer then learns to refine.
func Upsample2x(x *Node) *Node {
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1], d[2], d[3]
	y := BroadcastToDims(Reshape(x, b, h, 1, w, 1, c), b, h, 2, w, 2, c)
	return Reshape(y, b, 2*h, 2*w, c)
}

// Downsample2x halves the height and width of x [B, H, W, C] (even) by averaging each
// 2x2 block: the discriminator's way down, and the exact box filter that brings real
// images to a stage's resolution (averaging twice is the 4x4 box, and so on).
func Downsample2x(x *Node) *Node {
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1], d[2], d[3]
	if h%2 != 0 || w%2 != 0 {
		panic(fmt.Sprintf("blocks.Downsample2x: %dx%d is not even", h, w))
	}
	return ReduceMean(Reshape(x, b, h/2, 2, w/2, 2, c), 2, 4)
}

// AdaIN is adaptive instance normalization: each feature map of x [B, H, W, C] is
// normalized to zero mean and unit variance over its positions, then scaled and shifted
// by a style computed from w [B, W] (an equalized dense layer, 2C outputs): the style
// decides which features are strong at this layer, and nothing of the layer's previous
// statistics survives, so each layer's style acts on its own scale of the image. That is
// what lets a style-mixing grid take coarse layers from one code and fine ones from
// another. The scale is 1 + the style's first half, so a fresh layer starts as plain
// instance normalization.
func AdaIN(scope *model.Scope, x, w *Node) *Node {
	c := x.Shape().Dim(-1)
	b := x.Shape().Dim(0)
	style := EqDense{Width: 2 * c, Gain: 1}.Apply(scope, w)
	scale := OnePlus(Slice(style, AxisRange(), AxisRange(0, c)))
	shift := Slice(style, AxisRange(), AxisRange(c, 2*c))
	y := InstanceNormalize(x, 1e-8)
	return Add(Mul(y, Reshape(scale, b, 1, 1, c)), Reshape(shift, b, 1, 1, c))
}
