package eval

import (
	"context"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
)

// FeatureFunc maps n images to n feature vectors (an encoder's features or codes).
type FeatureFunc func(images []float32, n int) ([]float32, error)

// ImageFeatures applies f to data and pairs the result with data's labels.
func ImageFeatures(f FeatureFunc, data *datasets.Images) (Features, error) {
	if len(data.Labels) != data.N || len(data.Classes) < 2 {
		return Features{}, fmt.Errorf("eval: %s has no class labels to probe", data.Name)
	}
	x, err := f(data.Floats(), data.N)
	if err != nil {
		return Features{}, err
	}
	if len(x)%data.N != 0 {
		return Features{}, fmt.Errorf("eval: %d feature values for %d images", len(x), data.N)
	}
	return Features{N: data.N, Dim: len(x) / data.N, X: x, Labels: data.Labels, Classes: len(data.Classes)}, nil
}

// ProbeImages trains a linear probe on f's features of train and scores it on test's.
// f nil probes the raw pixels.
func ProbeImages(ctx context.Context, f FeatureFunc, train, test *datasets.Images, cfg ProbeConfig) (ProbeResult, error) {
	if f == nil {
		f = func(px []float32, _ int) ([]float32, error) { return px, nil }
	}
	tr, err := ImageFeatures(f, train)
	if err != nil {
		return ProbeResult{}, err
	}
	te, err := ImageFeatures(f, test)
	if err != nil {
		return ProbeResult{}, err
	}
	return LinearProbe(ctx, tr, te, cfg)
}

// MIGBins is the number of bins codes are discretized into, as in disentanglement_lib.
const MIGBins = 20

// MIGImages scores the codes encode gives data's images against data's factors of
// variation (the shapes dataset has them; MNIST does not).
func MIGImages(encode FeatureFunc, data *datasets.Images) (MIGResult, error) {
	nf := len(data.FactorSizes)
	if nf == 0 || len(data.Factors) != data.N*nf {
		return MIGResult{}, fmt.Errorf("eval: %s has no factors of variation to score MIG against", data.Name)
	}
	z, err := encode(data.Floats(), data.N)
	if err != nil {
		return MIGResult{}, err
	}
	if len(z)%data.N != 0 {
		return MIGResult{}, fmt.Errorf("eval: %d code values for %d images", len(z), data.N)
	}
	return MIG(z, data.N, len(z)/data.N, data.Factors, nf, MIGBins)
}
