package eval

import (
	"fmt"
	"math"

	"github.com/genlab-go/genlab/datasets"
)

// ImageScores compare images with their targets, pixel by pixel and by structure:
// what image-to-image translation is measured by.
type ImageScores struct {
	N int
	// L1 is the mean absolute difference per value, in [0, 1] units.
	L1 float64
	// PSNR is the mean over images of 10 log10(1 / MSE), in dB (capped at 100 for an
	// exact match): higher is closer.
	PSNR float64
	// SSIM is the mean structural similarity (Wang et al., 2004: luminance, contrast
	// and structure in 11x11 Gaussian windows of sigma 1.5, per channel), 1 for equal
	// images.
	SSIM float64
	// Sharpness is the mean gradient magnitude of the images over that of the targets:
	// 1 is as sharp as the targets, below 1 blurrier. Pixel errors favour blur (the mean
	// of the plausible outputs minimizes them); this is what they miss.
	Sharpness float64
}

// CompareImages scores images against targets (the same count and shape, in [0, 1]).
func CompareImages(images, targets *datasets.Images) (ImageScores, error) {
	if images.N != targets.N || images.H != targets.H || images.W != targets.W || images.C != targets.C {
		return ImageScores{}, fmt.Errorf("eval: %d images of %dx%dx%d against %d targets of %dx%dx%d",
			images.N, images.H, images.W, images.C, targets.N, targets.H, targets.W, targets.C)
	}
	s := ImageScores{N: images.N}
	var gradOut, gradTarget float64
	for i := range images.N {
		a, b := images.Image(i), targets.Image(i)
		var abs, sq float64
		for j := range a {
			d := float64(a[j] - b[j])
			abs += math.Abs(d)
			sq += d * d
		}
		s.L1 += abs / float64(len(a))
		mse := sq / float64(len(a))
		s.PSNR += min(100, 10*math.Log10(1/max(mse, 1e-10)))
		s.SSIM += SSIM(a, b, images.H, images.W, images.C)
		gradOut += gradient(a, images.H, images.W, images.C)
		gradTarget += gradient(b, images.H, images.W, images.C)
	}
	n := float64(images.N)
	s.L1, s.PSNR, s.SSIM = s.L1/n, s.PSNR/n, s.SSIM/n
	if gradTarget > 0 {
		s.Sharpness = gradOut / gradTarget
	}
	return s, nil
}

// gradient is the mean over pixels and channels of |(dx, dy)|, forward differences.
func gradient(img []float32, h, w, c int) float64 {
	var s float64
	for y := range h - 1 {
		for x := range w - 1 {
			for k := range c {
				v := img[(y*w+x)*c+k]
				dx, dy := img[(y*w+x+1)*c+k]-v, img[((y+1)*w+x)*c+k]-v
				s += math.Sqrt(float64(dx*dx + dy*dy))
			}
		}
	}
	return s / float64((h-1)*(w-1)*c)
}

// SSIM is the mean structural similarity of two h x w x c images in [0, 1] (data range
// 1), with Wang et al.'s constants (K1 = 0.01, K2 = 0.03) and an 11x11 Gaussian window
// of sigma 1.5, over the positions where the window fits, per channel.
func SSIM(a, b []float32, h, w, c int) float64 {
	const c1, c2 = 0.01 * 0.01, 0.03 * 0.03
	win := gaussWindow(min(11, h, w), 1.5)
	k := len(win)
	var total float64
	var count int
	for ch := range c {
		for y := 0; y+k <= h; y++ {
			for x := 0; x+k <= w; x++ {
				var ma, mb, vaa, vbb, vab float64
				for dy := range k {
					for dx := range k {
						g := win[dy] * win[dx]
						va, vb := float64(a[((y+dy)*w+x+dx)*c+ch]), float64(b[((y+dy)*w+x+dx)*c+ch])
						ma, mb = ma+g*va, mb+g*vb
						vaa, vbb, vab = vaa+g*va*va, vbb+g*vb*vb, vab+g*va*vb
					}
				}
				vaa, vbb, vab = vaa-ma*ma, vbb-mb*mb, vab-ma*mb
				total += (2*ma*mb + c1) * (2*vab + c2) / ((ma*ma + mb*mb + c1) * (vaa + vbb + c2))
				count++
			}
		}
	}
	return total / float64(count)
}

// gaussWindow is a normalized 1-D Gaussian of n taps (its outer product is the 2-D
// window).
func gaussWindow(n int, sigma float64) []float64 {
	g := make([]float64, n)
	var s float64
	for i := range g {
		d := float64(i) - float64(n-1)/2
		g[i] = math.Exp(-d * d / (2 * sigma * sigma))
		s += g[i]
	}
	for i := range g {
		g[i] /= s
	}
	return g
}
