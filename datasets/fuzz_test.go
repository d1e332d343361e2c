package datasets

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// truncations adds b and prefixes of it to f's corpus: a file cut short anywhere.
func truncations(f *testing.F, b []byte) {
	f.Add(b)
	for _, n := range []int{0, 1, 8, 10, 11, 64, len(b) / 3, len(b) / 2, len(b) - 1} {
		if n >= 0 && n < len(b) {
			f.Add(b[:n])
		}
	}
}

// FuzzReadNPY: no file panics ReadNPY; what it reads is a valid image set.
func FuzzReadNPY(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed.npy")
	d := &Images{Name: "x", N: 2, H: 2, W: 2, C: 1, Pixels: []float32{0, 0.25, 0.5, 1, 0.125, 0.75, 1, 1}}
	if err := WriteNPY(path, d); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	truncations(f, seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "f.npy")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadNPY(p, "f")
		if err != nil {
			return
		}
		if got.N*got.H*got.W*got.C != len(got.Floats()) {
			t.Fatalf("read %d values for %dx%dx%dx%d", len(got.Floats()), got.N, got.H, got.W, got.C)
		}
	})
}

// seedJPEG is a small JPEG drawn in code, and the first real map or photo in the data
// directory when there is one.
func seedJPEGs(f *testing.F) [][]byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(3, 3, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		f.Fatal(err)
	}
	seeds := [][]byte{buf.Bytes()}
	for _, p := range []string{"maps/train/1.jpg", "imagenet-sample/images/n01440764_tench.jpg"} {
		if b, err := os.ReadFile(filepath.Join(Dir(""), p)); err == nil {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

// FuzzJPEGs: a folder whose one JPEG is any bytes: JPEGs.Each gives an error naming the
// file or images of the size it promises, and never panics; AppendBoxRGB reads what it
// decoded.
func FuzzJPEGs(f *testing.F) {
	for _, s := range seedJPEGs(f) {
		truncations(f, s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width*cfg.Height > 1<<22 {
			cfg.Width, cfg.Height = 16, 8 // the size the folder claims
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "a.jpg"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		j := JPEGs{Folder: dir, Files: 1, W: cfg.Width, H: cfg.Height, TestEvery: 1 << 30, Hint: "fuzz"}
		for _, split := range []Split{Train, Test} {
			_ = j.Each(context.Background(), split, func(name string, img image.Image) {
				r := img.Bounds()
				if r.Dx() != j.W || r.Dy() != j.H {
					t.Fatalf("%s: %v, promised %dx%d", name, r, j.W, j.H)
				}
				px := AppendBoxRGB(nil, img, r, 1)
				if len(px) != 3*r.Dx()*r.Dy() {
					t.Fatalf("AppendBoxRGB: %d values for %v", len(px), r)
				}
			})
		}
	})
}
