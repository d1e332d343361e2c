package lab

import (
	"fmt"
	"math"
)

// Lerp returns steps points on the straight line from a to b, both ends included.
func Lerp(a, b []float32, steps int) [][]float32 {
	checkPair(a, b, steps)
	out := make([][]float32, steps)
	for s := range steps {
		t := float32(s) / float32(steps-1)
		out[s] = make([]float32, len(a))
		for i := range a {
			out[s][i] = (1-t)*a[i] + t*b[i]
		}
	}
	return out
}

// Slerp returns steps points on the great-circle arc from a to b (spherical linear
// interpolation), both ends included. In high dimensions a Gaussian prior puts almost
// all its mass near a sphere of radius sqrt(d); the midpoint of a straight line between
// two samples falls inside it, where the decoder saw few codes. Slerp keeps the norm
// close to the ends' (White, "Sampling Generative Networks", 2016).
func Slerp(a, b []float32, steps int) [][]float32 {
	checkPair(a, b, steps)
	var na, nb, dot float64
	for i := range a {
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
		dot += float64(a[i]) * float64(b[i])
	}
	na, nb = math.Sqrt(na), math.Sqrt(nb)
	omega := math.Acos(max(-1, min(1, dot/(na*nb+1e-12))))
	if omega < 1e-6 || na == 0 || nb == 0 { // (anti)parallel or zero: fall back to a line
		return Lerp(a, b, steps)
	}
	out := make([][]float32, steps)
	for s := range steps {
		t := float64(s) / float64(steps-1)
		wa, wb := math.Sin((1-t)*omega)/math.Sin(omega), math.Sin(t*omega)/math.Sin(omega)
		out[s] = make([]float32, len(a))
		for i := range a {
			out[s][i] = float32(wa*float64(a[i]) + wb*float64(b[i]))
		}
	}
	return out
}

func checkPair(a, b []float32, steps int) {
	if len(a) != len(b) || steps < 2 {
		panic(fmt.Sprintf("lab: interpolation needs equal lengths and steps >= 2, got %d, %d, %d", len(a), len(b), steps))
	}
}

// Traversal returns the codes of a latent traversal grid: for each dimension in dims
// (one row each), len(values) copies of base with that one dimension set to each value
// and the others fixed. Rows are concatenated: len(dims)*len(values) codes.
func Traversal(base []float32, dims []int, values []float64) [][]float32 {
	var out [][]float32
	for _, d := range dims {
		if d < 0 || d >= len(base) {
			panic(fmt.Sprintf("lab.Traversal: dimension %d out of range [0,%d)", d, len(base)))
		}
		for _, v := range values {
			z := append([]float32(nil), base...)
			z[d] = float32(v)
			out = append(out, z)
		}
	}
	return out
}

// Linspace returns n evenly spaced values from lo to hi inclusive.
func Linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range n {
		if n == 1 {
			out[i] = (lo + hi) / 2
		} else {
			out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
		}
	}
	return out
}

// NormalQuantiles returns the quantiles of N(0,1) at n evenly spaced probabilities in
// (0,1) (from 0.5/n to 1-0.5/n): the right grid to decode a 2-D Gaussian latent space,
// spending as many cells on each region as the prior gives it mass.
func NormalQuantiles(n int) []float64 {
	out := make([]float64, n)
	for i := range n {
		p := (float64(i) + 0.5) / float64(n)
		out[i] = math.Sqrt2 * math.Erfinv(2*p-1)
	}
	return out
}

// Manifold2D returns the n x n grid of 2-D codes (row-major, y down the rows) at which
// to decode a 2-D latent space.
func Manifold2D(n int) [][]float32 {
	q := NormalQuantiles(n)
	out := make([][]float32, 0, n*n)
	for i := range n {
		for j := range n {
			out = append(out, []float32{float32(q[j]), float32(q[n-1-i])})
		}
	}
	return out
}

// Norms returns the Euclidean norm of each code: what separates a straight path from a
// spherical one in a Gaussian prior, where samples' norms concentrate near sqrt(d).
func Norms(codes [][]float32) []float64 {
	out := make([]float64, len(codes))
	for i, c := range codes {
		var s float64
		for _, v := range c {
			s += float64(v) * float64(v)
		}
		out[i] = math.Sqrt(s)
	}
	return out
}

// Flatten concatenates codes into one row-major slice, ready to become a tensor.
func Flatten(codes [][]float32) []float32 {
	var out []float32
	for _, c := range codes {
		out = append(out, c...)
	}
	return out
}
