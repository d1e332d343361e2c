package datasets

import (
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
