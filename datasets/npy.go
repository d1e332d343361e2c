package datasets

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/genlab-go/genlab/internal/atomicfile"
)

// Images travel to and from other programs (a PyTorch peer's samples, the exact test
// images genlab scored) as NumPy .npy files: one float32 array of shape [N, H, W, C] in
// [0, 1], little-endian, C order, which numpy.load and numpy.save read and write as
// they are. Format version 1.0 (numpy.lib.format); other dtypes and layouts are refused
// by name rather than converted.

var npyMagic = []byte("\x93NUMPY")

// WriteNPY writes d's pixels to path as a .npy array [N, H, W, C] of float32 (labels
// and the rest are not kept).
func WriteNPY(path string, d *Images) error {
	if err := d.Validate(); err != nil {
		return err
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d, %d, %d), }", d.N, d.H, d.W, d.C)
	// The magic, version and length take 10 bytes; header and newline are padded with
	// spaces so that the data starts at a multiple of 64 bytes.
	pad := 64 - (10+len(header)+1)%64
	header += strings.Repeat(" ", pad%64) + "\n"
	var b bytes.Buffer
	b.Grow(10 + len(header) + 4*d.N*d.ImageSize())
	b.Write(npyMagic)
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	var v [4]byte
	for _, p := range d.Floats() {
		binary.LittleEndian.PutUint32(v[:], math.Float32bits(p))
		b.Write(v[:])
	}
	return atomicfile.WriteFile(path, b.Bytes())
}

var (
	npyDescr = regexp.MustCompile(`'descr':\s*'([^']*)'`)
	npyOrder = regexp.MustCompile(`'fortran_order':\s*(True|False)`)
	npyShape = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
)

// ReadNPY reads a .npy array of float32 images [N, H, W, C] (or [N, H, W], one channel)
// with values in [0, 1], as WriteNPY and numpy.save write them, into Images named name.
func ReadNPY(path, name string) (*Images, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: not an array of images: %s", path, fmt.Sprintf(format, args...))
	}
	if len(raw) < 10 || !bytes.Equal(raw[:6], npyMagic) {
		return nil, bad("no .npy magic")
	}
	var hlen, start int
	switch raw[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(raw[8:10])), 10
	case 2, 3:
		if len(raw) < 12 {
			return nil, bad("truncated header")
		}
		hlen, start = int(binary.LittleEndian.Uint32(raw[8:12])), 12
	default:
		return nil, bad(".npy format version %d", raw[6])
	}
	if len(raw) < start+hlen {
		return nil, bad("truncated header")
	}
	header := string(raw[start : start+hlen])
	data := raw[start+hlen:]
	descr, order, shape := npyDescr.FindStringSubmatch(header), npyOrder.FindStringSubmatch(header), npyShape.FindStringSubmatch(header)
	if descr == nil || order == nil || shape == nil {
		return nil, bad("header %q", strings.TrimSpace(header))
	}
	if descr[1] != "<f4" {
		return nil, bad("dtype %q, want float32 ('<f4'): numpy.save(path, x.astype(numpy.float32))", descr[1])
	}
	if order[1] == "True" {
		return nil, bad("Fortran order; want C order")
	}
	var dims []int
	for _, s := range strings.Split(shape[1], ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			return nil, bad("shape (%s)", shape[1])
		}
		dims = append(dims, v)
	}
	if len(dims) == 3 {
		dims = append(dims, 1)
	}
	if len(dims) != 4 || (dims[3] != 1 && dims[3] != 3) {
		return nil, bad("shape (%s), want (N, H, W, C) with C 1 or 3, or (N, H, W)", shape[1])
	}
	// The product is built against the data's length, so that a shape whose product
	// overflows int (a damaged header) cannot wrap around to the length it has.
	n := 1
	if !slices.Contains(dims, 0) {
		for _, d := range dims {
			if n > len(data)/4/d {
				return nil, bad("%d bytes of data for shape (%s), want more", len(data), shape[1])
			}
			n *= d
		}
	} else {
		n = 0
	}
	if len(data) != 4*n {
		return nil, bad("%d bytes of data for shape (%s), want %d", len(data), shape[1], 4*n)
	}
	d := &Images{Name: name, N: dims[0], H: dims[1], W: dims[2], C: dims[3], Pixels: make([]float32, n)}
	for i := range d.Pixels {
		v := math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		if !(v >= 0 && v <= 1) { // NaN fails too
			return nil, bad("value %g at index %d is outside [0, 1]", v, i)
		}
		d.Pixels[i] = v
	}
	return d, nil
}
