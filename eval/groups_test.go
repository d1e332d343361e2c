package eval

import (
	"math"
	"testing"
)

// Wilson's interval by hand: 40 of 40 gives [n/(n+z^2), 1] = [0.9124, 1]; 8 of 10 gives
// the textbook [0.4902, 0.9433].
func TestWilson(t *testing.T) {
	p, lo, hi := Wilson(40, 40)
	z2 := 1.959963984540054 * 1.959963984540054
	if p != 1 || math.Abs(lo-40/(40+z2)) > 1e-12 || hi != 1 {
		t.Errorf("40/40: %g [%g, %g]", p, lo, hi)
	}
	p, lo, hi = Wilson(8, 10)
	if p != 0.8 || math.Abs(lo-0.4902) > 5e-5 || math.Abs(hi-0.9433) > 5e-5 {
		t.Errorf("8/10: %g [%.4f, %.4f], want [0.4902, 0.9433]", p, lo, hi)
	}
	if p, _, _ := Wilson(0, 0); !math.IsNaN(p) {
		t.Errorf("0/0: %g, want NaN", p)
	}
}

func TestGroupAccuracyAndSpread(t *testing.T) {
	hits := []bool{true, true, false, true, true, false, true}
	group := []int{0, 0, 0, 1, -1, 2, 1}
	g, err := GroupAccuracy(hits, group, []string{"a", "b", "c", "d"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		n, hits int
	}{{3, 2}, {2, 2}, {1, 0}, {0, 0}}
	for i, w := range want {
		if g[i].N != w.n || g[i].Hits != w.hits {
			t.Errorf("group %s: %d of %d, want %d of %d", g[i].Name, g[i].Hits, g[i].N, w.hits, w.n)
		}
	}
	// Groups of at least 2: a (2/3) and b (1): mean 5/6, gap 1/3.
	mean, gap, best, worst := Spread(g, 2)
	if math.Abs(mean-5.0/6) > 1e-12 || math.Abs(gap-1.0/3) > 1e-12 || best != "b" || worst != "a" {
		t.Errorf("spread: mean %g gap %g best %s worst %s", mean, gap, best, worst)
	}
	if _, err := GroupAccuracy(hits, group[:3], nil); err == nil {
		t.Error("mismatched lengths accepted")
	}
	if _, err := GroupAccuracy([]bool{true}, []int{4}, []string{"a"}); err == nil {
		t.Error("a group past the names accepted")
	}
}
