package datasets

import (
	"hash/fnv"
	"image"
	"image/color"
	"io"
)

// HeldOut reports whether the file named name belongs to the test split under the
// rule every genlab loader of a folder of files uses: the FNV-1a hash of the name is a
// multiple of every. The split depends on the name alone, so adding or removing other
// files never moves a file between training and test.
func HeldOut(name string, every uint32) bool {
	h := fnv.New32a()
	io.WriteString(h, name)
	return h.Sum32()%every == 0
}

// AppendBoxRGB appends the RGB values in [0, 1] of the rectangle r of img, averaged over
// f x f blocks: an exact box-filter downsampling by the integer factor f (no aliasing,
// no interpolation). r's sides must be multiples of f.
func AppendBoxRGB(dst []float32, img image.Image, r image.Rectangle, f int) []float32 {
	inv := 1 / (255 * float32(f*f))
	w := r.Dx()
	var rows []uint8 // f rows of levels at a time
	for y := r.Min.Y; y < r.Max.Y; y += f {
		rows = AppendRGB(rows[:0], img, image.Rect(r.Min.X, y, r.Max.X, y+f))
		for x := 0; x < w; x += f {
			var sum [3]float32 // f*f levels of at most 255: exact in float32 below 2^24
			for dy := range f {
				for dx := range f {
					p := rows[3*(dy*w+x+dx):]
					sum[0] += float32(p[0])
					sum[1] += float32(p[1])
					sum[2] += float32(p[2])
				}
			}
			dst = append(dst, sum[0]*inv, sum[1]*inv, sum[2]*inv)
		}
	}
	return dst
}

// AppendRGB appends the 8-bit RGB levels of the rectangle r of img, row by row: what
// AppendBoxRGB averages, and at factor 1 what Images.Bytes keeps.
func AppendRGB(dst []uint8, img image.Image, r image.Rectangle) []uint8 {
	if ycc, ok := img.(*image.YCbCr); ok { // JPEG's own form: skip the interface per pixel
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				yi, ci := ycc.YOffset(x, y), ycc.COffset(x, y)
				// The same conversion as img.At(x, y).RGBA() (not YCbCrToRGB, which
				// rounds differently), without an interface per pixel.
				cr, cg, cb, _ := color.YCbCr{Y: ycc.Y[yi], Cb: ycc.Cb[ci], Cr: ycc.Cr[ci]}.RGBA()
				dst = append(dst, uint8(cr>>8), uint8(cg>>8), uint8(cb>>8))
			}
		}
		return dst
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			dst = append(dst, uint8(cr>>8), uint8(cg>>8), uint8(cb>>8))
		}
	}
	return dst
}
