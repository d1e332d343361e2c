package blocks

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/genlab-go/genlab/backend"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

func testBackend(t testing.TB) compute.Backend {
	t.Helper()
	return backend.MustNew("go")
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	return s
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) []float64 {
	out := make([]float64, len(y))
	for i := range y {
		out[i] = y[i] + a*x[i]
	}
	return out
}

// naiveConv is the textbook definition, the reference for Conv2D's forward pass.
func naiveConv(x []float64, b, h, w, cin int, k []float64, kh, kw, cout, stride, pt, pb, pl, pr int) ([]float64, int, int) {
	ho, wo := ConvOutputSize(h, kh, stride, pt, pb), ConvOutputSize(w, kw, stride, pl, pr)
	out := make([]float64, b*ho*wo*cout)
	for n := range b {
		for i := range ho {
			for j := range wo {
				for co := range cout {
					var s float64
					for ky := range kh {
						for kx := range kw {
							y, xx := i*stride+ky-pt, j*stride+kx-pl
							if y < 0 || y >= h || xx < 0 || xx >= w {
								continue
							}
							for ci := range cin {
								s += x[((n*h+y)*w+xx)*cin+ci] * k[((ky*kw+kx)*cin+ci)*cout+co]
							}
						}
					}
					out[((n*ho+i)*wo+j)*cout+co] = s
				}
			}
		}
	}
	return out, ho, wo
}

type convCase struct {
	h, w, cin, cout, k, stride int
	pad                        Padding
}

func (c convCase) String() string {
	p := "valid"
	if c.pad.Same {
		p = "same"
	} else if c.pad != Valid {
		p = fmt.Sprintf("explicit%d", c.pad.Top)
	}
	return fmt.Sprintf("in%dx%dx%d_out%d_k%d_s%d_%s", c.h, c.w, c.cin, c.cout, c.k, c.stride, p)
}

// convSweep is the configuration sweep the issue asks for: kernel 1 to 5, stride 1 and 2,
// valid/same/explicit padding, 1 to 3 channels in and out, odd and even input sizes.
func convSweep() []convCase {
	var cases []convCase
	chans := [][2]int{{1, 1}, {1, 3}, {3, 1}, {2, 3}, {3, 2}}
	i := 0
	for k := 1; k <= 5; k++ {
		for _, s := range []int{1, 2} {
			for _, pad := range []Padding{Valid, Same, Explicit(1)} {
				for _, hw := range [][2]int{{6, 7}, {7, 6}} {
					if hw[0]+2*pad.Top < k || hw[1]+2*pad.Left < k {
						continue
					}
					ch := chans[i%len(chans)]
					i++
					cases = append(cases, convCase{h: hw[0], w: hw[1], cin: ch[0], cout: ch[1], k: k, stride: s, pad: pad})
				}
			}
		}
	}
	return cases
}

// checkGradients compares the graph's gradients of L = <f(x, K), R> with respect to x
// and K against central finite differences along random directions, in float64.
func checkGradients(t *testing.T, be compute.Backend, name string, f func(x, k *graph.Node) *graph.Node,
	xDims, kDims []int, rng *rand.Rand) {
	t.Helper()
	exec := graph.MustNewExec(be, func(x, k, r *graph.Node) (*graph.Node, *graph.Node, *graph.Node) {
		loss := graph.ReduceAllSum(graph.Mul(f(x, k), r))
		grads := graph.Gradient(loss, x, k)
		return loss, grads[0], grads[1]
	})
	defer exec.Finalize()
	n := func(d []int) int {
		p := 1
		for _, v := range d {
			p *= v
		}
		return p
	}
	x, k := randSlice(rng, n(xDims)), randSlice(rng, n(kDims))
	xt, kt := tensors.FromFlatDataAndDimensions(x, xDims...), tensors.FromFlatDataAndDimensions(k, kDims...)
	// The output shape is needed for R: run once with a probe.
	probe := graph.MustExecOnce(be, func(x, k *graph.Node) *graph.Node { return f(x, k) }, xt, kt)
	r := randSlice(rng, probe.Shape().Size())
	rt := tensors.FromFlatDataAndDimensions(r, probe.Shape().Dimensions...)
	out := exec.MustCall(xt, kt, rt)
	gx, gk := tensors.MustCopyFlatData[float64](out[1]), tensors.MustCopyFlatData[float64](out[2])
	loss := func(x, k []float64) float64 {
		o := exec.MustCall(tensors.FromFlatDataAndDimensions(x, xDims...), tensors.FromFlatDataAndDimensions(k, kDims...), rt)
		return tensors.ToScalar[float64](o[0])
	}
	const eps = 1e-5
	for trial := range 2 {
		vx, vk := randSlice(rng, len(x)), randSlice(rng, len(k))
		fdX := (loss(axpy(eps, vx, x), k) - loss(axpy(-eps, vx, x), k)) / (2 * eps)
		fdK := (loss(x, axpy(eps, vk, k)) - loss(x, axpy(-eps, vk, k))) / (2 * eps)
		for _, c := range []struct {
			what      string
			got, want float64
		}{{"x", dot(gx, vx), fdX}, {"kernel", dot(gk, vk), fdK}} {
			if d := math.Abs(c.got - c.want); d > 1e-6*(1+math.Abs(c.want)) {
				t.Errorf("%s: gradient wrt %s (direction %d): autodiff %.9g, finite differences %.9g", name, c.what, trial, c.got, c.want)
			}
		}
	}
}

func TestConv2DForwardMatchesNaive(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range convSweep() {
		x := randSlice(rng, 2*c.h*c.w*c.cin)
		k := randSlice(rng, c.k*c.k*c.cin*c.cout)
		pt, pb := c.pad.resolve(0, c.h, c.k, c.stride)
		pl, pr := c.pad.resolve(1, c.w, c.k, c.stride)
		want, ho, wo := naiveConv(x, 2, c.h, c.w, c.cin, k, c.k, c.k, c.cout, c.stride, pt, pb, pl, pr)
		got := graph.MustExecOnce(be, func(x, k *graph.Node) *graph.Node { return Conv2D(x, k, c.stride, c.pad) },
			tensors.FromFlatDataAndDimensions(x, 2, c.h, c.w, c.cin), tensors.FromFlatDataAndDimensions(k, c.k, c.k, c.cin, c.cout))
		if d := got.Shape().Dimensions; d[1] != ho || d[2] != wo || d[3] != c.cout {
			t.Fatalf("%s: shape %v, want [2 %d %d %d]", c, d, ho, wo, c.cout)
		}
		for i, v := range tensors.MustCopyFlatData[float64](got) {
			if math.Abs(v-want[i]) > 1e-9 {
				t.Fatalf("%s: output[%d] = %g, want %g", c, i, v, want[i])
			}
		}
	}
}

func TestConv2DGradientSweep(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range convSweep() {
		checkGradients(t, be, "Conv2D "+c.String(),
			func(x, k *graph.Node) *graph.Node { return Conv2D(x, k, c.stride, c.pad) },
			[]int{2, c.h, c.w, c.cin}, []int{c.k, c.k, c.cin, c.cout}, rng)
	}
}

// transposeSweep: the same kernels and strides, PyTorch-style symmetric padding 0 to 2
// and every legal output padding; and stride 3, where col2im's phases hold unequal
// numbers of taps (none, for kernels smaller than the stride).
func transposeSweep() []struct {
	convCase
	op int
} {
	var out []struct {
		convCase
		op int
	}
	cases := convSweep()
	for k := 1; k <= 5; k++ {
		cases = append(cases, convCase{h: 5, w: 4, cin: 2, cout: 3, k: k, stride: 3, pad: Explicit(k / 3)})
	}
	for _, c := range cases {
		if c.pad.Same {
			continue
		}
		for op := range c.stride {
			ho := ConvTransposeOutputSize(c.h, c.k, c.stride, c.pad.Top, c.pad.Bottom, op)
			wo := ConvTransposeOutputSize(c.w, c.k, c.stride, c.pad.Left, c.pad.Right, op)
			if ho < 1 || wo < 1 {
				continue
			}
			out = append(out, struct {
				convCase
				op int
			}{c, op})
		}
	}
	return out
}

func TestConvTranspose2DIsAdjoint(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range transposeSweep() {
		// y lives in the conv's output space; convT(y) in its input space.
		ho := ConvTransposeOutputSize(c.h, c.k, c.stride, c.pad.Top, c.pad.Bottom, c.op)
		wo := ConvTransposeOutputSize(c.w, c.k, c.stride, c.pad.Left, c.pad.Right, c.op)
		y := randSlice(rng, 2*c.h*c.w*c.cout)
		x := randSlice(rng, 2*ho*wo*c.cin)
		k := randSlice(rng, c.k*c.k*c.cin*c.cout)
		outs := graph.MustExecOnceN(be, func(x, y, k *graph.Node) []*graph.Node {
			return []*graph.Node{Conv2D(x, k, c.stride, c.pad), ConvTranspose2D(y, k, c.stride, c.pad, c.op)}
		}, tensors.FromFlatDataAndDimensions(x, 2, ho, wo, c.cin), tensors.FromFlatDataAndDimensions(y, 2, c.h, c.w, c.cout),
			tensors.FromFlatDataAndDimensions(k, c.k, c.k, c.cin, c.cout))
		if d := outs[0].Shape().Dimensions; d[1] != c.h || d[2] != c.w {
			t.Fatalf("%s op%d: conv of the transposed output has shape %v, want spatial %dx%d", c, c.op, d, c.h, c.w)
		}
		lhs := dot(tensors.MustCopyFlatData[float64](outs[0]), y)
		rhs := dot(x, tensors.MustCopyFlatData[float64](outs[1]))
		if math.Abs(lhs-rhs) > 1e-9*(1+math.Abs(lhs)) {
			t.Errorf("%s op%d: <conv(x), y> = %.12g but <x, convT(y)> = %.12g", c, c.op, lhs, rhs)
		}
	}
}

func TestConvTranspose2DGradientSweep(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range transposeSweep() {
		checkGradients(t, be, fmt.Sprintf("ConvTranspose2D %s op%d", c, c.op),
			func(y, k *graph.Node) *graph.Node { return ConvTranspose2D(y, k, c.stride, c.pad, c.op) },
			[]int{2, c.h, c.w, c.cout}, []int{c.k, c.k, c.cin, c.cout}, rng)
	}
}

// TestStridedConvGradientBits: the strided conv's written input gradient (the transposed
// conv of the output's gradient, by phases) equals, bit for bit in float32, the one
// GoMLX derives through im2col's slices, so the trained weights, and the README's
// numbers, did not move when it was written out; and so does the kernel's.
func TestStridedConvGradientBits(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, c := range []convCase{
		{h: 14, w: 14, cin: 3, cout: 5, k: 4, stride: 2, pad: Explicit(1)},
		{h: 7, w: 6, cin: 2, cout: 3, k: 3, stride: 2, pad: Same},
		{h: 9, w: 8, cin: 2, cout: 2, k: 5, stride: 2, pad: Valid},
		{h: 10, w: 11, cin: 3, cout: 4, k: 4, stride: 3, pad: Explicit(1)},
		{h: 8, w: 8, cin: 2, cout: 2, k: 2, stride: 3, pad: Valid},
	} {
		pt, pb := c.pad.resolve(0, c.h, c.k, c.stride)
		pl, pr := c.pad.resolve(1, c.w, c.k, c.stride)
		x := tensors.FromFlatDataAndDimensions(f32(randSlice(rng, 3*c.h*c.w*c.cin)), 3, c.h, c.w, c.cin)
		k := tensors.FromFlatDataAndDimensions(f32(randSlice(rng, c.k*c.k*c.cin*c.cout)), c.k, c.k, c.cin, c.cout)
		grads := func(written bool) [][]float32 {
			outs := graph.MustExecOnceN(be, func(x, k *graph.Node) []*graph.Node {
				y := stridedConv(x, k, c.stride, pt, pb, pl, pr, written)
				// A loss whose gradient differs at every output, so every tap carries a value.
				loss := graph.ReduceAllSum(graph.Mul(graph.Square(y), graph.Sin(y)))
				return graph.Gradient(loss, x, k)
			}, x, k)
			return [][]float32{tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])}
		}
		got, want := grads(true), grads(false)
		for i, what := range []string{"input", "kernel"} {
			for j := range want[i] {
				if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
					t.Fatalf("%s: %s gradient [%d] = %g written, %g derived", c, what, j, got[i][j], want[i][j])
				}
			}
		}
	}
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestConvTransposePhasesBits: ConvTranspose2D (col2im by phases, gradients written
// out) gives, bit for bit in float32, what the tap-by-tap sum with derived gradients
// gave (forward and both gradients), for every configuration of the sweep.
func TestConvTransposePhasesBits(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range transposeSweep() {
		y := tensors.FromFlatDataAndDimensions(f32(randSlice(rng, 2*c.h*c.w*c.cout)), 2, c.h, c.w, c.cout)
		k := tensors.FromFlatDataAndDimensions(f32(randSlice(rng, c.k*c.k*c.cin*c.cout)), c.k, c.k, c.cin, c.cout)
		run := func(sum col2im) [][]float32 {
			outs := graph.MustExecOnceN(be, func(y, k *graph.Node) []*graph.Node {
				out := convTranspose2DWith(y, k, c.stride, c.pad, c.op, c.op, sum)
				g := graph.Gradient(graph.ReduceAllSum(graph.Mul(graph.Square(out), graph.Sin(out))), y, k)
				return []*graph.Node{out, g[0], g[1]}
			}, y, k)
			res := make([][]float32, len(outs))
			for i, o := range outs {
				res[i] = tensors.MustCopyFlatData[float32](o)
			}
			return res
		}
		got, want := run(byPhases), run(byTaps)
		for i, what := range []string{"output", "y gradient", "kernel gradient"} {
			for j := range want[i] {
				if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
					t.Fatalf("%s op%d: %s [%d] = %g by phases, %g tap by tap", c, c.op, what, j, got[i][j], want[i][j])
				}
			}
		}
	}
}
