package blocks

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// benchConvGrad times forward + both gradients of a two-layer stride-2 conv encoder
// (28x28x1 -> 14x14x32 -> 7x7x64, k=4, the conv VAE's shape) at batch 128.
func benchConvGrad(b *testing.B, conv func(x, k *graph.Node) *graph.Node) {
	be := testBackend(b)
	f32 := benchValues()
	x := tensors.FromFlatDataAndDimensions(f32(128*28*28), 128, 28, 28, 1)
	k1 := tensors.FromFlatDataAndDimensions(f32(4*4*1*32), 4, 4, 1, 32)
	k2 := tensors.FromFlatDataAndDimensions(f32(4*4*32*64), 4, 4, 32, 64)
	exec := graph.MustNewExec(be, func(x, k1, k2 *graph.Node) []*graph.Node {
		h := conv(conv(x, k1), k2)
		loss := graph.ReduceAllSum(graph.Square(h))
		return graph.Gradient(loss, x, k1, k2)
	})
	exec.MustCall(x, k1, k2)
	b.ResetTimer()
	for range b.N {
		exec.MustCall(x, k1, k2)
	}
}

func BenchmarkConvEncoderGrad(b *testing.B) {
	b.Run("genlab_im2col", func(b *testing.B) {
		benchConvGrad(b, func(x, k *graph.Node) *graph.Node { return Conv2D(x, k, 2, Explicit(1)) })
	})
	b.Run("genlab_im2col_derived", func(b *testing.B) {
		benchConvGrad(b, func(x, k *graph.Node) *graph.Node { return stridedConv(x, k, 2, 1, 1, 1, 1, false) })
	})
	b.Run("gomlx_convolve", func(b *testing.B) {
		benchConvGrad(b, func(x, k *graph.Node) *graph.Node {
			return graph.Convolve(x, k).StridePerAxis(2, 2).PaddingPerDim([][2]int{{1, 1}, {1, 1}}).Done()
		})
	})
}

// BenchmarkSameConvGrad times forward + both gradients of one 3x3 stride-1 "same" conv
// (the growing GAN's and the diffusion U-Net's layer) three ways: GoMLX's derived
// gradients of one im2col matmul (derived), the same im2col with the gradients written
// out (written), and Conv2D's row-wise conv with its written gradients (rows).
func BenchmarkSameConvGrad(b *testing.B) {
	for _, s := range []struct {
		name             string
		n, hw, cin, cout int
	}{{"32x32x16", 32, 32, 16, 16}, {"16x16x32", 32, 16, 32, 32}, {"28x28x32", 64, 28, 32, 32}} {
		run := func(b *testing.B, conv func(x, k *graph.Node) *graph.Node) {
			be := testBackend(b)
			f32 := benchValues()
			x := tensors.FromFlatDataAndDimensions(f32(s.n*s.hw*s.hw*s.cin), s.n, s.hw, s.hw, s.cin)
			k := tensors.FromFlatDataAndDimensions(f32(9*s.cin*s.cout), 3, 3, s.cin, s.cout)
			exec := graph.MustNewExec(be, func(x, k *graph.Node) []*graph.Node {
				return graph.Gradient(graph.ReduceAllSum(graph.Square(conv(x, k))), x, k)
			})
			exec.MustCall(x, k)
			b.ResetTimer()
			for range b.N {
				exec.MustCall(x, k)
			}
		}
		b.Run(s.name+"/derived", func(b *testing.B) {
			run(b, func(x, k *graph.Node) *graph.Node { return im2colConv(x, k, 1, 1, 1, 1, 1) })
		})
		b.Run(s.name+"/written", func(b *testing.B) {
			run(b, func(x, k *graph.Node) *graph.Node { return strideOneConvWith(x, k, 1, 1, 1, 1, false) })
		})
		b.Run(s.name+"/rows", func(b *testing.B) {
			run(b, func(x, k *graph.Node) *graph.Node { return Conv2D(x, k, 1, Explicit(1)) })
		})
	}
}

// BenchmarkConvTransposeGrad times forward + both gradients of stride-2 k4 transposed
// convs as ConvTranspose2D computes them (phases: col2im by phases, gradients written
// out) and as it did before (taps: tap by tap at full size, gradients derived), in one
// run: the DCGAN generator's two (7x7x128 -> 14x14x64 -> 28x28x1, batch 64) and the
// conv VAE decoder's 7x7x64 -> 14x14x32 (batch 128).
func BenchmarkConvTransposeGrad(b *testing.B) {
	for _, s := range []struct {
		name  string
		batch int
		dims  [][3]int // [h, w, channels] of each layer's input, then the output's channels
	}{
		{"dcgan", 64, [][3]int{{7, 7, 128}, {14, 14, 64}, {28, 28, 1}}},
		{"vae", 128, [][3]int{{7, 7, 64}, {14, 14, 32}}},
	} {
		for _, sum := range []col2im{byPhases, byTaps} {
			name := s.name + "/phases"
			if sum == byTaps {
				name = s.name + "/taps"
			}
			b.Run(name, func(b *testing.B) {
				be := testBackend(b)
				f32 := benchValues()
				in := s.dims[0]
				inputs := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(f32(s.batch*in[0]*in[1]*in[2]), s.batch, in[0], in[1], in[2])}
				for i := 1; i < len(s.dims); i++ {
					cin, cout := s.dims[i-1][2], s.dims[i][2]
					inputs = append(inputs, tensors.FromFlatDataAndDimensions(f32(16*cout*cin), 4, 4, cout, cin))
				}
				exec := graph.MustNewExec(be, func(in []*graph.Node) []*graph.Node {
					h := in[0]
					for _, k := range in[1:] {
						h = convTranspose2DWith(h, k, 2, Explicit(1), 0, 0, sum)
					}
					return graph.Gradient(graph.ReduceAllSum(graph.Square(h)), in...)
				})
				args := make([]any, len(inputs))
				for i, t := range inputs {
					args[i] = t
				}
				exec.MustCall(args...)
				b.ResetTimer()
				for range b.N {
					exec.MustCall(args...)
				}
			})
		}
	}
}

// benchValues returns a function that draws n values N(0, 0.01), from a fixed seed.
func benchValues() func(n int) []float32 {
	rng := rand.New(rand.NewPCG(1, 1))
	return func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64() * 0.1)
		}
		return v
	}
}
