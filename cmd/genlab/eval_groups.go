package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/faces"
	"github.com/genlab-go/genlab/eval"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/genlab-go/genlab/models/detector"
)

// A face detector's accuracy per group, and the run manifest eval prints and checks.

// groupAccuracy prints a face detector's accuracy on the objects and on the faces of a
// detection set, and on each race x gender group of faces with its size and 95%
// interval; then the mean of the groups' accuracies and the gap between the best and
// the worst group (groups of at least 10 faces), the numbers debiasing should move.
func groupAccuracy(out io.Writer, det models.Detector, test *datasets.Images) error {
	hits, err := detector.Hits(det, test)
	if err != nil {
		return err
	}
	group, names, err := faces.Groups(test)
	if err != nil {
		return err
	}
	var f, fHits, o, oHits int
	for i, h := range hits {
		if test.Labels[i] == 1 {
			f++
			fHits += b2i(h)
		} else {
			o++
			oHits += b2i(h)
		}
	}
	if f == 0 || o == 0 {
		return fmt.Errorf("eval: %s has %d faces and %d objects; a detector's accuracy needs both", test.Name, f, o)
	}
	scores, err := eval.GroupAccuracy(hits, group, names)
	if err != nil {
		return err
	}
	for _, g := range scores {
		if g.N == 0 {
			continue
		}
		fmt.Fprintf(out, "# %-14s %4d faces  accuracy %.4f  95%% [%.3f, %.3f]\n", g.Name, g.N, g.Acc, g.Lo, g.Hi)
		metric(out, "acc_"+g.Name, "%.4f", g.Acc)
	}
	mean, gap, best, worst := eval.Spread(scores, minGroup)
	fmt.Fprintf(out, "# groups of >= %d faces: best %s, worst %s\n", minGroup, best, worst)
	metric(out, "acc_mean", "%.4f", mean)
	metric(out, "acc_gap", "%.4f", gap)
	metric(out, "acc_faces", "%.4f", float64(fHits)/float64(f))
	metric(out, "acc_objects", "%.4f", float64(oHits)/float64(o))
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkManifest prints the run manifest of the checkpoint in dir (which build trained
// which steps, with what seed, on what data) as comment lines, and warns on stderr when
// the dataset being evaluated is the one the model trained on but its training split
// now differs from what the model read (a file replaced, another copy of the data).
func checkManifest(out io.Writer, dir string, trainSet func() (*datasets.Images, error)) error {
	man, err := fit.ReadManifest(dir)
	if err != nil {
		fmt.Fprintf(out, "# %v\n", err)
		return nil
	}
	for _, l := range strings.Split(man.String(), "\n") {
		fmt.Fprintf(out, "# trained %s\n", l)
	}
	was := man.Data()
	if was == nil {
		return nil
	}
	train, err := trainSet()
	if err != nil {
		return err
	}
	if now := fit.DigestOf(train); now.Name == was.Name && now.Shape == was.Shape && now.SHA256 != was.SHA256 {
		fmt.Fprintf(os.Stderr, "eval: warning: the model was trained on %s; the data directory's copy is now %s: "+
			"its numbers may not be the ones the run reported\n", was, now)
	}
	return nil
}

// minGroup is the fewest faces a group needs to count in the mean and the gap: an
// accuracy read off fewer says little (its 95% interval spans a third of [0, 1]).
const minGroup = 10
