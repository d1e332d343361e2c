package eval

import (
	"fmt"
	"math"
	"sort"
)

// AUROC is the area under the ROC curve of a score that should be higher on outliers
// than on inliers (an NLL in nats: an outlier should be less likely): the probability
// that a random outlier scores above a random inlier, ties counting one half (the
// Mann-Whitney U statistic over |in|*|out|). 1 separates them perfectly, 0.5 is chance,
// and below 0.5 the score ranks them the wrong way round.
func AUROC(in, out []float64) (float64, error) {
	if len(in) == 0 || len(out) == 0 {
		return 0, fmt.Errorf("eval: AUROC of %d inliers and %d outliers", len(in), len(out))
	}
	type scored struct {
		v       float64
		outlier bool
	}
	all := make([]scored, 0, len(in)+len(out))
	for _, v := range in {
		all = append(all, scored{v, false})
	}
	for _, v := range out {
		all = append(all, scored{v, true})
	}
	for _, s := range all {
		if math.IsNaN(s.v) {
			return 0, fmt.Errorf("eval: AUROC of a NaN score")
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	// Sum of the outliers' ranks (1-based, ties sharing their mean rank).
	rankSum := 0.0
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		mean := float64(i+1+j) / 2 // ranks i+1 .. j
		for k := i; k < j; k++ {
			if all[k].outlier {
				rankSum += mean
			}
		}
		i = j
	}
	no, ni := float64(len(out)), float64(len(in))
	return (rankSum - no*(no+1)/2) / (no * ni), nil
}
