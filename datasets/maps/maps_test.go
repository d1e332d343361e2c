package maps

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/internal/testenv"
)

func TestLoadRealMaps(t *testing.T) {
	dir := testenv.DataDir(t, "maps/train")
	ctx := context.Background()
	test64, err := Load(ctx, dir, datasets.Test, 64)
	if err != nil {
		t.Fatal(err)
	}
	test32, err := Load(ctx, dir, datasets.Test, 32)
	if err != nil {
		t.Fatal(err)
	}
	train, err := datasets.Load(ctx, dir, Name, datasets.Train) // the registry, at the default size
	if err != nil {
		t.Fatal(err)
	}
	if test64.N != 111 || train.N != 985 || train.H != Size || train.C != 6 || test32.W != 32 {
		t.Fatalf("test %d pairs (want 111), train %d (want 985) of %dx%dx%d", test64.N, train.N, train.H, train.W, train.C)
	}
	// The held-out files are pinned: 2.jpg is the first test pair, 1.jpg trains.
	if !datasets.HeldOut("2.jpg", TestEvery) || datasets.HeldOut("1.jpg", TestEvery) {
		t.Error("the split moved: 2.jpg should be held out and 1.jpg trained on")
	}
	// 32x32 is exactly the 2x2 mean of 64x64, channel by channel.
	for _, p := range []int{0, 5, 1234, len(test32.Pixels) - 1} {
		i, c := p/6, p%6
		y, x := i/32%32, i%32
		n := i / (32 * 32)
		var s float32
		for dy := range 2 {
			for dx := range 2 {
				s += test64.Pixels[((n*64+2*y+dy)*64+2*x+dx)*6+c]
			}
		}
		if d := s/4 - test32.Pixels[p]; d > 1e-5 || d < -1e-5 {
			t.Errorf("value %d: %g at 32x32, 2x2 mean %g at 64x64", p, test32.Pixels[p], s/4)
		}
	}
	// As stored (256), the training pairs are kept as bytes, a quarter of the memory,
	// read back as the values the box filter averages: 64x64 is their exact 4x4 mean.
	// The held-out pairs, which notebooks look at, keep float32.
	train256, err := Load(ctx, dir, datasets.Train, Stored)
	if err != nil {
		t.Fatal(err)
	}
	if train256.Bytes == nil || train256.Pixels != nil || len(train256.Bytes) != 985*256*256*6 || train.Bytes != nil || test64.Pixels == nil {
		t.Fatalf("at 256: %d bytes, float32 %v; at 64 bytes %v", len(train256.Bytes), train256.Pixels != nil, train.Bytes != nil)
	}
	for _, p := range []int{0, 7, 4321, len(train.Pixels) - 1} {
		i, c := p/6, p%6
		y, x, n := i/64%64, i%64, i/(64*64)
		img := train256.Image(n)
		var s float32
		for dy := range 4 {
			for dx := range 4 {
				s += img[((4*y+dy)*256+4*x+dx)*6+c]
			}
		}
		if d := s/16 - train.Pixels[p]; d > 1e-5 || d < -1e-5 {
			t.Errorf("value %d: %g at 64x64, 4x4 mean %g at 256x256", p, train.Pixels[p], s/16)
		}
	}
	// Maps are mostly light grey-white; photos darker: the halves are the right way round.
	aerial, maps, err := Halves(test64)
	if err != nil {
		t.Fatal(err)
	}
	if ma, mm := mean(aerial.Pixels), mean(maps.Pixels); ma >= mm {
		t.Errorf("mean aerial %g >= mean map %g: halves swapped?", ma, mm)
	}
	// The unpaired view: every pair gives one side only, alternately.
	u, err := datasets.Load(ctx, dir, UnpairedName, datasets.Train)
	if err != nil {
		t.Fatal(err)
	}
	var counts [2]int
	for _, l := range u.Labels {
		counts[l]++
	}
	if u.N != train.N || u.C != 3 || counts[0] != (train.N+1)/2 || counts[1] != train.N/2 {
		t.Errorf("unpaired: %d images (%v by domain) of %d channels from %d pairs", u.N, counts, u.C, train.N)
	}
	tr, trMaps, _ := Halves(train)
	if !slices.Equal(u.Image(0), tr.Image(0)) || !slices.Equal(u.Image(counts[0]), trMaps.Image(1)) {
		t.Error("unpaired: domain 0 starts with pair 0's photo, domain 1 with pair 1's map")
	}
}

func mean(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return s / float64(len(v))
}

// writePair writes a 512x256 JPEG whose left half is grey level a and right half b.
func writePair(t *testing.T, path string, w, h int, a, b uint8) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := a
			if x >= w/2 {
				v = b
			}
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A folder made here loads as pairs, photo then map; a file of another size is named
// in the error (datasets.JPEGs' tests cover the other kinds of damage).
func TestFolder(t *testing.T) {
	ctx := context.Background()
	folder := t.TempDir()
	for i := 1; i <= 20; i++ {
		writePair(t, filepath.Join(folder, itoa(i)+".jpg"), 512, 256, 40, 220)
	}
	m := Manifest{Files: 20}
	train, err := LoadFolder(ctx, folder, m, datasets.Train, 64)
	if err != nil {
		t.Fatal(err)
	}
	test, err := LoadFolder(ctx, folder, m, datasets.Test, 64)
	if err != nil {
		t.Fatal(err)
	}
	if train.N+test.N != 20 || test.N == 0 {
		t.Fatalf("train %d + test %d pairs from 20 files", train.N, test.N)
	}
	if p := train.Pixels; p[0] > 0.2 || p[3] < 0.8 {
		t.Errorf("photo %g and map %g: want dark left half, light right half", p[0], p[3])
	}
	writePair(t, filepath.Join(folder, "1.jpg"), 256, 256, 0, 0)
	_, err1 := LoadFolder(ctx, folder, m, datasets.Train, 64)
	_, err2 := LoadFolder(ctx, folder, m, datasets.Test, 64)
	var de *datasets.Error
	if err := errors.Join(err1, err2); !errors.As(err, &de) || !strings.Contains(err.Error(), "1.jpg") || !strings.Contains(err.Error(), "want 512x256") {
		t.Errorf("a 256x256 file: %v", err)
	}
	if _, err := LoadFolder(ctx, filepath.Join(folder, "nope"), m, datasets.Train, 64); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing folder: %v", err)
	}
	if _, err := LoadFolder(ctx, folder, m, datasets.Train, 48); err == nil {
		t.Error("size 48 does not divide 256")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
