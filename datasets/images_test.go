package datasets

import (
	"slices"
	"testing"
)

// A set held as bytes reads exactly as the same set held as float32, through every
// method, and keeps its storage through the ones that copy.
func TestBytesReadAsFloats(t *testing.T) {
	const n, h, w, c = 5, 2, 3, 2
	levels := make([]uint8, n*h*w*c)
	for i := range levels {
		levels[i] = uint8(i * 37)
	}
	base := Images{Name: "d", N: n, H: h, W: w, C: c, Labels: []int32{0, 1, 0, 1, 1},
		FactorNames: []string{"f"}, FactorSizes: []int{9}, Factors: []int32{4, 3, 2, 1, 0}}
	floats, bytes := base, base
	floats.Pixels, bytes.Bytes = AppendLevels(nil, levels), levels
	for _, d := range []*Images{&floats, &bytes} {
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	if got := bytes.Pixels; got != nil {
		t.Fatal("bytes also held as float32")
	}
	for i := range n {
		if !slices.Equal(bytes.Image(i), floats.Image(i)) {
			t.Fatalf("image %d: %v, want %v", i, bytes.Image(i), floats.Image(i))
		}
	}
	if !slices.Equal(bytes.Floats(), floats.Pixels) {
		t.Error("Floats differ")
	}
	idx := []int{4, 0, 2, 2}
	gb, lb := bytes.Gather(idx)
	gf, lf := floats.Gather(idx)
	if !slices.Equal(gb, gf) || !slices.Equal(lb, lf) {
		t.Errorf("Gather: %v %v, want %v %v", gb, lb, gf, lf)
	}
	same := func(name string, b, f *Images) {
		t.Helper()
		if err := b.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b.Bytes == nil || b.Pixels != nil {
			t.Errorf("%s: the bytes became float32", name)
		}
		if b.N != f.N || b.C != f.C || !slices.Equal(b.Floats(), f.Floats()) || !slices.Equal(b.Labels, f.Labels) || !slices.Equal(b.Factors, f.Factors) {
			t.Errorf("%s: %d images, labels %v, factors %v; want %d, %v, %v", name, b.N, b.Labels, b.Factors, f.N, f.Labels, f.Factors)
		}
	}
	same("Subset", bytes.Subset(3), floats.Subset(3))
	same("Channels", bytes.Channels(1, 1), floats.Channels(1, 1))
	same("Select", bytes.Select(idx), floats.Select(idx))
	if got := floats.Select(idx); got.Bytes != nil || got.Factors[0] != 0 || got.Labels[0] != 1 {
		t.Errorf("Select of float32 pixels: bytes %v, labels %v, factors %v", got.Bytes != nil, got.Labels, got.Factors)
	}
	// AppendImage keeps bytes as bytes and turns them into float32 in a float32 set.
	var into Images = Images{Name: "into", H: h, W: w, C: c}
	into.AppendImage(&bytes, 1)
	into.AppendImage(&bytes, 3)
	if into.N != 2 || into.Pixels != nil || !slices.Equal(into.Image(1), floats.Image(3)) {
		t.Errorf("appended to an empty set: N %d, float32 %v", into.N, into.Pixels != nil)
	}
	mixed := Images{Name: "mixed", H: h, W: w, C: c}
	mixed.AppendImage(&floats, 0)
	mixed.AppendImage(&bytes, 2)
	if err := mixed.Validate(); err != nil || mixed.Bytes != nil || !slices.Equal(mixed.Image(1), floats.Image(2)) {
		t.Errorf("bytes appended to float32 pixels: %v, bytes %v", err, mixed.Bytes != nil)
	}
	// WithPixels swaps the storage for computed values and keeps the description.
	px := make([]float32, n*h*w*c)
	if got := bytes.WithPixels(px); got.Bytes != nil || got.Validate() != nil || !slices.Equal(got.Labels, base.Labels) || bytes.Bytes == nil {
		t.Errorf("WithPixels: bytes %v, labels %v", got.Bytes != nil, got.Labels)
	}
	both := bytes
	both.Pixels = px
	if both.Validate() == nil {
		t.Error("a set holding both float32 pixels and bytes passed Validate")
	}
	short := bytes
	short.Bytes = levels[:len(levels)-1]
	if short.Validate() == nil {
		t.Error("a byte short passed Validate")
	}
}
