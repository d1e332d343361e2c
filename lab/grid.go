package lab

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/genlab-go/genlab/internal/atomicfile"
)

// Grid tiles n images of h x w x c float32 pixels in [0, 1] (NHWC, c = 1 or 3) into rows
// of cols images, with a 1-pixel dark-grey border, each pixel magnified scale times.
// Values outside [0, 1] are clipped.
func Grid(pixels []float32, n, h, w, c, cols, scale int) *image.RGBA {
	if n <= 0 || h <= 0 || w <= 0 || (c != 1 && c != 3) || len(pixels) < n*h*w*c {
		panic(fmt.Sprintf("lab.Grid: %d values cannot hold %d images of %dx%dx%d (c must be 1 or 3)", len(pixels), n, h, w, c))
	}
	cols = max(1, min(cols, n))
	scale = max(scale, 1)
	rows := (n + cols - 1) / cols
	const border = 1
	cw, ch := w*scale+border, h*scale+border
	img := image.NewRGBA(image.Rect(0, 0, cols*cw+border, rows*ch+border))
	bg := color.RGBA{64, 64, 64, 255}
	for i := range img.Pix {
		img.Pix[i] = []uint8{bg.R, bg.G, bg.B, bg.A}[i%4]
	}
	for k := range n {
		ox, oy := border+(k%cols)*cw, border+(k/cols)*ch
		im := pixels[k*h*w*c : (k+1)*h*w*c]
		for y := range h * scale {
			for x := range w * scale {
				p := ((y/scale)*w + x/scale) * c
				var r, g, b uint8
				if c == 1 {
					r = to8(im[p])
					g, b = r, r
				} else {
					r, g, b = to8(im[p]), to8(im[p+1]), to8(im[p+2])
				}
				img.SetRGBA(ox+x, oy+y, color.RGBA{r, g, b, 255})
			}
		}
	}
	return img
}

func to8(v float32) uint8 {
	switch {
	case !(v > 0): // also NaN
		return 0
	case v >= 1:
		return 255
	}
	return uint8(v*255 + 0.5)
}

// Pairs lays out originals and their reconstructions: row 2i holds originals, row 2i+1
// the reconstructions of the images just above.
func Pairs(orig, recon []float32, n, h, w, c, cols, scale int) *image.RGBA {
	cols = max(1, min(cols, n))
	size := h * w * c
	var inter []float32
	for start := 0; start < n; start += cols {
		end := min(start+cols, n)
		row := func(src []float32) {
			inter = append(inter, src[start*size:end*size]...)
			// Pad a short last row so the reconstructions stay under their originals.
			inter = append(inter, make([]float32, (cols-(end-start))*size)...)
		}
		row(orig)
		row(recon)
	}
	rows := (n + cols - 1) / cols
	return Grid(inter, 2*rows*cols, h, w, c, cols, scale)
}

// EncodePNG returns img as PNG bytes.
func EncodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WritePNG writes img to path, creating the directory; it writes a temporary file and
// renames it, so an interrupted write never leaves a broken PNG behind.
func WritePNG(path string, img image.Image) error {
	b, err := EncodePNG(img)
	if err != nil {
		return fmt.Errorf("lab: %s: %w", path, err)
	}
	return WriteFileAtomic(path, b)
}

// WriteFileAtomic writes data to path through a temporary file in the same directory:
// a reader never sees half a figure.
func WriteFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return nil
}

// Side draws n rows of images side by side: row i holds image i of each set (all h x w
// x c), e.g. input | output | target for a translation model.
func Side(n, h, w, c, scale int, sets ...[]float32) *image.RGBA {
	size := h * w * c
	all := make([]float32, 0, n*len(sets)*size)
	for i := range n {
		for _, s := range sets {
			all = append(all, s[i*size:(i+1)*size]...)
		}
	}
	return Grid(all, n*len(sets), h, w, c, len(sets), scale)
}
