package datasets

import (
	"image"
	"image/color"
	"slices"
	"testing"
)

// The box filter reads a JPEG's YCbCr planes directly; it must give exactly what the
// generic path (img.At) gives, or every result on the faces would shift.
func TestAppendBoxRGBFastPathIsExact(t *testing.T) {
	img := image.NewYCbCr(image.Rect(0, 0, 8, 4), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = uint8(i * 37)
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(i*91+5), uint8(255-i*53)
	}
	generic := image.NewRGBA(img.Bounds()) // the same pixels behind the generic path
	for y := range 4 {
		for x := range 8 {
			generic.Set(x, y, color.RGBAModel.Convert(img.At(x, y)))
		}
	}
	for _, f := range []int{1, 2} {
		a := AppendBoxRGB(nil, img, img.Bounds(), f)
		b := AppendBoxRGB(nil, generic, generic.Bounds(), f)
		if len(a) != 3*32/(f*f) {
			t.Fatalf("f=%d: %d values", f, len(a))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("f=%d: value %d is %g from the YCbCr planes, %g from At", f, i, a[i], b[i])
			}
		}
	}
	// Kept as bytes at factor 1, the levels read back as the very float32 values.
	for _, src := range []image.Image{img, generic} {
		levels := AppendRGB(nil, src, src.Bounds())
		if got, want := AppendLevels(nil, levels), AppendBoxRGB(nil, src, src.Bounds(), 1); !slices.Equal(got, want) {
			t.Fatalf("%T: bytes read back as %v, want %v", src, got[:6], want[:6])
		}
	}
}

func TestHeldOut(t *testing.T) {
	// FNV-1a by hand: offset basis, then xor and multiply by the prime per byte.
	h := uint32(0x811c9dc5)
	for _, c := range []byte("1.jpg") {
		h = (h ^ uint32(c)) * 0x01000193
	}
	if HeldOut("1.jpg", 10) != (h%10 == 0) || HeldOut("1.jpg", 1) != true {
		t.Errorf("HeldOut disagrees with FNV-1a (%d)", h)
	}
}
