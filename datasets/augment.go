package datasets

import "math/rand/v2"

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
