package datasets

import (
	"fmt"
	"math/rand/v2"
)

// Jitter applies pix2pix's training augmentation in place to n images of size x size
// x c (NHWC): each is enlarged by 286/256 (bilinear), cropped back to size at a random
// offset and flipped left-right with probability 1/2. All channels move together, so a
// pair's photo and map stay aligned. Random jitter keeps a generator trained on ~1,000
// pairs from memorizing them (Isola et al., section 6.2).
func Jitter(rng *rand.Rand, px []float32, n, size, c int) {
	big := (size*286 + 128) / 256
	scaled := make([]float32, big*big*c)
	for i := range n {
		img := px[i*size*size*c : (i+1)*size*size*c]
		resizeBilinear(scaled, big, img, size, c)
		ox, oy, flip := rng.IntN(big-size+1), rng.IntN(big-size+1), rng.IntN(2) == 1
		for y := range size {
			for x := range size {
				sx := ox + x
				if flip {
					sx = ox + size - 1 - x
				}
				copy(img[(y*size+x)*c:(y*size+x+1)*c], scaled[((oy+y)*big+sx)*c:((oy+y)*big+sx+1)*c])
			}
		}
	}
}

// resizeBilinear resizes the s x s x c image src to d x d into dst, sampling at pixel
// centres (half-pixel offsets, as image libraries do).
func resizeBilinear(dst []float32, d int, src []float32, s, c int) {
	scale := float64(s) / float64(d)
	for y := range d {
		fy := max((float64(y)+0.5)*scale-0.5, 0)
		y0 := min(int(fy), s-1)
		y1, wy := min(y0+1, s-1), float32(fy-float64(y0))
		for x := range d {
			fx := max((float64(x)+0.5)*scale-0.5, 0)
			x0 := min(int(fx), s-1)
			x1, wx := min(x0+1, s-1), float32(fx-float64(x0))
			for k := range c {
				a := src[(y0*s+x0)*c+k]*(1-wx) + src[(y0*s+x1)*c+k]*wx
				b := src[(y1*s+x0)*c+k]*(1-wx) + src[(y1*s+x1)*c+k]*wx
				dst[(y*d+x)*c+k] = a*(1-wy) + b*wy
			}
		}
	}
}

// Mirror flips each of n images [h, w, c] (NHWC) left-right with probability 1/2, in
// place.
func Mirror(rng *rand.Rand, px []float32, n, h, w, c int) {
	for i := range n {
		if rng.IntN(2) == 0 {
			continue
		}
		img := px[i*h*w*c : (i+1)*h*w*c]
		for y := range h {
			row := img[y*w*c : (y+1)*w*c]
			for x := range w / 2 {
				a, b := row[x*c:(x+1)*c], row[(w-1-x)*c:(w-x)*c]
				for k := range c {
					a[k], b[k] = b[k], a[k]
				}
			}
		}
	}
}

// Rotations returns every image of d (square) at 0, 90, 180 and 270 degrees
// counter-clockwise, labelled 4*label + quarter-turns (label 0 if d has none): the
// task of the feature network that scores translations. Telling the domains apart is
// too easy to teach a network much; telling how an aerial photo or a map is turned
// makes it look at roads, shorelines and blocks, the structure a translation must keep
// (Gidaris et al., 2018, train features with rotations alone).
func Rotations(d *Images) (*Images, error) {
	if d.H != d.W {
		return nil, fmt.Errorf("datasets: %s: rotations need square images, got %dx%d", d.Name, d.H, d.W)
	}
	s, c := d.H, d.C
	classes := d.Classes
	if len(classes) == 0 {
		classes = []string{d.Name}
	}
	out := &Images{Name: d.Name + "/rotations", N: 4 * d.N, H: s, W: s, C: c,
		Pixels: make([]float32, 0, 4*d.N*d.ImageSize()), Labels: make([]int32, 0, 4*d.N)}
	for _, name := range classes {
		for r := range 4 {
			out.Classes = append(out.Classes, fmt.Sprintf("%s@%d", name, 90*r))
		}
	}
	for i := range d.N {
		img := d.Image(i)
		label := int32(0)
		if len(d.Labels) == d.N {
			label = d.Labels[i]
		}
		for r := range 4 {
			for y := range s {
				for x := range s {
					// The pixel at (y, x) of the image turned r quarter-turns
					// counter-clockwise comes from (sy, sx) of the original.
					sy, sx := y, x
					for range r {
						sy, sx = sx, s-1-sy
					}
					out.Pixels = append(out.Pixels, img[(sy*s+sx)*c:(sy*s+sx+1)*c]...)
				}
			}
			out.Labels = append(out.Labels, 4*label+int32(r))
		}
	}
	return out, out.Validate()
}

// Perturb replaces each pixel value, with probability rate, by one of levels values
// (0, 1/(levels-1), ..., 1) drawn uniformly, in place: the input perturbation of Ren et
// al. (2019), "Likelihood ratios for out-of-distribution detection", under which a
// background model learns the population-level statistics of images (how much ink,
// how smooth) but not their semantics.
func Perturb(rng *rand.Rand, px []float32, rate float64, levels int) {
	if rate <= 0 {
		return
	}
	for i := range px {
		if rng.Float64() < rate {
			px[i] = float32(rng.IntN(levels)) / float32(levels-1)
		}
	}
}

// Prep is the per-batch preparation of a likelihood model's training images, as
// fit.ImageDraw applies it to batch i: binarized afresh (if binarize), then each pixel
// replaced with probability perturb by one of levels values (a background model's
// inputs), from a random stream fixed by seed and i, so a resumed run prepares its
// batches as an uninterrupted one. Nil when there is nothing to do.
func Prep(seed int64, binarize bool, perturb float64, levels int) func(i int, px []float32) {
	if !binarize && perturb <= 0 {
		return nil
	}
	return func(i int, px []float32) {
		rng := Rand(uint64(seed), uint64(i)+1)
		if binarize {
			Binarize(rng, px)
		}
		Perturb(rng, px, perturb, levels)
	}
}
