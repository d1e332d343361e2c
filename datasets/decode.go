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
	at := rgbReader(img)
	for y := r.Min.Y; y < r.Max.Y; y += f {
		for x := r.Min.X; x < r.Max.X; x += f {
			var sum [3]float32
			for dy := range f {
				for dx := range f {
					cr, cg, cb := at(x+dx, y+dy)
					sum[0] += float32(cr)
					sum[1] += float32(cg)
					sum[2] += float32(cb)
				}
			}
			dst = append(dst, sum[0]*inv, sum[1]*inv, sum[2]*inv)
		}
	}
	return dst
}

// AppendRGB appends the 8-bit RGB levels of the rectangle r of img: AppendBoxRGB at
// factor 1, kept as bytes (Images.Bytes).
func AppendRGB(dst []uint8, img image.Image, r image.Rectangle) []uint8 {
	at := rgbReader(img)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb := at(x, y)
			dst = append(dst, cr, cg, cb)
		}
	}
	return dst
}

// rgbReader returns a reader of img's 8-bit RGB levels at (x, y).
func rgbReader(img image.Image) func(x, y int) (r, g, b uint8) {
	if ycc, ok := img.(*image.YCbCr); ok { // JPEG's own form: skip the interface per pixel
		return func(x, y int) (uint8, uint8, uint8) {
			yi, ci := ycc.YOffset(x, y), ycc.COffset(x, y)
			// The same conversion as img.At(x, y).RGBA() (not YCbCrToRGB, which rounds
			// differently), without an interface per pixel.
			r, g, b, _ := color.YCbCr{Y: ycc.Y[yi], Cb: ycc.Cb[ci], Cr: ycc.Cr[ci]}.RGBA()
			return uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)
		}
	}
	return func(x, y int) (uint8, uint8, uint8) {
		r, g, b, _ := img.At(x, y).RGBA()
		return uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)
	}
}
