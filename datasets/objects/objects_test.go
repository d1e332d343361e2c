package objects

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/faces"
	"github.com/genlab-go/genlab/internal/testenv"
)

func TestLoadRealPhotos(t *testing.T) {
	dir := testenv.DataDir(t, "imagenet-sample/images")
	ctx := context.Background()
	train, err := Load(ctx, dir, datasets.Train, 32)
	if err != nil {
		t.Fatal(err)
	}
	test, err := Load(ctx, dir, datasets.Test, 32)
	if err != nil {
		t.Fatal(err)
	}
	// 942 photos, 95 held out (pinned: the rule must not move a photo between splits).
	if train.N != 847*Views || test.N != 95*Views {
		t.Fatalf("train %d, test %d images; want %d and %d", train.N, test.N, 847*Views, 95*Views)
	}
	for _, name := range []string{"n01537544_indigo_bunting.jpg", "n01644373_tree_frog.jpg"} {
		if !datasets.HeldOut(name, TestEvery) {
			t.Errorf("%s should be held out", name)
		}
	}
	if datasets.HeldOut("n01440764_tench.jpg", TestEvery) {
		t.Error("the tench should be in training")
	}
	// View 1 (the top-left quadrant, 64 -> 32 by 2x2 means) averages back to view 0
	// (the whole photo, 128 -> 32 by 4x4 means) over each 2x2 block.
	whole, quad := test.Image(0), test.Image(1)
	for _, yxc := range [][3]int{{0, 0, 0}, {7, 11, 1}, {15, 15, 2}} {
		y, x, c := yxc[0], yxc[1], yxc[2]
		var s float32
		for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
			s += quad[((2*y+d[0])*32+2*x+d[1])*3+c]
		}
		if got := whole[(y*32+x)*3+c]; math.Abs(float64(got-s/4)) > 1e-5 {
			t.Errorf("pixel (%d,%d,%d): whole %g, quadrant's 2x2 mean %g", y, x, c, got, s/4)
		}
	}

	det, err := LoadDetection(ctx, dir, datasets.Test, 32)
	if err != nil {
		t.Fatal(err)
	}
	faces := 0
	for i := range det.N {
		isFace := det.Labels[i] == 1
		if isFace {
			faces++
		}
		if race := det.Factors[i*3+2]; isFace != (race >= 0) {
			t.Fatalf("image %d: label %d, race %d: objects have factor -1, faces their own", i, det.Labels[i], race)
		}
	}
	if faces < 850 || det.N-faces != test.N {
		t.Errorf("%d faces and %d objects in the detection test split", faces, det.N-faces)
	}
}

// writePhoto writes a size x size JPEG of grey level v.
func writePhoto(t *testing.T, path string, size int, v uint8) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
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

// A folder made here loads as six views a photo; a photo of another size is named in
// the error (datasets.JPEGs' tests cover the other kinds of damage).
func TestFolder(t *testing.T) {
	ctx := context.Background()
	folder := t.TempDir()
	for i := range 12 {
		writePhoto(t, filepath.Join(folder, string(rune('a'+i))+".jpg"), Stored, uint8(20*i))
	}
	m := Manifest{Files: 12}
	train, err := LoadFolder(ctx, folder, m, datasets.Train, 16)
	if err != nil {
		t.Fatal(err)
	}
	test, err := LoadFolder(ctx, folder, m, datasets.Test, 16)
	if err != nil {
		t.Fatal(err)
	}
	if (train.N+test.N) != 12*Views || train.H != 16 || train.C != 3 {
		t.Fatalf("train %d + test %d images of %dx%dx%d from 12 photos", train.N, test.N, train.H, train.W, train.C)
	}
	writePhoto(t, filepath.Join(folder, "a.jpg"), 64, 0)
	_, err1 := LoadFolder(ctx, folder, m, datasets.Train, 16)
	_, err2 := LoadFolder(ctx, folder, m, datasets.Test, 16)
	if err := errors.Join(err1, err2); err == nil || !strings.Contains(err.Error(), "a.jpg") || !strings.Contains(err.Error(), "want 128x128") {
		t.Errorf("a 64x64 photo: %v", err)
	}
	if _, err := LoadFolder(ctx, folder, m, datasets.Train, 48); err == nil {
		t.Error("size 48 does not divide 64")
	}
}

// Detection stacks faces then objects with labels 1 and 0, and refuses shapes that differ.
func TestDetection(t *testing.T) {
	f := &datasets.Images{Name: "f", N: 2, H: 2, W: 2, C: 3, Pixels: make([]float32, 24),
		Factors: []int32{30, 0, 1, 60, 1, 2}, FactorNames: []string{"age", "gender", "race"}, FactorSizes: []int{117, 2, 5}}
	o := &datasets.Images{Name: "o", N: 3, H: 2, W: 2, C: 3, Pixels: make([]float32, 36)}
	d, err := Detection(f, o)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 5 || len(d.Labels) != 5 || d.Labels[1] != 1 || d.Labels[2] != 0 || d.Factors[5] != 2 || d.Factors[6] != -1 {
		t.Errorf("labels %v factors %v", d.Labels, d.Factors)
	}
	o.H, o.W = 4, 1
	o.Pixels = make([]float32, 36)
	if _, err := Detection(f, o); err == nil {
		t.Error("objects of another shape were accepted")
	}
}

// Skew keeps every white face and every object, and the first, fourth, ... of the other
// faces in order, with their labels, factors and pixels.
func TestSkew(t *testing.T) {
	// Races of 8 faces (0 white) then 2 objects (-1); pixel value = index.
	races := []int32{0, 1, 2, 0, 3, 1, 4, 2, -1, -1}
	d := &datasets.Images{Name: "d", N: len(races), H: 1, W: 1, C: 1, Classes: Classes,
		FactorNames: []string{"age", "gender", "race"}, FactorSizes: []int{117, 2, 5}}
	for i, r := range races {
		d.Pixels = append(d.Pixels, float32(i))
		g := int32(i % 2)
		if r < 0 {
			g = -1
		}
		d.Factors = append(d.Factors, r, g, r) // the age is the race: any value does
		d.Labels = append(d.Labels, map[bool]int32{true: 1, false: 0}[r >= 0])
	}
	s, dropped, err := Skew(d, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dropped.Pixels, []float32{2, 4, 6, 7}) || !slices.Equal(dropped.Labels, []int32{1, 1, 1, 1}) {
		t.Errorf("dropped pixels %v, labels %v", dropped.Pixels, dropped.Labels)
	}
	// Others in order: 1, 2, 4, 5, 6, 7; one in three kept: 1 and 5.
	want := []float32{0, 1, 3, 5, 8, 9}
	if !slices.Equal(s.Pixels, want) || s.N != len(want) {
		t.Fatalf("kept pixels %v; want %v", s.Pixels, want)
	}
	if !slices.Equal(s.Labels, []int32{1, 1, 1, 1, 0, 0}) || s.Factors[3*3+2] != 1 || s.Factors[4*3+2] != -1 {
		t.Errorf("labels %v, factors %v", s.Labels, s.Factors)
	}
	if s1, d1, err := Skew(d, 1); err != nil || s1.N != d.N || d1.N != 0 {
		t.Errorf("keep 1: %d of %d images, %v", s1.N, d.N, err)
	}
	if _, _, err := Skew(d, 0); err == nil {
		t.Error("keep 0 was accepted")
	}
}

// The skewed set's test split is the detection test split plus the training faces the
// skew dropped; its training split holds none of them.
func TestLoadSkewed(t *testing.T) {
	dir := testenv.DataDir(t, "imagenet-sample/images")
	testenv.DataDir(t, "utkface")
	ctx := context.Background()
	full, err := LoadDetection(ctx, dir, datasets.Train, 16)
	if err != nil {
		t.Fatal(err)
	}
	test, err := LoadDetection(ctx, dir, datasets.Test, 16)
	if err != nil {
		t.Fatal(err)
	}
	train, err := LoadSkewed(ctx, dir, datasets.Train, 16, SkewKeep)
	if err != nil {
		t.Fatal(err)
	}
	skewTest, err := LoadSkewed(ctx, dir, datasets.Test, 16, SkewKeep)
	if err != nil {
		t.Fatal(err)
	}
	if train.N+skewTest.N != full.N+test.N {
		t.Errorf("skewed train %d + test %d images; the detection set has %d + %d", train.N, skewTest.N, full.N, test.N)
	}
	count := func(d *datasets.Images) (white, other int) {
		g, _, err := faces.Groups(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range g {
			switch {
			case x < 0:
			case x/len(faces.Genders) == 0:
				white++
			default:
				other++
			}
		}
		return
	}
	w, o := count(train)
	fw, fo := count(full)
	if w != fw || o != (fo+SkewKeep-1)/SkewKeep {
		t.Errorf("skewed training faces: %d white, %d other; the full split %d and %d", w, o, fw, fo)
	}
	// The objects come last, as in the detection test split: the last images agree.
	if !slices.Equal(skewTest.Image(skewTest.N-1), test.Image(test.N-1)) || skewTest.Labels[skewTest.N-1] != test.Labels[test.N-1] {
		t.Error("the skewed test split does not end with the detection test split's objects")
	}
}
