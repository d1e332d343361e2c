package eval

import (
	"fmt"
	"math"
)

// GroupScore is a classifier's accuracy on one group of test images, with a 95%
// interval: groups of a few dozen images (UTKFace's black women in the test split) are
// too small for their accuracy to be read without one.
type GroupScore struct {
	Name        string
	N, Hits     int
	Acc, Lo, Hi float64 // Hits/N and Wilson's 95% score interval around it
}

// GroupAccuracy scores hits (whether each image was classified right) per group:
// group[i] indexes names, and images with group -1 are left out.
func GroupAccuracy(hits []bool, group []int, names []string) ([]GroupScore, error) {
	if len(hits) != len(group) {
		return nil, fmt.Errorf("eval: %d hits for %d group labels", len(hits), len(group))
	}
	out := make([]GroupScore, len(names))
	for i, n := range names {
		out[i].Name = n
	}
	for i, g := range group {
		if g < 0 {
			continue
		}
		if g >= len(names) {
			return nil, fmt.Errorf("eval: image %d in group %d of %d", i, g, len(names))
		}
		out[g].N++
		if hits[i] {
			out[g].Hits++
		}
	}
	for i := range out {
		out[i].Acc, out[i].Lo, out[i].Hi = Wilson(out[i].Hits, out[i].N)
	}
	return out, nil
}

// Wilson returns the proportion k/n and Wilson's 95% score interval for it (z = 1.96),
// which, unlike p +- z*sqrt(p(1-p)/n), stays inside [0, 1] and is not empty at p = 1:
// 40 hits in 40 trials give [0.912, 1]. n = 0 gives NaNs.
func Wilson(k, n int) (p, lo, hi float64) {
	if n == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	const z = 1.959963984540054
	p = float64(k) / float64(n)
	nf := float64(n)
	d := 1 + z*z/nf
	c := (p + z*z/(2*nf)) / d
	h := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / d
	return p, max(0, c-h), min(1, c+h)
}

// Spread is the mean of the groups' accuracies (each group counting once, however
// many images it has) and the gap between the best and the worst, over the groups with
// at least min images: what debiasing should shrink without lowering the mean.
func Spread(groups []GroupScore, min int) (mean, gap float64, best, worst string) {
	lo, hi, n := math.Inf(1), math.Inf(-1), 0
	for _, g := range groups {
		if g.N < min || g.N == 0 {
			continue
		}
		mean += g.Acc
		n++
		if g.Acc < lo {
			lo, worst = g.Acc, g.Name
		}
		if g.Acc > hi {
			hi, best = g.Acc, g.Name
		}
	}
	if n == 0 {
		return math.NaN(), math.NaN(), "", ""
	}
	return mean / float64(n), hi - lo, best, worst
}
