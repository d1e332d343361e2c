package datasets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Jitter keeps shapes and ranges, moves the photo and the map together, and depends
// only on the seed.
func TestJitter(t *testing.T) {
	const n, size, c = 4, 16, 6
	px := make([]float32, n*size*size*c)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(px); i += 6 {
		v := rng.Float32()
		for k := range 6 {
			px[i+k] = v // the "photo" equals the "map"
		}
	}
	a := append([]float32(nil), px...)
	b := append([]float32(nil), px...)
	Jitter(rand.New(rand.NewPCG(7, 7)), a, n, size, c)
	Jitter(rand.New(rand.NewPCG(7, 7)), b, n, size, c)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different jitter")
	}
	changed := false
	for i := 0; i < len(a); i += 6 {
		for k := 1; k < 6; k++ {
			if a[i+k] != a[i] {
				t.Fatalf("pixel %d: channel %d is %g, channel 0 %g: the halves came apart", i/6, k, a[i+k], a[i])
			}
		}
		if a[i] < 0 || a[i] > 1 {
			t.Fatalf("jittered value %g outside [0,1]", a[i])
		}
		changed = changed || a[i] != px[i]
	}
	if !changed {
		t.Error("jitter changed nothing")
	}
}

// Rotations turns a 2x2 image counter-clockwise a quarter at a time and labels each
// turn; Mirror flips whole rows or leaves the image as it was.
func TestRotationsAndMirror(t *testing.T) {
	// a b    b d    d c    c a
	// c d -> a c -> b a -> d b  (0, 90, 180, 270 degrees counter-clockwise)
	d := &Images{Name: "t", N: 2, H: 2, W: 2, C: 1, Pixels: []float32{1, 2, 3, 4, 5, 6, 7, 8},
		Labels: []int32{0, 1}, Classes: []string{"A", "B"}}
	r, err := Rotations(d)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 2, 3, 4, 2, 4, 1, 3, 4, 3, 2, 1, 3, 1, 4, 2}
	if !slices.Equal(r.Pixels[:16], want) {
		t.Errorf("rotations of the first image %v, want %v", r.Pixels[:16], want)
	}
	if !slices.Equal(r.Labels, []int32{0, 1, 2, 3, 4, 5, 6, 7}) || len(r.Classes) != 8 || r.Classes[5] != "B@90" {
		t.Errorf("labels %v, classes %v", r.Labels, r.Classes)
	}
	if _, err := Rotations(&Images{Name: "wide", N: 1, H: 2, W: 3, C: 1, Pixels: make([]float32, 6)}); err == nil {
		t.Error("rotations of a 2x3 image should be refused")
	}

	px := []float32{1, 2, 3, 4, 5, 6} // one 2x3 grey image
	flipped, kept := 0, 0
	for seed := range uint64(20) {
		img := slices.Clone(px)
		Mirror(rand.New(rand.NewPCG(seed, 1)), img, 1, 2, 3, 1)
		switch {
		case slices.Equal(img, []float32{3, 2, 1, 6, 5, 4}):
			flipped++
		case slices.Equal(img, px):
			kept++
		default:
			t.Fatalf("mirror made %v of %v", img, px)
		}
	}
	if flipped == 0 || kept == 0 {
		t.Errorf("20 seeds flipped %d and kept %d: want both", flipped, kept)
	}
}

// Perturb changes about rate of the values, each to one of the levels, uniformly.
func TestPerturb(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 100000
	px := make([]float32, n)
	for i := range px {
		px[i] = 0.5 // not a level of 2: every replaced value shows
	}
	Perturb(rng, px, 0.2, 2)
	changed, ones := 0, 0
	for _, v := range px {
		switch v {
		case 0.5:
		case 0, 1:
			changed++
			if v == 1 {
				ones++
			}
		default:
			t.Fatalf("perturbed to %g, not a level", v)
		}
	}
	if f := float64(changed) / n; math.Abs(f-0.2) > 0.01 {
		t.Errorf("%.3f of the values changed, want 0.2", f)
	}
	if f := float64(ones) / float64(changed); math.Abs(f-0.5) > 0.02 {
		t.Errorf("%.3f of the replacements are 1, want 0.5", f)
	}
	before := append([]float32(nil), px...)
	Perturb(rng, px, 0, 2)
	for i := range px {
		if px[i] != before[i] {
			t.Fatal("rate 0 changed a value")
		}
	}
}

// Prep binarizes, then perturbs, from a stream fixed by seed and batch number.
func TestPrep(t *testing.T) {
	if Prep(1, false, 0, 2) != nil {
		t.Error("nothing to do, yet a function")
	}
	px := func() []float32 { return []float32{0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5} }
	a, b := px(), px()
	Prep(3, true, 0, 2)(7, a)
	Prep(3, true, 0, 2)(7, b)
	for i := range a {
		if (a[i] != 0 && a[i] != 1) || a[i] != b[i] {
			t.Fatalf("binarized %v and again %v: want the same 0s and 1s", a, b)
		}
	}
	c := make([]float32, 4000)
	Prep(3, false, 0.5, 256)(1, c)
	changed := 0
	for _, v := range c {
		if v != 0 {
			changed++
		}
	}
	if changed < 1800 || changed > 2200 { // half replaced, almost all by a nonzero level
		t.Errorf("%d of 4000 pixels perturbed at rate 0.5", changed)
	}
}
