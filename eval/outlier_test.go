package eval

import (
	"math"
	"math/rand/v2"
	"testing"
)

// AUROC by hand, and against counting pairs on random scores with ties.
func TestAUROC(t *testing.T) {
	for _, c := range []struct {
		in, out []float64
		want    float64
	}{
		{[]float64{1, 2, 3}, []float64{4, 5}, 1},  // every outlier above every inlier
		{[]float64{4, 5}, []float64{1, 2, 3}, 0},  // the wrong way round
		{[]float64{1, 3}, []float64{2, 4}, 0.75},  // pairs: (2>1) (2<3) (4>1) (4>3)
		{[]float64{1, 1}, []float64{1}, 0.5},      // ties count a half
		{[]float64{1, 2}, []float64{2, 3}, 0.875}, // (2>1) (2=2) (3>1) (3>2)
	} {
		got, err := AUROC(c.in, c.out)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("AUROC(%v, %v) = %g, %v; want %g", c.in, c.out, got, err, c.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	in, out := make([]float64, 300), make([]float64, 200)
	for i := range in {
		in[i] = float64(rng.IntN(20))
	}
	for i := range out {
		out[i] = float64(rng.IntN(20) + 3)
	}
	pairs := 0.0
	for _, a := range in {
		for _, b := range out {
			switch {
			case b > a:
				pairs++
			case b == a:
				pairs += 0.5
			}
		}
	}
	got, _ := AUROC(in, out)
	if want := pairs / float64(len(in)*len(out)); math.Abs(got-want) > 1e-12 {
		t.Errorf("AUROC %g, counting pairs %g", got, want)
	}
	if _, err := AUROC(nil, out); err == nil {
		t.Error("AUROC of no inliers did not fail")
	}
	if _, err := AUROC([]float64{math.NaN()}, out); err == nil {
		t.Error("AUROC of a NaN did not fail")
	}
}

// A blank image compresses to fewer bits than stripes, and stripes to fewer than
// noise; the same image always to the same length; and S(x) is the NLL in bits less
// the length.
func TestPNGBitsAndComplexity(t *testing.T) {
	const h, w = 28, 28
	rng := rand.New(rand.NewPCG(3, 4))
	px := make([]float32, 4*h*w)
	for k := range h * w {
		px[h*w+k] = float32((k / w) % 2)   // stripes
		px[2*h*w+k] = rng.Float32()        // noise
		px[3*h*w+k] = float32((k / w) % 2) // the stripes again
	}
	bits, err := PNGBits(px, 4, h, w, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !(bits[0] < bits[1] && bits[1] < bits[2]) || bits[3] != bits[1] {
		t.Errorf("PNG bits blank %g, stripes %g, noise %g, stripes again %g", bits[0], bits[1], bits[2], bits[3])
	}
	rgb, err := PNGBits(make([]float32, 2*h*w*3), 2, h, w, 3)
	if err != nil || rgb[0] != rgb[1] || rgb[0] <= 0 {
		t.Errorf("colour PNG bits %v, %v", rgb, err)
	}
	if _, err := PNGBits(px, 5, h, w, 1); err == nil {
		t.Error("PNGBits of too few values did not fail")
	}
	r, err := RatioScores([]float64{100, 50}, []float64{90, 60})
	if err != nil || r[0] != 10 || r[1] != -10 {
		t.Errorf("RatioScores = %v, %v; want [10 -10]", r, err)
	}
	if _, err := RatioScores([]float64{1}, nil); err == nil {
		t.Error("RatioScores of unequal lengths did not fail")
	}
	s, err := ComplexityScores([]float64{math.Ln2 * 100, 0}, []float64{30, 8})
	if err != nil || s[0] != 70 || s[1] != -8 {
		t.Errorf("ComplexityScores = %v, %v; want [70 -8]", s, err)
	}
}
