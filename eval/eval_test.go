package eval

import (
	"math"
	"slices"
	"testing"

	"github.com/genlab-go/genlab/datasets"
)

// constWeights returns fixed log-weights, so NLL's arithmetic can be checked by hand.
type constWeights struct{ w []float32 }

func (c constWeights) LogWeightsOf(_ []float32, n, k int) ([]float32, error) {
	out := make([]float32, n*k)
	for i := range out {
		out[i] = c.w[i%k]
	}
	return out, nil
}

func TestNLLByHand(t *testing.T) {
	d := &datasets.Images{Name: "toy", N: 3, H: 1, W: 1, C: 1, Pixels: []float32{0.5, 0.5, 0.5}}
	w := []float32{float32(math.Log(1)), float32(math.Log(3))} // mean weight 2
	got, err := NLL(constWeights{w}, d, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.NLL-(-math.Log(2))) > 1e-6 || math.Abs(got.ELBO-math.Log(3)/2) > 1e-6 {
		t.Errorf("got NLL %g ELBO %g, want %g and %g", got.NLL, got.ELBO, -math.Log(2), math.Log(3)/2)
	}
	for i, v := range got.PerImage {
		if math.Abs(v-(-math.Log(2))) > 1e-6 {
			t.Errorf("image %d: -log p = %g, want %g", i, v, -math.Log(2))
		}
	}
	// The importance-weighted bound is tighter than the ELBO: -NLL >= ELBO.
	if -got.NLL < got.ELBO {
		t.Errorf("-NLL %g < ELBO %g", -got.NLL, got.ELBO)
	}
}

// seenPixels records the pixels NLL scores; binary says what BinaryData answers.
type seenPixels struct {
	binary bool
	got    []float32
}

func (s *seenPixels) BinaryData() bool { return s.binary }

func (s *seenPixels) LogWeightsOf(x []float32, n, k int) ([]float32, error) {
	s.got = append([]float32(nil), x...)
	return make([]float32, n*k), nil
}

// A Bernoulli model is scored on a binarization of the test images, a Gaussian one on
// the images as they are; NLL never changes the caller's pixels.
func TestNLLBinarizesOnlyBinaryModels(t *testing.T) {
	px := []float32{0.1, 0.5, 0.9, 0.3}
	d := &datasets.Images{Name: "toy", N: 1, H: 2, W: 2, C: 1, Pixels: append([]float32(nil), px...)}
	for _, binary := range []bool{true, false} {
		m := &seenPixels{binary: binary}
		if _, err := NLL(m, d, 1, 1); err != nil {
			t.Fatal(err)
		}
		for i, v := range m.got {
			if binary && v != 0 && v != 1 {
				t.Errorf("binary model scored pixel %d = %g, want 0 or 1", i, v)
			}
			if !binary && v != px[i] {
				t.Errorf("continuous model scored pixel %d = %g, want %g as given", i, v, px[i])
			}
		}
		if !slices.Equal(d.Pixels, px) {
			t.Fatalf("NLL changed the data: %v, want %v", d.Pixels, px)
		}
	}
}

func (s *seenPixels) LogLikelihoods(x []float32, n int) ([]float64, error) {
	s.got = append([]float32(nil), x...)
	ll := make([]float64, n)
	for i := range ll {
		ll[i] = -float64(i + 1)
	}
	return ll, nil
}

// ExactNLL averages -log p by hand (1, 2 and 3 nats over 3 images of 4 pixels: 2 nats,
// 2/(4 ln 2) bits per pixel), and a binary density scores the very binary images the
// importance-weighted NLL scores with the same seed: the VAE's bound and PixelCNN's
// exact likelihood are measured on one test set.
func TestExactNLL(t *testing.T) {
	d := &datasets.Images{Name: "toy", N: 3, H: 2, W: 2, C: 1, Pixels: []float32{
		0.1, 0.5, 0.9, 0.3, 0.2, 0.4, 0.6, 0.8, 0.5, 0.5, 0.5, 0.5}}
	exact, bound := &seenPixels{binary: true}, &seenPixels{binary: true}
	got, err := ExactNLL(exact, d, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NLL(bound, d, 1, 7); err != nil {
		t.Fatal(err)
	}
	if got.NLL != 2 || math.Abs(got.BitsPerDim-2/(4*math.Ln2)) > 1e-12 || !slices.Equal(got.PerImage, []float64{1, 2, 3}) {
		t.Errorf("ExactNLL = %+v, want NLL 2, %g bits per pixel, per image [1 2 3]", got, 2/(4*math.Ln2))
	}
	if !slices.Equal(exact.got, bound.got) {
		t.Errorf("the exact and the importance-weighted likelihoods scored different pixels:\n%v\n%v", exact.got, bound.got)
	}
	for _, v := range exact.got {
		if v != 0 && v != 1 {
			t.Fatalf("a binary density scored pixel %g", v)
		}
	}
}

type identity struct{}

func (identity) Reconstruct(x []float32, _ int) ([]float32, error) {
	out := make([]float32, len(x))
	for i := range x {
		out[i] = x[i] + 0.1
	}
	return out, nil
}

func TestReconstructionMSE(t *testing.T) {
	d := &datasets.Images{Name: "toy", N: 2, H: 1, W: 2, C: 1, Pixels: []float32{0, 1, 0.5, 0.25}}
	got, err := ReconstructionMSE(identity{}, d)
	if err != nil || math.Abs(got-0.01) > 1e-6 {
		t.Errorf("MSE = %g, %v; want 0.01", got, err)
	}
}
