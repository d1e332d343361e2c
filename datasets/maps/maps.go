// Package maps loads pix2pix's "maps" pairs: aerial photographs and the map tiles of
// the same places (Isola et al., 2017, imagery from Google Maps), the paired data of
// image-to-image translation, and an unpaired view of them for CycleGAN.
//
// The data directory holds maps/train/N.jpg: 1,096 JPEGs of 512x256, the aerial photo
// on the left half and its map on the right. There is no test split upstream; genlab
// holds out every file whose name's FNV-1a hash is a multiple of 10 (datasets.HeldOut,
// the faces' rule): 111 pairs never trained on. The copy is pinned by the number of
// files and one SHA-256 of all their bytes in file-number order.
//
// A pair is one 6-channel image: the aerial photo's RGB then the map's RGB at every
// pixel, so that a minibatch of pairs is a minibatch of images (datasets.Images,
// Sampler, Gather) and the two halves stay aligned through any crop or flip.
package maps

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/genlab-go/genlab/datasets"
)

const (
	// Name is the paired dataset: 6-channel images, aerial RGB then map RGB.
	Name = "maps"
	// UnpairedName is the unpaired view (Unpaired): 3-channel images labelled by domain.
	UnpairedName = "maps-unpaired"
	// Stored is the side of each half as stored; Load resizes to any divisor of it.
	Stored = 256
	// Size is the side the course trains at: what two CPU cores translate within a
	// lecture. 128 and 256 are for longer runs or a GPU (at 256 the training split is
	// kept as bytes, Images.Bytes: 0.39 GB).
	Size = 64
	// TestEvery: a file is held out when its name's FNV-1a hash is a multiple of it.
	TestEvery = 10
)

// Domains name the two halves, the labels of the unpaired view.
var Domains = []string{"aerial", "map"}

// Hint says where the folder comes from, for errors about a missing or damaged one.
const Hint = "copy the maps folder (maps/train/*.jpg, 1,096 JPEGs of 512x256 from the pix2pix datasets) " +
	"into the data directory, or point $" + datasets.DirEnv + " (or --data) at one that has it"

// Manifest pins the content of a copy of the dataset.
type Manifest struct {
	Files  int    // JPEGs in the folder
	SHA256 string // of all their bytes, in file-number order ("" is not checked)
}

// Pix2Pix is the copy genlab expects.
var Pix2Pix = Manifest{Files: 1096, SHA256: "7e4787ea8c7c46b625de811be6a6691e2c467dee7eefcc5329ac2b47a137dcc2"}

// Load reads one split of the pairs from dir/maps/train at size x size (a divisor of
// 256).
func Load(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
	return LoadFolder(ctx, filepath.Join(dir, Name, "train"), Pix2Pix, split, size)
}

// LoadFolder is Load for a folder with maps/train's layout whose content must match m.
func LoadFolder(ctx context.Context, folder string, m Manifest, split datasets.Split, size int) (*datasets.Images, error) {
	if size < 1 || Stored%size != 0 {
		return nil, fmt.Errorf("maps: size %d must divide %d (256, 128, 64, ...)", size, Stored)
	}
	d := &datasets.Images{Name: Name + "-" + string(split), H: size, W: size, C: 6}
	f := Stored / size
	files := datasets.JPEGs{Folder: folder, Files: m.Files, SHA256: m.SHA256, Order: byNumber, OrderName: "file-number order",
		W: 2 * Stored, H: Stored, TestEvery: TestEvery, Hint: Hint}
	err := files.Each(ctx, split, func(_ string, img image.Image) {
		r := img.Bounds()
		left, right := image.Rect(r.Min.X, r.Min.Y, r.Min.X+Stored, r.Max.Y), image.Rect(r.Min.X+Stored, r.Min.Y, r.Max.X, r.Max.Y)
		if f == 1 && split == datasets.Train { // as stored: 8-bit levels, a quarter of the memory
			d.Bytes = interleave(d.Bytes, datasets.AppendRGB(nil, img, left), datasets.AppendRGB(nil, img, right))
		} else {
			d.Pixels = interleave(d.Pixels, datasets.AppendBoxRGB(nil, img, left, f), datasets.AppendBoxRGB(nil, img, right, f))
		}
		d.N++
	})
	if err != nil {
		return nil, err
	}
	if d.N == 0 {
		return nil, &datasets.Error{Path: folder, Err: fmt.Errorf("no pairs in the %s split", split), Hint: Hint}
	}
	return d, d.Validate()
}

// interleave appends the pixels of two RGB images of the same size to dst as one
// 6-channel image: a's RGB, then b's, at every pixel.
func interleave[T uint8 | float32](dst, a, b []T) []T {
	for p := 0; p < len(a); p += 3 {
		dst = append(dst, a[p:p+3]...)
		dst = append(dst, b[p:p+3]...)
	}
	return dst
}

// byNumber orders "2.jpg" before "10.jpg" (names that are not numbers after numbers,
// alphabetically).
func byNumber(a, b string) int {
	na, ea := strconv.Atoi(strings.TrimSuffix(a, ".jpg"))
	nb, eb := strconv.Atoi(strings.TrimSuffix(b, ".jpg"))
	switch {
	case ea == nil && eb == nil:
		return cmp.Compare(na, nb)
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// Halves returns the two sides of paired images as 3-channel sets in the same order:
// the aerial photos and their maps.
func Halves(pairs *datasets.Images) (aerial, maps *datasets.Images, err error) {
	if pairs.C != 6 {
		return nil, nil, fmt.Errorf("maps: %s has %d channels; pairs have 6", pairs.Name, pairs.C)
	}
	return pairs.Channels(0, 3), pairs.Channels(3, 3), nil
}

// Unpaired is the unpaired view of paired images for CycleGAN: the aerial photos of
// the even-numbered pairs (label 0, "aerial") followed by the maps of the odd-numbered
// ones (label 1, "map"). No place appears in both domains, so no pair is ever seen;
// alternating rather than splitting in two keeps both domains spread over the city.
func Unpaired(pairs *datasets.Images) (*datasets.Images, error) {
	aerial, maps, err := Halves(pairs)
	if err != nil {
		return nil, err
	}
	d := &datasets.Images{Name: pairs.Name + "/unpaired", H: pairs.H, W: pairs.W, C: 3, Classes: Domains}
	for domain, src := range []*datasets.Images{aerial, maps} {
		for i := domain; i < pairs.N; i += 2 {
			d.AppendImage(src, i)
			d.Labels = append(d.Labels, int32(domain))
		}
	}
	return d, d.Validate()
}

func init() {
	load := func(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
		return Load(ctx, dir, split, cmp.Or(size, Size))
	}
	datasets.Register(datasets.Source{Name: Name, Load: load, Hint: Hint})
	datasets.Register(datasets.Source{Name: UnpairedName, Hint: Hint,
		Load: func(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
			pairs, err := load(ctx, dir, split, size)
			if err != nil {
				return nil, err
			}
			return Unpaired(pairs)
		}})
}
