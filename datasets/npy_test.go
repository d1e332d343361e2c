package datasets

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestNPYRoundTrip(t *testing.T) {
	d := &Images{Name: "x", N: 2, H: 3, W: 2, C: 1, Pixels: []float32{0, 0.25, 0.5, 1, 0.125, 0.75, 1, 1, 0, 0, 0.5, 0.5}}
	path := filepath.Join(t.TempDir(), "x.npy")
	if err := WriteNPY(path, d); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// numpy.lib.format: the data starts at a multiple of 64 bytes, after a newline.
	hlen := int(binary.LittleEndian.Uint16(raw[8:10]))
	if (10+hlen)%64 != 0 || raw[10+hlen-1] != '\n' || len(raw) != 10+hlen+4*len(d.Pixels) {
		t.Errorf("header of %d bytes (file %d bytes): data not 64-aligned after a newline", hlen, len(raw))
	}
	back, err := ReadNPY(path, "y")
	if err != nil {
		t.Fatal(err)
	}
	if back.N != 2 || back.H != 3 || back.W != 2 || back.C != 1 || back.Name != "y" || !slices.Equal(back.Pixels, d.Pixels) {
		t.Errorf("read back %dx%dx%dx%d %v, want 2x3x2x1 %v", back.N, back.H, back.W, back.C, back.Pixels, d.Pixels)
	}
}

// npyFile is a .npy file as numpy.save writes it (version 1.0) with the given header
// dictionary and float32 values.
func npyFile(t *testing.T, dict string, values []float32) string {
	t.Helper()
	header := dict + strings.Repeat(" ", 64-(10+len(dict)+1)%64) + "\n"
	raw := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), byte(len(header)>>8))
	raw = append(raw, header...)
	for _, v := range values {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	path := filepath.Join(t.TempDir(), "a.npy")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNPYFromNumpyAndItsErrors(t *testing.T) {
	four := []float32{0, 0.5, 1, 0.25}
	// numpy's own header for numpy.save(p, numpy.zeros((1, 2, 2), numpy.float32)).
	d, err := ReadNPY(npyFile(t, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }", four), "a")
	if err != nil || d.N != 1 || d.H != 2 || d.W != 2 || d.C != 1 || !slices.Equal(d.Pixels, four) {
		t.Errorf("an [N, H, W] array: %+v, %v", d, err)
	}
	for _, c := range []struct {
		dict   string
		values []float32
		want   string
	}{
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 1, 1), }", four, "dtype \"<f8\""},
		{"{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2, 2, 1), }", four, "Fortran order"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2, 1), }", four[:3], "12 bytes of data"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four, "want (N, H, W, C)"},
		// 4 x (2^62 + 4) wraps around to the 16 bytes there are: a panic in make before.
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387908, 1, 1, 1), }", four, "16 bytes of data"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 1, 2), }", four, "want (N, H, W, C)"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2, 1), }", []float32{0, 2, 0, 0}, "value 2 at index 1 is outside [0, 1]"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2, 1), }", []float32{0, 0, float32(math.NaN()), 0}, "value NaN at index 2"},
	} {
		if _, err := ReadNPY(npyFile(t, c.dict, c.values), "a"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s with %v: error %v, want one saying %q", c.dict, c.values, err, c.want)
		}
	}
	path := filepath.Join(t.TempDir(), "b.npy")
	os.WriteFile(path, []byte("P5 28 28 255\n"), 0o644)
	if _, err := ReadNPY(path, "b"); err == nil || !strings.Contains(err.Error(), "no .npy magic") {
		t.Errorf("a file that is no .npy: %v", err)
	}
}
