package eval

import (
	"fmt"
	"math"
	"sort"
)

// MIGResult is the mutual information gap of a representation against known factors
// of variation, and the pieces it is made of.
type MIGResult struct {
	MIG       float64     // mean of PerFactor over the factors that vary
	PerFactor []float64   // (I(z_a; v) - I(z_b; v)) / H(v): a, b the two most informative codes
	MI        [][]float64 // MI[f][j] = I(v_f; z_j) in nats
	Entropy   []float64   // H(v_f) in nats
	Top       []int       // the code most informative about each factor
}

// MIG is the mutual information gap (Chen et al., 2018, "Isolating Sources of
// Disentanglement in VAEs"): for each factor v_k, the gap between the mutual
// information of the two codes that know the most about it, normalized by the factor's
// entropy, averaged over factors. It is 1 when every factor is captured by one code
// alone and 0 when a factor is spread evenly over two codes (or captured by none).
//
// codes holds n rows of d values (a VAE's posterior means); factors n rows of nf
// discrete factor values. Each code is discretized into bins equal-width bins over
// its range, as in disentanglement_lib, so that the mutual information is a plug-in
// estimate between discrete variables. Factors that never vary are left out.
func MIG(codes []float32, n, d int, factors []int32, nf, bins int) (MIGResult, error) {
	if n < 2 || d < 1 || nf < 1 || bins < 2 || len(codes) != n*d || len(factors) != n*nf {
		return MIGResult{}, fmt.Errorf("eval: MIG: %d codes and %d factor values for %d rows of %d codes and %d factors (bins %d)",
			len(codes), len(factors), n, d, nf, bins)
	}
	if d < 2 {
		return MIGResult{}, fmt.Errorf("eval: MIG needs at least two codes to take a gap, got %d", d)
	}
	disc := make([][]int32, d)
	for j := range d {
		col := make([]float32, n)
		for i := range n {
			col[i] = codes[i*d+j]
		}
		var err error
		if disc[j], err = discretize(col, bins); err != nil {
			return MIGResult{}, fmt.Errorf("eval: MIG: code %d: %w", j, err)
		}
	}
	res := MIGResult{MI: make([][]float64, nf), Entropy: make([]float64, nf), PerFactor: make([]float64, nf), Top: make([]int, nf)}
	varying := 0
	for f := range nf {
		v := make([]int32, n)
		for i := range n {
			v[i] = factors[i*nf+f]
		}
		res.Entropy[f] = entropy(v)
		res.MI[f] = make([]float64, d)
		for j := range d {
			res.MI[f][j] = mutualInfo(v, disc[j])
		}
		order := make([]int, d)
		for j := range order {
			order[j] = j
		}
		sort.SliceStable(order, func(a, b int) bool { return res.MI[f][order[a]] > res.MI[f][order[b]] })
		res.Top[f] = order[0]
		if res.Entropy[f] < 1e-12 {
			res.PerFactor[f] = math.NaN() // a constant factor has nothing to capture
			continue
		}
		res.PerFactor[f] = (res.MI[f][order[0]] - res.MI[f][order[1]]) / res.Entropy[f]
		res.MIG += res.PerFactor[f]
		varying++
	}
	if varying == 0 {
		return res, fmt.Errorf("eval: MIG: no factor varies")
	}
	res.MIG /= float64(varying)
	return res, nil
}

// discretize maps x to bin indices in [0, bins) of equal width over [min(x), max(x)].
func discretize(x []float32, bins int) ([]int32, error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("value %g is not finite", f)
		}
		lo, hi = min(lo, f), max(hi, f)
	}
	out := make([]int32, len(x))
	if hi == lo {
		return out, nil // a constant code carries no information: one bin
	}
	w := (hi - lo) / float64(bins)
	for i, v := range x {
		out[i] = int32(min(int((float64(v)-lo)/w), bins-1))
	}
	return out, nil
}

// entropy is the plug-in entropy of a discrete sample in nats.
func entropy(v []int32) float64 {
	counts := map[int32]int{}
	for _, x := range v {
		counts[x]++
	}
	n := float64(len(v))
	h := 0.0
	for _, c := range counts {
		p := float64(c) / n
		h -= p * math.Log(p)
	}
	return h
}

// mutualInfo is the plug-in mutual information of two discrete samples in nats.
func mutualInfo(a, b []int32) float64 {
	type pair struct{ a, b int32 }
	joint, ca, cb := map[pair]int{}, map[int32]int{}, map[int32]int{}
	for i := range a {
		joint[pair{a[i], b[i]}]++
		ca[a[i]]++
		cb[b[i]]++
	}
	n := float64(len(a))
	mi := 0.0
	for p, c := range joint {
		pab := float64(c) / n
		mi += pab * math.Log(pab*n*n/(float64(ca[p.a])*float64(cb[p.b])))
	}
	return max(mi, 0)
}
