package blocks

import (
	"fmt"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's graph-building convention.
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// The causal convolutions of autoregressive image models (PixelCNN, van den Oord et al.,
// 2016): each output at pixel (i, j) may read only the inputs before it in raster
// order, so that the network's output at a pixel can be a distribution for that pixel
// given the ones before it, and the product over pixels an exact likelihood.
//
// Mask A excludes the pixel itself (the first layer, which reads the image: a pixel
// must not see its own value); mask B includes it (later layers, whose features at
// (i, j) already see only the pixels before (i, j)). Images are one channel here; a
// colour PixelCNN would also order the channels within a pixel.

// Mask says whether a causal convolution sees the pixel it computes.
type Mask int

const (
	// MaskA excludes the centre pixel: the first layer.
	MaskA Mask = iota
	// MaskB includes it: every layer after the first.
	MaskB
)

func (m Mask) String() string {
	if m == MaskA {
		return "A"
	}
	return "B"
}

// CausalMask is the plain PixelCNN's k x k mask (k odd), row-major: 1 on the rows above
// the centre and left of it on the centre row, and at the centre itself for MaskB.
func CausalMask(k int, m Mask) []float32 {
	mask := make([]float32, k*k)
	c := k / 2
	for y := range k {
		for x := range k {
			if y < c || (y == c && (x < c || (x == c && m == MaskB))) {
				mask[y*k+x] = 1
			}
		}
	}
	return mask
}

// MaskedConv is the plain PixelCNN's layer: a same-size k x k convolution (k odd, stride
// 1) whose kernel is multiplied by CausalMask(k, Mask). Its receptive field grows up and
// to the left but misses a wedge up and to the right (the "blind spot" the gated
// PixelCNN removes).
type MaskedConv struct {
	Out, Kernel int
	Mask        Mask
}

// Apply runs the layer on x [B, H, W, Cin], creating its kernel and bias under scope.
func (c MaskedConv) Apply(scope *model.Scope, x *Node) *Node {
	k := c.Kernel
	if k < 1 || k%2 == 0 {
		panic(fmt.Sprintf("blocks.MaskedConv: kernel %d is not odd", k))
	}
	g, cin := x.Graph(), x.Shape().Dim(-1)
	kernel := scope.WithInitializer(initializer.HeFn(scope)).
		VariableWithShape("kernel", shapes.Make(x.DType(), k, k, cin, c.Out)).ValueGraph(g)
	mask := Reshape(ConvertDType(Const(g, CausalMask(k, c.Mask)), x.DType()), k, k, 1, 1)
	return addBias(scope, Conv2D(x, Mul(kernel, mask), 1, Explicit(k/2)), c.Out)
}

// addBias adds a zero-initialized per-channel bias kept in scope to y [B, H, W, out].
func addBias(scope *model.Scope, y *Node, out int) *Node {
	bias := scope.WithInitializer(initializer.Zero).VariableWithShape("bias", shapes.Make(y.DType(), out)).ValueGraph(y.Graph())
	return Add(y, Reshape(bias, 1, 1, 1, out))
}

// shapedConv is a stride-1 convolution with a kh x kw kernel and explicit padding
// (bottom 0), whose output keeps only the first h rows and w columns: how the gated
// PixelCNN's stacks read only the rows above (vertical) or the pixels to the left
// (horizontal) without multiplying a square kernel by a mask of zeros.
func shapedConv(scope *model.Scope, x *Node, out, kh, kw int, pad Padding) *Node {
	h, w, cin := x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	kernel := scope.WithInitializer(initializer.HeFn(scope)).
		VariableWithShape("kernel", shapes.Make(x.DType(), kh, kw, cin, out)).ValueGraph(x.Graph())
	y := Conv2D(x, kernel, 1, pad)
	if y.Shape().Dim(1) != h || y.Shape().Dim(2) != w {
		y = Slice(y, AxisRange(), AxisRange(0, h), AxisRange(0, w), AxisRange())
	}
	return addBias(scope, y, out)
}

// VerticalConv is the gated PixelCNN's vertical stack convolution with reach r (a
// (2r+1)-wide kernel): its output at (i, j) reads rows i-r..i-1 of x (MaskA) or rows
// i-r..i (MaskB), every column j-r..j+r. The rows are whole, so the stack has no blind
// spot; and since the first layer sees only rows above, the vertical features at row i
// never see row i of the image, which is what lets the horizontal stack read them.
func VerticalConv(scope *model.Scope, x *Node, out, r int, m Mask) *Node {
	if m == MaskA {
		// r rows, padded r above: output row i reads rows i-r..i-1; the last of the H+1
		// output rows (reading the image's last r rows) is dropped.
		return shapedConv(scope, x, out, r, 2*r+1, Padding{Top: r, Left: r, Right: r})
	}
	return shapedConv(scope, x, out, r+1, 2*r+1, Padding{Top: r, Left: r, Right: r})
}

// HorizontalConv is the gated PixelCNN's horizontal stack convolution with reach r: its
// output at (i, j) reads row i, columns j-r..j-1 (MaskA) or j-r..j (MaskB).
func HorizontalConv(scope *model.Scope, x *Node, out, r int, m Mask) *Node {
	if m == MaskA {
		return shapedConv(scope, x, out, 1, r, Padding{Left: r})
	}
	return shapedConv(scope, x, out, 1, r+1, Padding{Left: r})
}

// Gate is the gated activation tanh(a) * sigmoid(b) of x's two channel halves [.., 2F]
// -> [.., F]: the sigmoid half decides how much of the tanh half passes, the
// multiplicative interaction that let PixelCNN match PixelRNN's LSTMs.
func Gate(x *Node) *Node {
	f := x.Shape().Dim(-1) / 2
	a := Slice(x, AxisRange(), AxisRange(), AxisRange(), AxisRange(0, f))
	b := Slice(x, AxisRange(), AxisRange(), AxisRange(), AxisRange(f, 2*f))
	return Mul(Tanh(a), Sigmoid(b))
}

// GatedLayer is one layer of the gated PixelCNN (van den Oord et al., 2016, "Conditional
// Image Generation with PixelCNN Decoders"): the vertical stack v and the horizontal
// stack h [B, H, W, F] each go through a causal convolution and the gate; the
// horizontal one also reads the vertical one's pre-activations through a 1x1 conv (the
// vertical stack sees only rows above, so this adds the rows above to what the pixels to
// the left already give), and keeps a residual connection. With MaskA (the first layer,
// reading the image) the horizontal stack has no residual: its input is the image.
type GatedLayer struct {
	Filters, Reach int
	Mask           Mask
}

// Apply returns the next (v, h), creating the layer's variables under scope.
func (l GatedLayer) Apply(scope *model.Scope, v, h *Node) (*Node, *Node) {
	f := l.Filters
	vc := VerticalConv(scope.In("vertical"), v, 2*f, l.Reach, l.Mask)
	hc := HorizontalConv(scope.In("horizontal"), h, 2*f, l.Reach, l.Mask)
	hc = Add(hc, Conv{Out: 2 * f, Kernel: 1}.Apply(scope.In("link"), vc))
	hOut := Conv{Out: f, Kernel: 1}.Apply(scope.In("out"), Gate(hc))
	if l.Mask == MaskB {
		hOut = Add(h, hOut)
	}
	return Gate(vc), hOut
}

// PixelResidual is the plain PixelCNN's residual block on x [B, H, W, 2F]: ReLU, 1x1
// to F, ReLU, a MaskB k x k conv, ReLU, 1x1 back to 2F, plus x.
func PixelResidual(scope *model.Scope, x *Node, k int) *Node {
	f := x.Shape().Dim(-1) / 2
	y := Conv{Out: f, Kernel: 1}.Apply(scope.In("in"), activation.Relu(x))
	y = MaskedConv{Out: f, Kernel: k, Mask: MaskB}.Apply(scope.In("masked"), activation.Relu(y))
	y = Conv{Out: 2 * f, Kernel: 1}.Apply(scope.In("out"), activation.Relu(y))
	return Add(x, y)
}
