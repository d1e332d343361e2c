package mnist

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/internal/testenv"
)

func TestLoadRealMNISTAndFashion(t *testing.T) {
	dir := testenv.DataDir(t, "mnist/t10k-images-idx3-ubyte.gz")
	for _, name := range Names {
		d, err := Load(context.Background(), dir, name, Test, datasets.Options{Offline: true})
		if err != nil {
			t.Fatal(err)
		}
		if d.N != 10000 || d.H != 28 || d.W != 28 || d.C != 1 {
			t.Fatalf("%s: shape %d x %dx%dx%d", name, d.N, d.H, d.W, d.C)
		}
		var counts [10]int
		for _, l := range d.Labels {
			counts[l]++
		}
		for c, n := range counts {
			if n < 800 || n > 1200 {
				t.Errorf("%s: class %d has %d test images", name, c, n)
			}
		}
		var mean float64
		for _, p := range d.Pixels {
			if p < 0 || p > 1 {
				t.Fatalf("%s: pixel %g outside [0,1]", name, p)
			}
			mean += float64(p)
		}
		mean /= float64(len(d.Pixels))
		// Known dataset statistics: MNIST's mean intensity is 0.1325, Fashion's 0.2860.
		want := map[string]float64{MNIST: 0.1325, Fashion: 0.2860}[name]
		if mean < want-0.005 || mean > want+0.005 {
			t.Errorf("%s: mean pixel %.4f, want about %.4f", name, mean, want)
		}
	}
}

func idx(dims []uint32, body []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		_ = binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(body)
	return b.Bytes()
}

func TestParseIDX(t *testing.T) {
	good := idx([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	dims, data, err := ParseIDX(good)
	if err != nil || len(dims) != 2 || dims[0] != 2 || dims[1] != 3 || len(data) != 6 {
		t.Fatalf("ParseIDX(good) = %v, %v, %v", dims, data, err)
	}
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"magic":     {1, 0, 8, 1, 0, 0, 0, 1, 7},
		"type":      {0, 0, 0x0d, 1, 0, 0, 0, 1, 7},
		"header":    {0, 0, 8, 2, 0, 0, 0, 1},
		"truncated": good[:len(good)-1],
		"too long":  append(append([]byte{}, good...), 9),
		"zero dim":  idx([]uint32{0}, nil),
	} {
		if _, _, err := ParseIDX(bad); !errors.Is(err, ErrIDX) {
			t.Errorf("%s: got %v, want an ErrIDX", name, err)
		}
	}
}

func FuzzParseIDX(f *testing.F) {
	f.Add(idx([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(idx([]uint32{1, 28, 28}, make([]byte, 28*28)))
	f.Add([]byte{0, 0, 8, 4, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		dims, data, err := ParseIDX(b)
		if err != nil {
			return
		}
		n := 1
		for _, d := range dims {
			n *= d
		}
		if n != len(data) {
			t.Fatalf("dims %v but %d bytes", dims, len(data))
		}
	})
}

// writeSplit writes the test split of a fake MNIST into dir, gzip'd or raw.
func writeSplit(t *testing.T, dir string, images, labels []byte, gz bool) {
	t.Helper()
	files, _ := Files(MNIST, Test)
	for i, content := range [][]byte{images, labels} {
		p := filepath.Join(dir, files[i].Path)
		if !gz {
			p = strings.TrimSuffix(p, ".gz")
		} else {
			var b bytes.Buffer
			w := gzip.NewWriter(&b)
			w.Write(content)
			w.Close()
			content = b.Bytes()
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCorruptAndMissingFilesGiveClearErrors(t *testing.T) {
	ctx := context.Background()
	opts := datasets.Options{Offline: true}
	// Missing: the error names the file and the data directory variable.
	dir := t.TempDir()
	_, err := Load(ctx, dir, MNIST, Test, opts)
	var de *datasets.Error
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "t10k-images-idx3-ubyte.gz") || !strings.Contains(err.Error(), datasets.DirEnv) {
		t.Errorf("missing file: got %v", err)
	}
	// Wrong content (checksum mismatch), raw and gzip'd.
	for _, gz := range []bool{false, true} {
		dir := t.TempDir()
		img := idx([]uint32{10000, 28, 28}, make([]byte, 10000*28*28))
		writeSplit(t, dir, img, idx([]uint32{10000}, make([]byte, 10000)), gz)
		_, err := Load(ctx, dir, MNIST, Test, opts)
		if !errors.Is(err, datasets.ErrChecksum) || !strings.Contains(err.Error(), "t10k-images") {
			t.Errorf("gz=%v: bad checksum: got %v", gz, err)
		}
	}
	// Truncated gzip.
	dir = t.TempDir()
	writeSplit(t, dir, []byte("x"), []byte("y"), true)
	files, _ := Files(MNIST, Test)
	p := filepath.Join(dir, files[0].Path)
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)/2], 0o644)
	if _, err := Load(ctx, dir, MNIST, Test, opts); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated gzip: got %v", err)
	}
}
