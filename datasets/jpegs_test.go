package datasets

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// writeJPEG writes a w x h JPEG of grey level v.
func writeJPEG(t *testing.T, path string, w, h int, v uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A folder made here: both splits list every file once, in order; each kind of damage
// gives an *Error that names the file or the folder.
func TestJPEGs(t *testing.T) {
	ctx := context.Background()
	folder := t.TempDir()
	for i := 1; i <= 20; i++ {
		writeJPEG(t, filepath.Join(folder, strconv.Itoa(i)+".jpg"), 8, 4, uint8(10*i))
	}
	byNumber := func(a, b string) int {
		na, _ := strconv.Atoi(strings.TrimSuffix(a, ".jpg"))
		nb, _ := strconv.Atoi(strings.TrimSuffix(b, ".jpg"))
		return na - nb
	}
	j := JPEGs{Folder: folder, Files: 20, Order: byNumber, W: 8, H: 4, TestEvery: 10, Hint: "make it again"}
	var names []string
	for _, split := range []Split{Train, Test} {
		last := 0
		err := j.Each(ctx, split, func(name string, img image.Image) {
			n, _ := strconv.Atoi(strings.TrimSuffix(name, ".jpg"))
			if n <= last || HeldOut(name, 10) != (split == Test) || img.Bounds().Dx() != 8 {
				t.Errorf("%s: %s after %d, %v", split, name, last, img.Bounds())
			}
			last = n
			names = append(names, name)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(names) != 20 {
		t.Errorf("%d files over both splits, want 20", len(names))
	}
	cases := []struct {
		name   string
		break_ func(dir string) JPEGs
		want   string
	}{
		{"wrong checksum", func(dir string) JPEGs { k := j; k.Folder, k.SHA256 = dir, strings.Repeat("0", 64); return k }, "sha256"},
		{"missing file", func(dir string) JPEGs { os.Remove(filepath.Join(dir, "3.jpg")); k := j; k.Folder = dir; return k }, "19 JPEGs"},
		{"truncated JPEG", func(dir string) JPEGs {
			b, _ := os.ReadFile(filepath.Join(dir, "1.jpg"))
			os.WriteFile(filepath.Join(dir, "1.jpg"), b[:len(b)/2], 0o644)
			k := j
			k.Folder = dir
			return k
		}, "1.jpg"},
		{"wrong size", func(dir string) JPEGs {
			writeJPEG(t, filepath.Join(dir, "1.jpg"), 4, 4, 0)
			k := j
			k.Folder = dir
			return k
		}, "want 8x4"},
		{"missing folder", func(dir string) JPEGs { k := j; k.Folder = filepath.Join(dir, "nope"); return k }, "nope"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		for i := 1; i <= 20; i++ {
			b, _ := os.ReadFile(filepath.Join(folder, strconv.Itoa(i)+".jpg"))
			os.WriteFile(filepath.Join(dir, strconv.Itoa(i)+".jpg"), b, 0o644)
		}
		k := c.break_(dir)
		// Damage is found whichever split is read: the checksum covers every file.
		err := errors.Join(k.Each(ctx, Train, func(string, image.Image) {}), k.Each(ctx, Test, func(string, image.Image) {}))
		var de *Error
		if err == nil || !errors.As(err, &de) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "make it again") {
			t.Errorf("%s: got %v, want an *Error mentioning %q and the hint", c.name, err, c.want)
		}
	}
	if err := j.Each(ctx, "valid", func(string, image.Image) {}); err == nil {
		t.Error("an unknown split was accepted")
	}
}

// A corrupt JPEG whose header claims 65,295 x 12,525 pixels (FuzzJPEGs found it) is
// refused by its size before the decoder allocates the image it claims: the error names
// the file and both sizes, and the loader allocates kilobytes, not the 1.2 GB that
// decoding it first took.
func TestJPEGsHugeHeader(t *testing.T) {
	dir := t.TempDir()
	b := []byte("\xff\xd8\xff\xc0\x00\x11\b0\xed\xff\x0f\x03\x01\"\x00\x02\x11\x01\x03\x11\x01\xff\xda\x00\f\x03\x01\x00\x02\x11\x03\x003\xb5\x8f")
	if err := os.WriteFile(filepath.Join(dir, "a.jpg"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	j := JPEGs{Folder: dir, Files: 1, W: 16, H: 8, TestEvery: 1 << 30, Hint: "test"}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := j.Each(context.Background(), Train, func(string, image.Image) { t.Error("a corrupt image reached fn") })
	runtime.ReadMemStats(&after)
	var de *Error
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "a.jpg") || !strings.Contains(err.Error(), "65295x12525, want 16x8") {
		t.Fatalf("err = %v, want an *Error naming a.jpg and both sizes", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("refusing the file allocated %d bytes, want under 1 MiB", alloc)
	}
}
