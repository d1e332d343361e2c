package blocks

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestUpstreamConvolveEvenKernelBug is the minimal reproduction written up in
// docs/CONV.md: GoMLX v0.28.8's graph.Convolve returns a wrong input gradient for an even
// kernel (k=4, stride 2, padding 1, the DCGAN layer), while blocks.Conv2D, on the same
// input, matches the transpose of the convolution computed by hand.
//
// It is a canary: when an upgraded GoMLX fixes the bug this test fails, telling us to
// update docs/CONV.md (genlab's convolutions do not depend on the fix).
func TestUpstreamConvolveEvenKernelBug(t *testing.T) {
	be := testBackend(t)
	rng := rand.New(rand.NewPCG(11, 12))
	const h, k, s, p = 8, 4, 2, 1
	x := randSlice(rng, h*h)
	kern := randSlice(rng, k*k)
	xt := tensors.FromFlatDataAndDimensions(x, 1, h, h, 1)
	kt := tensors.FromFlatDataAndDimensions(kern, k, k, 1, 1)
	// d/dx sum(conv(x)) computed by GoMLX's graph.Convolve and by blocks.Conv2D.
	grads := graph.MustExecOnceN(be, func(x, k *graph.Node) []*graph.Node {
		up := graph.Convolve(x, k).StridePerAxis(s, s).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
		ours := Conv2D(x, k, s, Explicit(p))
		return []*graph.Node{
			graph.Gradient(graph.ReduceAllSum(up), x)[0],
			graph.Gradient(graph.ReduceAllSum(ours), x)[0],
		}
	}, xt, kt)
	// By hand: input pixel (y, x) receives kern[ky, kx] for every output (i, j) with
	// i*s + ky - p == y (and the same for columns).
	want := make([]float64, h*h)
	ho := ConvOutputSize(h, k, s, p, p)
	for i := range ho {
		for j := range ho {
			for ky := range k {
				for kx := range k {
					y, xx := i*s+ky-p, j*s+kx-p
					if y >= 0 && y < h && xx >= 0 && xx < h {
						want[y*h+xx] += kern[ky*k+kx]
					}
				}
			}
		}
	}
	maxErr := func(got []float64) float64 {
		var m float64
		for i := range got {
			m = max(m, math.Abs(got[i]-want[i]))
		}
		return m
	}
	upErr := maxErr(tensors.MustCopyFlatData[float64](grads[0]))
	ourErr := maxErr(tensors.MustCopyFlatData[float64](grads[1]))
	t.Logf("max |input gradient error|: graph.Convolve %.3g, blocks.Conv2D %.3g", upErr, ourErr)
	if ourErr > 1e-9 {
		t.Errorf("blocks.Conv2D input gradient is wrong: max error %g", ourErr)
	}
	if upErr < 1e-6 {
		t.Errorf("graph.Convolve's even-kernel input gradient is now right (max error %g): "+
			"the upstream bug is fixed; update docs/CONV.md", upErr)
	}
}
