package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/genlab-go/genlab/datasets"
)

func images(n, h, w, c int, f func(i, y, x, k int) float32) *datasets.Images {
	d := &datasets.Images{Name: "t", N: n, H: h, W: w, C: c}
	for i := range n {
		for y := range h {
			for x := range w {
				for k := range c {
					d.Pixels = append(d.Pixels, f(i, y, x, k))
				}
			}
		}
	}
	return d
}

// Closed forms: an image against itself (L1 0, SSIM 1, sharpness 1, PSNR capped); a
// constant offset d (L1 = d, PSNR = 20 log10(1/d), and SSIM's structure term intact);
// a flat image against a textured one (sharpness 0, SSIM low).
func TestCompareImagesClosedForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tex := images(2, 16, 16, 3, func(i, y, x, k int) float32 { return 0.2 + 0.6*rng.Float32() })
	s, err := CompareImages(tex, tex)
	if err != nil {
		t.Fatal(err)
	}
	if s.L1 != 0 || math.Abs(s.SSIM-1) > 1e-9 || s.Sharpness != 1 || s.PSNR != 100 {
		t.Errorf("an image against itself: %+v", s)
	}
	shifted := images(2, 16, 16, 3, func(i, y, x, k int) float32 { return tex.Pixels[((i*16+y)*16+x)*3+k] + 0.1 })
	s, _ = CompareImages(shifted, tex)
	if math.Abs(s.L1-0.1) > 1e-6 || math.Abs(s.PSNR-20) > 1e-4 || math.Abs(s.Sharpness-1) > 1e-5 || s.SSIM < 0.9 {
		t.Errorf("a shift by 0.1: %+v, want L1 0.1, PSNR 20 dB, sharpness 1, SSIM near 1", s)
	}
	flat := images(2, 16, 16, 3, func(i, y, x, k int) float32 { return 0.5 })
	s, _ = CompareImages(flat, tex)
	if s.Sharpness != 0 || s.SSIM > 0.1 {
		t.Errorf("a flat image against a textured one: %+v, want sharpness 0 and SSIM near 0", s)
	}
	if _, err := CompareImages(flat, flat.Subset(1)); err == nil {
		t.Error("different counts should fail")
	}
}
