// Package mnist loads MNIST and Fashion-MNIST from their IDX files (gzip'd or raw):
// 28x28 grey images as float32 in [0, 1] with their labels.
package mnist

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
)

// Split selects the training or the test set (datasets.Split, named here too so that
// callers of this package need not import both).
type Split = datasets.Split

const (
	Train = datasets.Train
	Test  = datasets.Test
)

// Names of the datasets this package loads; they are also their folders in the data
// directory.
const (
	MNIST   = "mnist"
	Fashion = "fashion-mnist"
)

// Names lists the datasets this package loads.
var Names = []string{MNIST, Fashion}

var classes = map[string][]string{
	MNIST:   {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
	Fashion: {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
}

var mirrors = map[string][]string{
	MNIST: {
		"https://ossci-datasets.s3.amazonaws.com/mnist/",
		"https://storage.googleapis.com/cvdf-datasets/mnist/",
	},
	Fashion: {
		"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
	},
}

// checksums are SHA-256 of the uncompressed IDX content (identical for every mirror).
var checksums = map[string]string{
	"mnist/train-images-idx3-ubyte":         "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
	"mnist/train-labels-idx1-ubyte":         "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
	"mnist/t10k-images-idx3-ubyte":          "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
	"mnist/t10k-labels-idx1-ubyte":          "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
	"fashion-mnist/train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
	"fashion-mnist/train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
	"fashion-mnist/t10k-images-idx3-ubyte":  "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
	"fashion-mnist/t10k-labels-idx1-ubyte":  "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

// Files returns the two files (images, labels) of one split of a dataset.
func Files(name string, split Split) ([2]datasets.File, error) {
	if _, ok := classes[name]; !ok {
		return [2]datasets.File{}, fmt.Errorf("mnist: unknown dataset %q (want one of %v)", name, Names)
	}
	prefix := "train"
	n := int64(60000)
	switch split {
	case Train:
	case Test:
		prefix, n = "t10k", 10000
	default:
		return [2]datasets.File{}, fmt.Errorf("mnist: unknown split %q (want %q or %q)", split, Train, Test)
	}
	mk := func(kind string, size int64) datasets.File {
		base := fmt.Sprintf("%s-%s-idx%d-ubyte", prefix, kind, map[string]int{"images": 3, "labels": 1}[kind])
		f := datasets.File{Path: name + "/" + base + ".gz", SHA256: checksums[name+"/"+base], Size: size}
		for _, m := range mirrors[name] {
			f.URLs = append(f.URLs, m+base+".gz")
		}
		return f
	}
	return [2]datasets.File{mk("images", 16+n*28*28), mk("labels", 8+n)}, nil
}

// Load reads one split of MNIST or Fashion-MNIST from dir (see datasets.Dir),
// downloading and verifying the files if they are missing.
func Load(ctx context.Context, dir, name string, split Split, opts datasets.Options) (*datasets.Images, error) {
	files, err := Files(name, split)
	if err != nil {
		return nil, err
	}
	rawImages, err := datasets.Read(ctx, dir, files[0], opts)
	if err != nil {
		return nil, err
	}
	rawLabels, err := datasets.Read(ctx, dir, files[1], opts)
	if err != nil {
		return nil, err
	}
	return Decode(name+"/"+string(split), rawImages, rawLabels, classes[name])
}

// Decode builds an image set from the content of an IDX image file and an IDX label file.
func Decode(name string, rawImages, rawLabels []byte, classNames []string) (*datasets.Images, error) {
	idims, pix, err := ParseIDX(rawImages)
	if err != nil {
		return nil, fmt.Errorf("mnist: %s images: %w", name, err)
	}
	ldims, lab, err := ParseIDX(rawLabels)
	if err != nil {
		return nil, fmt.Errorf("mnist: %s labels: %w", name, err)
	}
	if len(idims) != 3 || len(ldims) != 1 {
		return nil, fmt.Errorf("mnist: %s: want images [N,H,W] and labels [N], got %v and %v", name, idims, ldims)
	}
	if idims[0] != ldims[0] {
		return nil, fmt.Errorf("mnist: %s: %d images but %d labels", name, idims[0], ldims[0])
	}
	d := &datasets.Images{Name: name, N: idims[0], H: idims[1], W: idims[2], C: 1, Classes: classNames}
	d.Pixels = make([]float32, len(pix))
	for i, v := range pix {
		d.Pixels[i] = float32(v) / 255
	}
	d.Labels = make([]int32, len(lab))
	for i, v := range lab {
		if int(v) >= len(classNames) {
			return nil, fmt.Errorf("mnist: %s: label %d of item %d out of range [0,%d)", name, v, i, len(classNames))
		}
		d.Labels[i] = int32(v)
	}
	return d, d.Validate()
}

// ErrIDX is wrapped by every IDX format error.
var ErrIDX = errors.New("bad IDX data")

// ParseIDX parses an unsigned-byte IDX file: magic 0x0000 08 NDIMS, NDIMS big-endian
// uint32 dimensions, then the bytes. It returns an error, never panics, on any
// malformed input.
func ParseIDX(b []byte) (dims []int, data []byte, err error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("%w: %d bytes, too short for a header", ErrIDX, len(b))
	}
	if b[0] != 0 || b[1] != 0 {
		return nil, nil, fmt.Errorf("%w: magic %x, want 0000 at the start", ErrIDX, b[:2])
	}
	if b[2] != 0x08 {
		return nil, nil, fmt.Errorf("%w: element type 0x%02x, only unsigned bytes (0x08) are supported", ErrIDX, b[2])
	}
	nd := int(b[3])
	if nd == 0 || nd > 4 {
		return nil, nil, fmt.Errorf("%w: %d dimensions", ErrIDX, nd)
	}
	if len(b) < 4+4*nd {
		return nil, nil, fmt.Errorf("%w: header truncated", ErrIDX)
	}
	total := uint64(1)
	for i := range nd {
		d := binary.BigEndian.Uint32(b[4+4*i:])
		if d == 0 {
			return nil, nil, fmt.Errorf("%w: dimension %d is 0", ErrIDX, i)
		}
		total *= uint64(d)
		if total > 1<<34 {
			return nil, nil, fmt.Errorf("%w: dimensions too large", ErrIDX)
		}
		dims = append(dims, int(d))
	}
	body := b[4+4*nd:]
	if uint64(len(body)) != total {
		return nil, nil, fmt.Errorf("%w: dimensions %v need %d bytes of data, file has %d (truncated?)", ErrIDX, dims, total, len(body))
	}
	return dims, body, nil
}

func init() {
	for _, name := range Names {
		datasets.Register(datasets.Source{
			Name: name,
			Load: func(ctx context.Context, dir string, split datasets.Split, size int) (*datasets.Images, error) {
				if err := datasets.CheckSize(name, size, 28); err != nil {
					return nil, err
				}
				return Load(ctx, dir, name, split, datasets.Options{})
			},
		})
	}
}
