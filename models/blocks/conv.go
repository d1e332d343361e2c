package blocks

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's graph-building convention.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// Padding says how a convolution pads its input.
type Padding struct {
	// Same pads so that the output is ceil(input/stride) (TensorFlow's "SAME"), splitting
	// any odd total padding with the extra element at the end.
	Same bool
	// Top, Bottom, Left, Right are explicit paddings, used when Same is false.
	Top, Bottom, Left, Right int
}

// Valid is no padding.
var Valid = Padding{}

// Same is TensorFlow-style "SAME" padding.
var Same = Padding{Same: true}

// Explicit returns symmetric padding p on every side (PyTorch's padding=p).
func Explicit(p int) Padding { return Padding{Top: p, Bottom: p, Left: p, Right: p} }

// resolve returns the explicit (low, high) padding for one spatial axis.
func (p Padding) resolve(axis, in, k, stride int) (lo, hi int) {
	if p.Same {
		out := (in + stride - 1) / stride
		total := max((out-1)*stride+k-in, 0)
		return total / 2, total - total/2
	}
	if axis == 0 {
		return p.Top, p.Bottom
	}
	return p.Left, p.Right
}

// ConvOutputSize is the spatial output size of a convolution along one axis.
func ConvOutputSize(in, k, stride, padLo, padHi int) int {
	return (in+padLo+padHi-k)/stride + 1
}

// Conv2D convolves x [B, H, W, Cin] with kernel [kh, kw, Cin, Cout] (cross-correlation,
// as every deep learning library does) and returns [B, Ho, Wo, Cout].
func Conv2D(x, kernel *Node, stride int, padding Padding) *Node {
	if x.Rank() != 4 || kernel.Rank() != 4 {
		panic(fmt.Sprintf("blocks.Conv2D: want x [B,H,W,C] and kernel [kh,kw,Cin,Cout], got %s and %s",
			x.Shape(), kernel.Shape()))
	}
	h, w, cin := x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	kh, kw, kcin := kernel.Shape().Dim(0), kernel.Shape().Dim(1), kernel.Shape().Dim(2)
	if kcin != cin {
		panic(fmt.Sprintf("blocks.Conv2D: x has %d channels but kernel %s expects %d", cin, kernel.Shape(), kcin))
	}
	if stride < 1 {
		panic(fmt.Sprintf("blocks.Conv2D: stride %d < 1", stride))
	}
	pt, pb := padding.resolve(0, h, kh, stride)
	pl, pr := padding.resolve(1, w, kw, stride)
	ho, wo := ConvOutputSize(h, kh, stride, pt, pb), ConvOutputSize(w, kw, stride, pl, pr)
	if ho < 1 || wo < 1 {
		panic(fmt.Sprintf("blocks.Conv2D: input %dx%d too small for kernel %dx%d with padding %+v", h, w, kh, kw, padding))
	}
	if stride == 1 && kh*kw > 1 && pt < kh && pb < kh && pl < kw && pr < kw {
		return strideOneConv(x, kernel, pt, pb, pl, pr)
	}
	if stride == 1 {
		return im2colConv(x, kernel, stride, pt, pb, pl, pr)
	}
	return stridedConv(x, kernel, stride, pt, pb, pl, pr, true)
}

// stridedConv is a strided conv as one im2col matmul with its input gradient written
// out (written true) as the transposed conv of the output's gradient, the conv's exact
// adjoint, whose col2im sums by phases (ConvTranspose2D); derived through im2col's
// strided slices instead (written false, kept for BenchmarkConvEncoderGrad's side-by-
// side timing), every one of the kh*kw taps is padded back to the input's full size and
// added at full size. The kernel's gradient stays the matmul's derived one: written out
// from channel-major patches, as for strideOneConv, the conv VAE's encoder ran no faster
// (on the pinned backend its strided gathers cost what the transposes they replace did).
// Built like strideOneConv (identities that record the output's gradient and replace
// the input's), so second-order gradients still work.
func stridedConv(x, kernel *Node, stride, pt, pb, pl, pr int, written bool) *Node {
	if !written {
		return im2colConv(x, kernel, stride, pt, pb, pl, pr)
	}
	h, w := x.Shape().Dim(1), x.Shape().Dim(2)
	kh, kw := kernel.Shape().Dim(0), kernel.Shape().Dim(1)
	var dy *Node
	xi := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		// The rows and columns past the last window are never read; the output padding
		// gives them back, as zeros.
		opH, opW := (h+pt+pb-kh)%stride, (w+pl+pr-kw)%stride
		return convTranspose2DWith(dy, kernel, stride, Padding{Top: pt, Bottom: pb, Left: pl, Right: pr}, opH, opW, asConvGradient)
	})
	y := im2colConv(xi, kernel, stride, pt, pb, pl, pr)
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		dy = v
		return v
	})
}

// im2colConv is Conv2D as one matmul: the padded input's kh*kw strided views side by
// side along channels (the patches), times the kernel as a [kh*kw*Cin, Cout] matrix.
func im2colConv(x, kernel *Node, stride, pt, pb, pl, pr int) *Node {
	kh, kw, cin, cout := kernel.Shape().Dim(0), kernel.Shape().Dim(1), kernel.Shape().Dim(2), kernel.Shape().Dim(3)
	patches, ho, wo := im2col(x, kh, kw, stride, pt, pb, pl, pr)
	b := x.Shape().Dim(0)
	out := MatMul(Reshape(patches, b*ho*wo, kh*kw*cin), Reshape(kernel, kh*kw*cin, cout))
	return Reshape(out, b, ho, wo, cout)
}

// im2col returns x's patches [B, Ho, Wo, kh*kw*Cin] in (ky, kx, c) order, the row-major
// order of a kernel's first three axes.
func im2col(x *Node, kh, kw, stride, pt, pb, pl, pr int) (patches *Node, ho, wo int) {
	h, w := x.Shape().Dim(1), x.Shape().Dim(2)
	ho, wo = ConvOutputSize(h, kh, stride, pt, pb), ConvOutputSize(w, kw, stride, pl, pr)
	if pt|pb|pl|pr != 0 {
		x = Pad(x, ScalarZero(x.Graph(), x.DType()),
			PadAxis{}, PadAxis{Start: pt, End: pb}, PadAxis{Start: pl, End: pr}, PadAxis{})
	}
	if kh == 1 && kw == 1 && stride == 1 {
		return x, ho, wo
	}
	// One strided slice per kernel tap, concatenated along channels.
	taps := make([]*Node, 0, kh*kw)
	for ky := range kh {
		for kx := range kw {
			taps = append(taps, Slice(x,
				AxisRange(),
				AxisRange(ky, ky+(ho-1)*stride+1).Stride(stride),
				AxisRange(kx, kx+(wo-1)*stride+1).Stride(stride),
				AxisRange()))
		}
	}
	return Concatenate(taps, -1), ho, wo
}

// strideOneConv is a stride-1 convolution (the "same" 3x3 conv of the U-Nets and the
// growing GAN, CycleGAN's reflect-padded valid convs, PixelCNN's masked ones), computed
// row-wise (rowConv) with its gradients written out instead of derived: the input's
// gradient is itself a stride-1 conv, of the output's gradient with the kernel flipped
// and its channels swapped, padded by kernel-1-p where the forward conv padded by p; the
// kernel's is rowKernelGradient. The derived ones cost far more on the pure-Go backend:
// the patches' gradient comes out of the matmul through a full (identity) transpose
// copy, then goes back to the input as kh*kw padded copies of the input's size, summed.
// Both rules are differentiable graph ops, so second-order gradients (WGAN-GP's and
// R1's penalties) still work; the gradient sweeps and the second-order test check them
// against finite differences.
//
// GoMLX has no custom gradient for a function of two inputs, so it is built from three
// IdentityWithCustomGradient nodes: the output's records the output's gradient (the
// reverse pass reaches it first), the input's and the kernel's replace whatever the
// default rule gave with the rules above (the default rule's nodes are then unused, and
// the backend never runs them).
func strideOneConv(x, kernel *Node, pt, pb, pl, pr int) *Node {
	return strideOneConvWith(x, kernel, pt, pb, pl, pr, true)
}

// strideOneConvWith is strideOneConv computed row-wise (rows true) or as one im2col
// matmul with the kernel's gradient from channel-major patches (rows false: the
// previous formulation, kept for BenchmarkSameConvGrad's side-by-side timing).
func strideOneConvWith(x, kernel *Node, pt, pb, pl, pr int, rows bool) *Node {
	kh, kw := kernel.Shape().Dim(0), kernel.Shape().Dim(1)
	var dy *Node
	xi := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		flipped := TransposeAllAxes(Reverse(kernel, 0, 1), 0, 1, 3, 2)
		return strideOneConvWith(dy, flipped, kh-1-pt, kh-1-pb, kw-1-pl, kw-1-pr, rows)
	})
	ki := IdentityWithCustomGradient(kernel, func(_, _ *Node) *Node {
		if rows {
			return rowKernelGradient(x, dy, kh, kw, pt, pb, pl, pr)
		}
		return kernelGradient(x, dy, kh, kw, 1, pt, pb, pl, pr)
	})
	var y *Node
	if rows {
		y = rowConv(xi, ki, pt, pb, pl, pr)
	} else {
		y = im2colConv(xi, ki, 1, pt, pb, pl, pr)
	}
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		dy = v
		return v
	})
}

// rowConv is a stride-1 conv with the patches gathered along rows only: the padded
// input's kw horizontal shifts side by side on channels (R, [B, Hp, Wo, kw*Cin], for
// every padded row), times the kernel as [kw*Cin, kh*Cout] in one matmul; output row i
// is then the sum over ky of that product's row i+ky, kernel row ky. im2col's patches
// copy the input kh*kw times, element by element through the backend's generic strided
// slice, and again to concatenate them; here the input is copied kw times and again to
// concatenate, and the output kh times: for a 3x3 conv with as many channels out as in,
// 9 copies of the activations' size instead of 18 (the slices, the costly ones, 6
// instead of 9), for 7% to 30% more multiplies (the padded rows at 28 to 7 pixels).
func rowConv(x, kernel *Node, pt, pb, pl, pr int) *Node {
	kh, kw, cin, cout := kernel.Shape().Dim(0), kernel.Shape().Dim(1), kernel.Shape().Dim(2), kernel.Shape().Dim(3)
	b := x.Shape().Dim(0)
	if pt|pb|pl|pr != 0 {
		x = Pad(x, ScalarZero(x.Graph(), x.DType()),
			PadAxis{}, PadAxis{Start: pt, End: pb}, PadAxis{Start: pl, End: pr}, PadAxis{})
	}
	hp, wp := x.Shape().Dim(1), x.Shape().Dim(2)
	ho, wo := hp-kh+1, wp-kw+1
	r := x
	if kw > 1 {
		taps := make([]*Node, kw)
		for kx := range kw {
			taps[kx] = Slice(x, AxisRange(), AxisRange(), AxisRange(kx, kx+wo), AxisRange())
		}
		r = Concatenate(taps, -1)
	}
	k := Reshape(TransposeAllAxes(Reshape(kernel, kh, kw*cin, cout), 1, 0, 2), kw*cin, kh*cout)
	z := Reshape(MatMul(Reshape(r, b*hp*wo, kw*cin), k), b, hp, wo, kh, cout)
	var y *Node
	for ky := range kh {
		row := Slice(z, AxisRange(), AxisRange(ky, ky+ho), AxisRange(), AxisElem(ky), AxisRange())
		if y == nil {
			y = row
		} else {
			y = Add(y, row)
		}
	}
	return Reshape(y, b, ho, wo, cout)
}

// rowKernelGradient is rowConv's kernel gradient: for kernel row ky, R's rows ky..
// ky+Ho-1 against the output's gradient, contracted over batch and pixels. Both
// operands are laid out channel-major ([channels, B*Hp*Wo]) so that the matmul
// contracts their last axes, as the backend's matmul reads them without a transposed
// copy: R from the input transposed once, and the output's gradient placed at each
// ky's rows by a zero pad (a copy of whole rows) instead of R being sliced kh times.
func rowKernelGradient(x, dy *Node, kh, kw, pt, pb, pl, pr int) *Node {
	cin, cout := x.Shape().Dim(3), dy.Shape().Dim(3)
	b, ho, wo := dy.Shape().Dim(0), dy.Shape().Dim(1), dy.Shape().Dim(2)
	zero := ScalarZero(x.Graph(), x.DType())
	xt := TransposeAllAxes(x, 3, 0, 1, 2) // [Cin, B, H, W]
	if pt|pb|pl|pr != 0 {
		xt = Pad(xt, zero, PadAxis{}, PadAxis{}, PadAxis{Start: pt, End: pb}, PadAxis{Start: pl, End: pr})
	}
	hp := xt.Shape().Dim(2)
	rt := xt
	if kw > 1 {
		taps := make([]*Node, kw)
		for kx := range kw {
			taps[kx] = Slice(xt, AxisRange(), AxisRange(), AxisRange(), AxisRange(kx, kx+wo))
		}
		rt = Concatenate(taps, 0) // [kw*Cin, B, Hp, Wo], rows (kx, c)
	}
	dyT := TransposeAllAxes(dy, 3, 0, 1, 2) // [Cout, B, Ho, Wo]
	shifted := make([]*Node, kh)
	for ky := range kh {
		shifted[ky] = Pad(dyT, zero, PadAxis{}, PadAxis{}, PadAxis{Start: ky, End: hp - ho - ky}, PadAxis{})
	}
	d := Reshape(Concatenate(shifted, 0), kh*cout, b*hp*wo)
	g := DotGeneral(d, []int{1}, nil, Reshape(rt, kw*cin, b*hp*wo), []int{1}, nil) // [kh*Cout, kw*Cin]
	return TransposeAllAxes(Reshape(g, kh, cout, kw, cin), 0, 2, 3, 1)
}

// kernelGradient is a conv's kernel gradient, patches^T dy, computed as dy^T patches^T
// with both operands contracted over their last axis: the backend's matmul reads them
// as they lie. Contracted over the first axis (the patches' rows), the patches would
// first be copied transposed, element by element (kh*kw times the input's size; 4x the
// matmul's own time on a 32x32x16 batch of 32). So the patches are gathered
// channel-major here, from x transposed once (kh*kw times smaller).
func kernelGradient(x, dy *Node, kh, kw, stride, pt, pb, pl, pr int) *Node {
	cin, cout := x.Shape().Dim(3), dy.Shape().Dim(3)
	b, ho, wo := dy.Shape().Dim(0), dy.Shape().Dim(1), dy.Shape().Dim(2)
	xt := TransposeAllAxes(x, 3, 0, 1, 2) // [Cin, B, H, W]
	if pt|pb|pl|pr != 0 {
		xt = Pad(xt, ScalarZero(x.Graph(), x.DType()),
			PadAxis{}, PadAxis{}, PadAxis{Start: pt, End: pb}, PadAxis{Start: pl, End: pr})
	}
	taps := make([]*Node, 0, kh*kw)
	for ky := range kh {
		for kx := range kw {
			taps = append(taps, Slice(xt, AxisRange(), AxisRange(),
				AxisRange(ky, ky+(ho-1)*stride+1).Stride(stride),
				AxisRange(kx, kx+(wo-1)*stride+1).Stride(stride)))
		}
	}
	pT := Reshape(Concatenate(taps, 0), kh*kw*cin, b*ho*wo)         // patches^T
	dyT := Reshape(TransposeAllAxes(dy, 3, 0, 1, 2), cout, b*ho*wo) // dy^T
	g := DotGeneral(dyT, []int{1}, nil, pT, []int{1}, nil)          // [Cout, kh*kw*Cin]
	return Reshape(TransposeAllAxes(g, 1, 0), kh, kw, cin, cout)
}

// ConvTranspose2D is the transposed convolution with PyTorch's semantics: y [B, Hi, Wi, Cy]
// and kernel [kh, kw, Cout, Cy] give [B, Ho, Wo, Cout] with
// Ho = (Hi-1)*stride - padTop - padBottom + kh + outputPadding. It is the exact adjoint of
// Conv2D(., kernel, stride, padding) for the input size it returns: for all x, y,
// <Conv2D(x), y> = <x, ConvTranspose2D(y)>.
//
// Same padding is not accepted (the output size would be ambiguous): use Pad(p).
func ConvTranspose2D(y, kernel *Node, stride int, padding Padding, outputPadding int) *Node {
	return convTranspose2DWith(y, kernel, stride, padding, outputPadding, outputPadding, byPhases)
}

// col2im is how a transposed conv sums its taps into the output.
type col2im int

const (
	// byPhases sums each of the output's stride x stride phases from its own taps
	// (col2imPhases), each pixel's taps in the order (ky, kx) ascending: the order the
	// tap-by-tap sum adds them, so both give the same bits.
	byPhases col2im = iota
	// asConvGradient computes a strided conv's input gradient with the operations
	// GoMLX's reverse pass derives for it, except that the col2im goes by phases: the
	// taps from the kernel as it lies ([kh*kw*Cout, Cy], contracted over its last axis, the matmul gradient's
	// layout, whose kernels round differently from the transposed kernel's on small
	// matmuls), and by phases with each pixel's taps added in descending order, the
	// order the reverse pass accumulates im2col's tap gradients (the taps' slices were
	// built ascending and are visited last first). So the written gradient has the
	// derived one's bits (TestStridedConvGradientBits).
	asConvGradient
	// byTaps pads every tap to the output's full size and adds them in (ky, kx)
	// order, with the gradients derived: the previous formulation, kept for
	// BenchmarkConvTransposeGrad and as TestConvTransposePhasesBits' reference.
	byTaps
)

// convTranspose2DWith is ConvTranspose2D with an output padding per axis (opH rows,
// opW columns: a strided conv's input gradient needs its input's size back) and its
// col2im summed as sum says.
func convTranspose2DWith(y, kernel *Node, stride int, padding Padding, opH, opW int, sum col2im) *Node {
	if y.Rank() != 4 || kernel.Rank() != 4 {
		panic(fmt.Sprintf("blocks.ConvTranspose2D: want y [B,H,W,C] and kernel [kh,kw,Cout,Cin], got %s and %s",
			y.Shape(), kernel.Shape()))
	}
	if padding.Same {
		panic("blocks.ConvTranspose2D: Same padding is ambiguous for a transposed conv; use Explicit(p) and outputPadding")
	}
	if stride < 1 || opH < 0 || opH >= stride || opW < 0 || opW >= stride {
		panic(fmt.Sprintf("blocks.ConvTranspose2D: need stride >= 1 and 0 <= outputPadding < stride, got %d and %d, %d",
			stride, opH, opW))
	}
	b, hi, wi, cy := y.Shape().Dim(0), y.Shape().Dim(1), y.Shape().Dim(2), y.Shape().Dim(3)
	kh, kw, cout, kcy := kernel.Shape().Dim(0), kernel.Shape().Dim(1), kernel.Shape().Dim(2), kernel.Shape().Dim(3)
	if kcy != cy {
		panic(fmt.Sprintf("blocks.ConvTranspose2D: y has %d channels but kernel %s expects %d", cy, kernel.Shape(), kcy))
	}
	g := y.Graph()
	// The gradients of y and the kernel are written out (byPhases, the public
	// ConvTranspose2D): derived, cols' gradient is assembled from its kh*kw taps'
	// gradients, each padded back to cols' whole size (kh*kw times the tap's) and added
	// at that size, kh*kw times the work of the tap's own. Written, cols' gradient is the
	// output gradient's im2col patches (the same values: col2im only moves and adds), and
	// the two gradients are the matmuls the derived ones end in, on the same operands in
	// the same order, so they have the same bits (TestConvTransposePhasesBits). Built
	// like strideOneConv, so second-order gradients still work.
	written := sum == byPhases
	var dz, dcols *Node
	colsGradient := func() *Node { // [B*Hi*Wi, kh*kw*Cout], built once for both
		if dcols == nil {
			dcols = Reshape(convTransposeColsGradient(dz, kh, kw, stride, padding, opH, opW), b*hi*wi, kh*kw*cout)
		}
		return dcols
	}
	yIn, kernelIn := y, kernel
	if written {
		yIn = IdentityWithCustomGradient(y, func(_, _ *Node) *Node {
			kmat := Transpose(Reshape(kernel, kh*kw*cout, cy), 0, 1)
			return Reshape(DotGeneral(colsGradient(), []int{1}, nil, kmat, []int{1}, nil), b, hi, wi, cy)
		})
		kernelIn = IdentityWithCustomGradient(kernel, func(_, _ *Node) *Node {
			dk := DotGeneral(colsGradient(), []int{0}, nil, Reshape(y, b*hi*wi, cy), []int{0}, nil) // [kh*kw*Cout, Cy]
			return Reshape(dk, kh, kw, cout, cy)
		})
	}
	// cols[b, i, j, ky, kx, c] = sum_cy y[b, i, j, cy] * K[ky, kx, c, cy]: a matmul with
	// exactly the transposed conv's FLOPs (no multiplications by inserted zeros).
	var cols *Node
	if sum == asConvGradient {
		cols = DotGeneral(Reshape(yIn, b*hi*wi, cy), []int{1}, nil, Reshape(kernelIn, kh*kw*cout, cy), []int{1}, nil)
	} else {
		kmat := Transpose(Reshape(kernelIn, kh*kw*cout, cy), 0, 1) // [Cy, kh*kw*Cout]
		cols = MatMul(Reshape(yIn, b*hi*wi, cy), kmat)
	}
	cols = Reshape(cols, b, hi, wi, kh*kw, cout)
	// col2im: tap (ky, kx) of input pixel (i, j) lands on output (i*stride+ky, j*stride+kx)
	// of the uncropped output, of size (Hi-1)*stride + kh.
	fullH, fullW := (hi-1)*stride+kh, (wi-1)*stride+kw
	zero := ScalarZero(g, y.DType())
	tap := func(ky, kx int) *Node {
		return Reshape(Slice(cols, AxisRange(), AxisRange(), AxisRange(), AxisElem(ky*kw+kx), AxisRange()), b, hi, wi, cout)
	}
	var full *Node
	if sum != byTaps && stride > 1 {
		full = col2imPhases(tap, b, hi, wi, kh, kw, cout, stride, zero, sum == asConvGradient)
		if full.Shape().Dim(1) > fullH || full.Shape().Dim(2) > fullW {
			full = Slice(full, AxisRange(), AxisRange(0, fullH), AxisRange(0, fullW), AxisRange())
		}
	} else {
		for ky := range kh {
			for kx := range kw {
				t := Pad(tap(ky, kx), zero, PadAxis{},
					PadAxis{Start: ky, End: kh - 1 - ky, Interior: stride - 1},
					PadAxis{Start: kx, End: kw - 1 - kx, Interior: stride - 1},
					PadAxis{})
				if full == nil {
					full = t
				} else {
					full = Add(full, t)
				}
			}
		}
	}
	// Crop the padding (it is what the forward conv added) and add output padding at the
	// end, where the forward conv would have ignored the extra rows and columns.
	pt, pb, pl, pr := padding.Top, padding.Bottom, padding.Left, padding.Right
	ho, wo := fullH-pt-pb+opH, fullW-pl-pr+opW
	if ho < 1 || wo < 1 {
		panic(fmt.Sprintf("blocks.ConvTranspose2D: padding %+v leaves an empty output", padding))
	}
	if extra := opH - pb; extra > 0 {
		full = Pad(full, zero, PadAxis{}, PadAxis{End: extra}, PadAxis{}, PadAxis{})
	}
	if extra := opW - pr; extra > 0 {
		full = Pad(full, zero, PadAxis{}, PadAxis{}, PadAxis{End: extra}, PadAxis{})
	}
	out := Slice(full, AxisRange(), AxisRange(pt, pt+ho), AxisRange(pl, pl+wo), AxisRange())
	if !written {
		return out
	}
	return IdentityWithCustomGradient(out, func(_, v *Node) *Node {
		dz = v
		return v
	})
}

// convTransposeColsGradient is the gradient of a transposed conv's cols ([B, Hi, Wi,
// kh*kw*Cout]) given its output's, dz: tap (ky, kx) of input pixel (i, j) was added to
// the uncropped output at (i*stride+ky, j*stride+kx), so its gradient is dz there (zero
// where the crop cut it off): the patches of dz padded back to the uncropped size,
// im2col's. Rows and columns the output padding added past the uncropped output (fewer
// than the stride) lie past the last patch, which im2col never reads.
func convTransposeColsGradient(dz *Node, kh, kw, stride int, padding Padding, opH, opW int) *Node {
	patches, _, _ := im2col(dz, kh, kw, stride,
		padding.Top, max(padding.Bottom-opH, 0), padding.Left, max(padding.Right-opW, 0))
	return patches
}

// col2imPhases sums a strided transposed conv's taps into its uncropped output by the
// output's stride x stride phases: output row i*stride + ky, with ky = py + stride*m, is
// row i+m of phase py, so each phase is the sum of its own taps shifted by whole rows
// and columns (pads without interior padding, on a grid stride^2 times smaller than the
// output), and the phases interleave into the output by two concatenations and
// reshapes, with no transpose. Tap by tap, every one of the kh*kw taps is padded to the
// output's full size (a fill of zeros, a strided copy) and added at full size; by
// phases the pads and adds are stride^2 times smaller. The result has
// (Hi + ceil(kh/stride) - 1) * stride rows (and likewise columns), at least the
// uncropped (Hi-1)*stride + kh; the rows past that are zeros. Each pixel's taps are
// added in (ky, kx) order, ascending or (reversed) descending.
func col2imPhases(tap func(ky, kx int) *Node, b, hi, wi, kh, kw, cout, stride int, zero *Node, reversed bool) *Node {
	mh, mw := (kh+stride-1)/stride, (kw+stride-1)/stride
	hq, wq := hi+mh-1, wi+mw-1
	rows := make([]*Node, stride)
	for py := range stride {
		cols := make([]*Node, stride)
		for px := range stride {
			var shifts [][2]int // (m, n) of the phase's taps, in the order they are added
			for m := 0; py+stride*m < kh; m++ {
				for n := 0; px+stride*n < kw; n++ {
					shifts = append(shifts, [2]int{m, n})
				}
			}
			if reversed {
				slices.Reverse(shifts)
			}
			var phase *Node
			for _, mn := range shifts {
				m, n := mn[0], mn[1]
				t := Pad(tap(py+stride*m, px+stride*n), zero, PadAxis{},
					PadAxis{Start: m, End: mh - 1 - m}, PadAxis{Start: n, End: mw - 1 - n}, PadAxis{})
				if phase == nil {
					phase = t
				} else {
					phase = Add(phase, t)
				}
			}
			if phase == nil { // a kernel smaller than the stride leaves this phase empty
				phase = BroadcastToDims(zero, b, hq, wq, cout)
			}
			cols[px] = phase
		}
		// [B, hq, wq, stride*C] is [B, hq, wq*stride, C] with column j*stride + px.
		rows[py] = Reshape(Concatenate(cols, -1), b, hq, 1, wq*stride, cout)
	}
	// [B, hq, stride, W, C] is [B, hq*stride, W, C] with row i*stride + py.
	return Reshape(Concatenate(rows, 2), b, hq*stride, wq*stride, cout)
}

// ConvTransposeOutputSize is ConvTranspose2D's spatial output size along one axis.
func ConvTransposeOutputSize(in, k, stride, padLo, padHi, outputPadding int) int {
	return (in-1)*stride - padLo - padHi + k + outputPadding
}

// HalvingSizes returns the spatial sizes along one axis through a stack of halving
// convs: in, then after each. A conv of kernel HalvingKernel(n), stride 2 and padding 1
// maps n to ceil(n/2), and the matching transposed conv maps it back exactly, with no
// output padding.
func HalvingSizes(in, layers int) []int {
	s := []int{in}
	for range layers {
		s = append(s, (s[len(s)-1]+1)/2)
	}
	return s
}

// HalvingKernel is the kernel size of a halving conv (stride 2, padding 1) on an input
// of size n: 4 for even n (the DCGAN kernel), 3 for odd n.
func HalvingKernel(n int) int {
	if n%2 == 0 {
		return 4
	}
	return 3
}

// Conv is a trainable Conv2D layer: a kernel [k, k, Cin, Cout] (He-initialized, as suits
// the ReLU-family activations that follow it) and an optional bias, kept under scope.
type Conv struct {
	Out, Kernel, Stride int
	Padding             Padding
	NoBias              bool
	Init                Init // "" is He
}

// Apply runs the layer on x [B, H, W, Cin], creating its variables on first use.
func (c Conv) Apply(scope *model.Scope, x *Node) *Node {
	cin := x.Shape().Dim(-1)
	kshape := shapes.Make(x.DType(), c.Kernel, c.Kernel, cin, c.Out)
	kinit, binit := c.Init.initializers(scope, initializer.HeFn(scope), cin*c.Kernel*c.Kernel)
	k := scope.WithInitializer(kinit).VariableWithShape("kernel", kshape).ValueGraph(x.Graph())
	out := Conv2D(x, k, max(c.Stride, 1), c.Padding)
	if !c.NoBias {
		bias := scope.WithInitializer(binit).VariableWithShape("bias", shapes.Make(x.DType(), c.Out)).ValueGraph(x.Graph())
		out = Add(out, Reshape(bias, 1, 1, 1, c.Out))
	}
	return out
}

// heNormal draws N(0, 2/fanIn), He et al.'s initialization for ReLU-family layers.
func heNormal(scope *model.Scope, fanIn int, gain float64) model.VariableInitializer {
	return func(g *Graph, shape shapes.Shape) *Node {
		return MulScalar(scope.RandomNormal(g, shape), gain*math.Sqrt(2/float64(fanIn)))
	}
}

// ConvT is a trainable ConvTranspose2D layer (PyTorch's ConvTranspose2d with symmetric
// padding Pad and OutputPadding).
type ConvT struct {
	Out, Kernel, Stride, Pad, OutputPadding int
	NoBias                                  bool
	// Gain scales the He initialization (0 means 1). An output layer followed by a
	// sigmoid starts better small: logits near 0 keep the sigmoid out of saturation,
	// where an MSE loss has almost no gradient.
	Gain float64
	Init Init // "" is He; FanInUniform ignores Gain
}

// Apply runs the layer on y [B, H, W, Cin], creating its variables on first use.
func (c ConvT) Apply(scope *model.Scope, y *Node) *Node {
	cin := y.Shape().Dim(-1)
	kshape := shapes.Make(y.DType(), c.Kernel, c.Kernel, c.Out, cin)
	// He initialization by the true fan-in: each output pixel of a stride-s transposed
	// conv sums Cin * k*k / s^2 taps. GoMLX's HeFn reads the fan-in off the kernel shape
	// as a forward conv's (Cout * k*k), which for a 16->1 channel layer makes the outputs
	// 8x too large and saturates a sigmoid after it.
	fanIn := max(1, cin*c.Kernel*c.Kernel/(max(c.Stride, 1)*max(c.Stride, 1)))
	gain := c.Gain
	if gain == 0 {
		gain = 1
	}
	kinit, binit := c.Init.initializers(scope, heNormal(scope, fanIn, gain), c.Out*c.Kernel*c.Kernel)
	k := scope.WithInitializer(kinit).VariableWithShape("kernel", kshape).ValueGraph(y.Graph())
	out := ConvTranspose2D(y, k, max(c.Stride, 1), Explicit(c.Pad), c.OutputPadding)
	if !c.NoBias {
		bias := scope.WithInitializer(binit).VariableWithShape("bias", shapes.Make(y.DType(), c.Out)).ValueGraph(y.Graph())
		out = Add(out, Reshape(bias, 1, 1, 1, c.Out))
	}
	return out
}
