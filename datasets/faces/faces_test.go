package faces

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
	"strings"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/internal/testenv"
)

func TestLoadRealUTKFace(t *testing.T) {
	dir := testenv.DataDir(t, "utkface/labels.csv")
	ctx := context.Background()
	train, err := Load(ctx, dir, datasets.Train, 64)
	if err != nil {
		t.Fatal(err)
	}
	test, err := Load(ctx, dir, datasets.Test, 32)
	if err != nil {
		t.Fatal(err)
	}
	// 9,780 rows, 2 unlabelled; about a tenth in the test split.
	if train.N+test.N != 9778 || test.N < 850 || test.N > 1100 {
		t.Fatalf("train %d + test %d faces, want 9778 with about 978 in test", train.N, test.N)
	}
	if train.H != 64 || train.C != 3 || test.H != 32 || test.W != 32 {
		t.Fatalf("shapes %dx%dx%d and %dx%dx%d", train.H, train.W, train.C, test.H, test.W, test.C)
	}
	// The race counts of the shared copy's README, over both splits.
	want := []int{5265, 405, 1553, 1452, 1103}
	got := make([]int, len(Races))
	for _, d := range []*datasets.Images{train, test} {
		for i := range d.N {
			got[d.Factors[i*3+2]]++
			if d.Labels[i] != d.Factors[i*3+1] {
				t.Fatalf("label %d is not the gender %d", d.Labels[i], d.Factors[i*3+1])
			}
		}
	}
	for r := range want {
		if got[r] != want[r] {
			t.Errorf("race %s: %d faces, want %d", Races[r], got[r], want[r])
		}
	}
	var mean float64
	for _, p := range test.Pixels {
		if p < 0 || p > 1 {
			t.Fatalf("pixel %g outside [0,1]", p)
		}
		mean += float64(p)
	}
	mean /= float64(len(test.Pixels))
	if mean < 0.3 || mean > 0.7 {
		t.Errorf("mean pixel %.3f: not photos?", mean)
	}
	// 32x32 is the exact 2x2 average of the 64x64 image.
	test64, err := Load(ctx, dir, datasets.Test, 64)
	if err != nil {
		t.Fatal(err)
	}
	// The training faces as stored (64x64) are kept as bytes, a quarter of the memory,
	// and read back as the same values; the held-out ones keep float32.
	train32, err := Load(ctx, dir, datasets.Train, 32)
	if err != nil {
		t.Fatal(err)
	}
	if train.Bytes == nil || train.Pixels != nil || test64.Bytes != nil || train32.Bytes != nil {
		t.Fatal("want the training faces at 64x64 kept as bytes, the held-out ones and smaller sizes as float32")
	}
	for _, sets := range [][2]*datasets.Images{{test, test64}, {train32, train}} {
		small, big := sets[0].Image(7), sets[1].Image(7)
		for _, yxc := range [][3]int{{0, 0, 0}, {13, 21, 1}, {31, 31, 2}} {
			y, x, c := yxc[0], yxc[1], yxc[2]
			var s float32
			for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
				s += big[((2*y+d[0])*64+2*x+d[1])*3+c]
			}
			if got := small[(y*32+x)*3+c]; math.Abs(float64(got-s/4)) > 1e-5 {
				t.Errorf("%s pixel (%d,%d,%d): %g, want the 2x2 mean %g", sets[0].Name, y, x, c, got, s/4)
			}
		}
	}
}

// folder writes a utkface-like folder of n small faces and returns it with its files.
func folder(t *testing.T, n int) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	csv := "file,age,gender,race\n"
	var files []string
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 64, 64))
		for y := range 64 {
			for x := range 64 {
				img.Set(x, y, color.RGBA{uint8(4 * x), uint8(4 * y), uint8(40 * i), 255})
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
			t.Fatal(err)
		}
		name := string(rune('a'+i)) + "_face.jpg"
		files = append(files, name)
		if err := os.WriteFile(filepath.Join(dir, "images", name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		csv += name + ",30," + string(rune('0'+i%2)) + "," + string(rune('0'+i%5)) + "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "labels.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, files
}

func loadBoth(dir string, m Manifest) (int, error) {
	n := 0
	for _, s := range []datasets.Split{datasets.Train, datasets.Test} {
		d, err := LoadFolder(context.Background(), dir, m, s, 16)
		if err != nil {
			if strings.Contains(err.Error(), "no labelled images in this split") {
				continue
			}
			return 0, err
		}
		n += d.N
	}
	return n, nil
}

func TestLoadFolderChecksAndErrors(t *testing.T) {
	dir, files := folder(t, 6)
	if n, err := loadBoth(dir, Manifest{Rows: 6}); err != nil || n != 6 {
		t.Fatalf("good folder: %d faces, %v", n, err)
	}
	// A gradient image keeps its values through JPEG and a 4x4 box filter.
	d, err := LoadFolder(context.Background(), dir, Manifest{}, datasets.Train, 16)
	if err == nil && d.N > 0 {
		if r := d.Image(0)[(0*16+15)*3]; r < 0.85 || r > 0.98 { // x in 60..63: 4x/255 ~ 0.94
			t.Errorf("red at the right edge %g, want about 0.94", r)
		}
	}

	check := func(name string, m Manifest, wantIn string, wantErr error) {
		t.Helper()
		_, err := loadBoth(dir, m)
		var de *datasets.Error
		if err == nil || !errors.As(err, &de) || !strings.Contains(err.Error(), wantIn) {
			t.Fatalf("%s: error %v, want a datasets.Error naming %q", name, err, wantIn)
		}
		if wantErr != nil && !errors.Is(err, wantErr) {
			t.Fatalf("%s: error %v does not wrap %v", name, err, wantErr)
		}
	}
	check("wrong labels checksum", Manifest{LabelsSHA256: strings.Repeat("0", 64)}, "labels.csv", datasets.ErrChecksum)
	check("wrong images checksum", Manifest{ImagesSHA256: strings.Repeat("0", 64)}, "images", datasets.ErrChecksum)
	check("wrong row count", Manifest{Rows: 7}, "labels.csv", datasets.ErrChecksum)

	img := filepath.Join(dir, "images", files[3])
	good, _ := os.ReadFile(img)
	os.WriteFile(img, good[:len(good)/2], 0o644)
	check("truncated JPEG", Manifest{}, files[3], nil)
	os.Remove(img)
	check("missing image", Manifest{}, files[3], os.ErrNotExist)
	os.WriteFile(img, good, 0o644)

	labels := filepath.Join(dir, "labels.csv")
	orig, _ := os.ReadFile(labels)
	os.WriteFile(labels, bytes.Replace(orig, []byte(",30,"), []byte(",300,"), 1), 0o644)
	check("age out of range", Manifest{}, "line 2", nil)
	os.Remove(labels)
	check("missing labels", Manifest{}, "labels.csv", os.ErrNotExist)

	if _, err := LoadFolder(context.Background(), dir, Manifest{}, datasets.Train, 24); err == nil {
		t.Error("size 24 (not a divisor of 64) loaded")
	}
}

func TestSplitIsStable(t *testing.T) {
	// The split depends on the file name only; pinned so it never moves under a
	// trained model's test set.
	n := 0
	for i := range 1000 {
		if InTest(strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('0'+i%10)) + "_" + string(rune(i))) {
			n++
		}
	}
	if n < 60 || n > 140 {
		t.Errorf("%d of 1000 names in test, want about 100", n)
	}
	// Pinned with an independent FNV-1a (Python): a change of hash or modulus fails here.
	for file, want := range map[string]bool{
		"10_0_0_20170110220033115.jpg.chip.jpg":  true,
		"10_0_0_20170110220255346.jpg.chip.jpg":  true,
		"100_1_0_20170110183726390.jpg.chip.jpg": false,
		"10_0_0_20161220222308131.jpg.chip.jpg":  false,
	} {
		if InTest(file) != want {
			t.Errorf("InTest(%s) = %v, want %v", file, !want, want)
		}
	}
}

// The faces by age: two domains, young and old, with nobody in between, from the same
// held-out split.
func TestByAge(t *testing.T) {
	dir := testenv.DataDir(t, "utkface/labels.csv")
	d, err := datasets.LoadSize(context.Background(), dir, AgeName, datasets.Test, 32)
	if err != nil {
		t.Fatal(err)
	}
	var counts [2]int
	for i, l := range d.Labels {
		age := d.Factors[i*3]
		if (l == 0) != (age <= YoungMax) || (l == 1) != (age >= OldMin) {
			t.Fatalf("face %d: age %d in domain %s", i, age, d.Classes[l])
		}
		counts[l]++
	}
	if counts[0] < 200 || counts[1] < 100 || d.H != 32 {
		t.Errorf("held-out young %d, old %d at %dx%d", counts[0], counts[1], d.H, d.W)
	}
	t.Logf("held out: %d young, %d old", counts[0], counts[1])
}

func TestGroups(t *testing.T) {
	d := &datasets.Images{Name: "g", N: 3, H: 1, W: 1, C: 3, Pixels: make([]float32, 9), FactorNames: FactorNames,
		Factors: []int32{30, 1, 1, 20, 0, 4, -1, -1, -1}}
	group, names, err := Groups(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 10 || names[group[0]] != "black_female" || names[group[1]] != "other_male" || group[2] != -1 {
		t.Errorf("groups %v of %v", group, names)
	}
	d.FactorNames = []string{"x"}
	if _, _, err := Groups(d); err == nil {
		t.Error("a set without gender and race was accepted")
	}
}
