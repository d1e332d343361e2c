package eval

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
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

// PNGBits is the length in bits of each of n images (pixels in [0, 1], h x w x c, c 1
// or 3) compressed losslessly as an 8-bit PNG: a generic compressor's estimate of an
// image's complexity, L(x) in Serra et al. (2020), "Input complexity and
// out-of-distribution detection with likelihood-based generative models". Every image
// of a size pays the same header bytes, which shift all lengths alike.
func PNGBits(pixels []float32, n, h, w, c int) ([]float64, error) {
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("eval: PNGBits of %d-channel images", c)
	}
	if len(pixels) != n*h*w*c {
		return nil, fmt.Errorf("eval: PNGBits: %d values for %d images of %dx%dx%d", len(pixels), n, h, w, c)
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	bits := make([]float64, n)
	var buf bytes.Buffer
	for i := range n {
		px := pixels[i*h*w*c : (i+1)*h*w*c]
		var img image.Image
		if c == 1 {
			g := image.NewGray(image.Rect(0, 0, w, h))
			for k, v := range px {
				g.Pix[k] = byte(math.Round(float64(min(max(v, 0), 1)) * 255))
			}
			img = g
		} else {
			rgb := image.NewNRGBA(image.Rect(0, 0, w, h))
			for k := range h * w {
				for ch := range 3 {
					rgb.Pix[4*k+ch] = byte(math.Round(float64(min(max(px[3*k+ch], 0), 1)) * 255))
				}
				rgb.Pix[4*k+3] = 255
			}
			img = rgb
		}
		buf.Reset()
		if err := enc.Encode(&buf, img); err != nil {
			return nil, err
		}
		bits[i] = float64(8 * buf.Len())
	}
	return bits, nil
}

// ComplexityScores are Serra et al.'s outlier scores S(x) = -log2 p(x) - L(x): the
// NLL in bits less the PNG length in bits, of images whose NLLs (nats) are nll and
// whose compressed lengths are bits. A likelihood model ranks simple images (few
// strokes, plain backgrounds) as likely whatever they show; subtracting what a generic
// compressor also finds simple leaves what is specific to the model's data.
func ComplexityScores(nll, bits []float64) ([]float64, error) {
	if len(nll) != len(bits) {
		return nil, fmt.Errorf("eval: %d NLLs and %d lengths", len(nll), len(bits))
	}
	s := make([]float64, len(nll))
	for i := range nll {
		s[i] = nll[i]/math.Ln2 - bits[i]
	}
	return s, nil
}

// RatioScores are Ren et al.'s (2019) likelihood-ratio outlier scores, -log p(x) +
// log p0(x): the NLL of the model of the data (nll) less that of a background model
// trained on perturbed copies of the same data (background), both in nats. What both
// models find likely (plain backgrounds, little ink) cancels; what is left is how much
// better the data's model explains x than population statistics do, low for outliers.
func RatioScores(nll, background []float64) ([]float64, error) {
	if len(nll) != len(background) {
		return nil, fmt.Errorf("eval: %d NLLs and %d background NLLs", len(nll), len(background))
	}
	s := make([]float64, len(nll))
	for i := range nll {
		s[i] = nll[i] - background[i]
	}
	return s, nil
}
