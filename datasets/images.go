package datasets

import (
	"fmt"
	"math/rand/v2"
)

// Split selects the training or the test set of a dataset.
type Split string

const (
	Train Split = "train"
	Test  Split = "test"
)

// Images is an in-memory image set: pixels in [0, 1] (float32, or 8-bit levels), NHWC,
// with optional labels and, for synthetic data, the generative factors of each image.
type Images struct {
	Name       string
	N, H, W, C int
	Pixels     []float32 // N*H*W*C, row-major NHWC; nil when Bytes holds them
	Labels     []int32   // N class labels, or nil
	Classes    []string  // class names, indexed by label
	// Bytes holds the pixels instead of Pixels, as 8-bit levels (pixel = level/255):
	// the training split of photos loaded at their stored size, whose values are such
	// levels exactly, in a quarter of the memory (the maps' training pairs at 256x256
	// take 0.39 GB, not 1.55; UTKFace's 8,800 training faces at 64x64 0.11, not
	// 0.43). Trainers read it through Gather; read it through Image, Floats or
	// Subset(n).Floats. Held-out splits, which notebooks look at, keep Pixels.
	Bytes []uint8
	// Factors holds, for synthetic data, the discrete generative factors of each image:
	// Factors[i*len(FactorNames)+f] is factor f of image i.
	Factors     []int32
	FactorNames []string
	FactorSizes []int // number of values each factor takes
	// Binary says the pixels are exactly 0 or 1 already (the shapes): a model of binary
	// data needs no binarization of them.
	Binary bool
}

// ImageSize is H*W*C, the number of values per image.
func (d *Images) ImageSize() int { return d.H * d.W * d.C }

// Image returns the pixels of image i: a view of Pixels (writes change the set), or a
// fresh copy of the levels in Bytes.
func (d *Images) Image(i int) []float32 {
	n := d.ImageSize()
	if d.Bytes != nil {
		return AppendLevels(make([]float32, 0, n), d.Bytes[i*n:(i+1)*n])
	}
	return d.Pixels[i*n : (i+1)*n]
}

// Floats returns every pixel as float32: Pixels itself, or a converted copy of Bytes
// (as large as float32 storage, so take it of a Subset where only some are needed).
func (d *Images) Floats() []float32 {
	if d.Bytes != nil {
		return AppendLevels(make([]float32, 0, len(d.Bytes)), d.Bytes)
	}
	return d.Pixels
}

// WithPixels returns a copy of d's description (labels, factors, classes) holding px
// as its pixels, for images computed from d's: translations, binarized copies.
func (d *Images) WithPixels(px []float32) *Images {
	s := *d
	s.Pixels, s.Bytes = px, nil
	return &s
}

// levelScale is 1/255 in float32, the factor AppendBoxRGB applies to a single pixel,
// so that a level read back from Bytes is the very float32 it would have loaded as.
const levelScale = 1 / float32(255)

// AppendLevels appends 8-bit levels as pixel values level/255 to dst.
func AppendLevels(dst []float32, levels []uint8) []float32 {
	for _, v := range levels {
		dst = append(dst, float32(v)*levelScale)
	}
	return dst
}

// Validate checks that the sizes agree.
func (d *Images) Validate() error {
	if d.N <= 0 || d.H <= 0 || d.W <= 0 || d.C <= 0 {
		return fmt.Errorf("datasets: %s: bad shape N=%d H=%d W=%d C=%d", d.Name, d.N, d.H, d.W, d.C)
	}
	if d.Bytes != nil && d.Pixels != nil {
		return fmt.Errorf("datasets: %s: pixels held both as float32 and as bytes", d.Name)
	}
	if n := len(d.Pixels) + len(d.Bytes); n != d.N*d.ImageSize() {
		return fmt.Errorf("datasets: %s: %d pixel values for %d images of %dx%dx%d", d.Name, n, d.N, d.H, d.W, d.C)
	}
	if d.Labels != nil && len(d.Labels) != d.N {
		return fmt.Errorf("datasets: %s: %d labels for %d images", d.Name, len(d.Labels), d.N)
	}
	if d.Factors != nil && len(d.Factors) != d.N*len(d.FactorNames) {
		return fmt.Errorf("datasets: %s: %d factor values for %d images x %d factors", d.Name, len(d.Factors), d.N, len(d.FactorNames))
	}
	return nil
}

// Subset returns the first n images (all of them if n <= 0 or n >= N), sharing memory.
func (d *Images) Subset(n int) *Images {
	if n <= 0 || n >= d.N {
		return d
	}
	s := *d
	s.N = n
	if d.Bytes != nil {
		s.Bytes = d.Bytes[:n*d.ImageSize()]
	} else {
		s.Pixels = d.Pixels[:n*d.ImageSize()]
	}
	if d.Labels != nil {
		s.Labels = d.Labels[:n]
	}
	if d.Factors != nil {
		s.Factors = d.Factors[:n*len(d.FactorNames)]
	}
	return &s
}

// Channels returns a copy of channels from..from+n-1 of every image (one side of
// paired images stored as stacked channels, say), with d's labels and factors.
func (d *Images) Channels(from, n int) *Images {
	s := *d
	s.Name, s.C = fmt.Sprintf("%s/c%d-%d", d.Name, from, from+n-1), n
	if d.Bytes != nil {
		s.Bytes = make([]uint8, 0, d.N*d.H*d.W*n)
		for p := 0; p < len(d.Bytes); p += d.C {
			s.Bytes = append(s.Bytes, d.Bytes[p+from:p+from+n]...)
		}
		return &s
	}
	s.Pixels = make([]float32, 0, d.N*d.H*d.W*n)
	for p := 0; p < len(d.Pixels); p += d.C {
		s.Pixels = append(s.Pixels, d.Pixels[p+from:p+from+n]...)
	}
	return &s
}

// Select returns a copy of the images at idx, in d's storage, with their labels and
// factors.
func (d *Images) Select(idx []int) *Images {
	s := *d
	s.N, s.Pixels, s.Bytes, s.Labels, s.Factors = 0, nil, nil, nil, nil
	for _, i := range idx {
		s.AppendExample(d, i)
	}
	return &s
}

// AppendExample adds image i of src to d as AppendImage does, with its label and its
// factors where src has them (src's factors must be d's).
func (d *Images) AppendExample(src *Images, i int) {
	d.AppendImage(src, i)
	if len(src.Labels) == src.N {
		d.Labels = append(d.Labels, src.Labels[i])
	}
	if nf := len(src.FactorNames); nf > 0 && len(src.Factors) == src.N*nf {
		d.Factors = append(d.Factors, src.Factors[i*nf:(i+1)*nf]...)
	}
}

// AppendImage adds the pixels of image i of src (of d's image shape) to d, as bytes
// when src holds bytes and d is empty or holds bytes too, as float32 otherwise. Labels
// and factors are the caller's.
func (d *Images) AppendImage(src *Images, i int) {
	n := src.ImageSize()
	if src.Bytes != nil && (d.Bytes != nil || d.N == 0) {
		d.Bytes = append(d.Bytes, src.Bytes[i*n:(i+1)*n]...)
	} else {
		d.Pixels = append(d.Pixels, src.Image(i)...)
	}
	d.N++
}

// Gather copies the images at idx into one NHWC batch, and their labels if any.
func (d *Images) Gather(idx []int) (pixels []float32, labels []int32) {
	n := d.ImageSize()
	pixels = make([]float32, len(idx)*n)
	for j, i := range idx {
		if d.Bytes != nil {
			AppendLevels(pixels[j*n:j*n], d.Bytes[i*n:(i+1)*n])
		} else {
			copy(pixels[j*n:(j+1)*n], d.Pixels[i*n:(i+1)*n])
		}
	}
	if d.Labels != nil {
		labels = make([]int32, len(idx))
		for j, i := range idx {
			labels[j] = d.Labels[i]
		}
	}
	return pixels, labels
}

// Binarize samples each pixel as a Bernoulli variable with its intensity as the
// probability, in place. Drawing a new sample every time an image is seen ("dynamic
// binarization") is the standard protocol for likelihoods on MNIST: it makes the data
// truly binary for a Bernoulli decoder and acts as a regularizer.
func Binarize(rng *rand.Rand, pixels []float32) {
	for i, p := range pixels {
		if rng.Float32() < p {
			pixels[i] = 1
		} else {
			pixels[i] = 0
		}
	}
}

// Sampler yields shuffled minibatch indices as a pure function of (seed, step): batch
// number s is the same whether training ran straight through or was resumed from a
// checkpoint at step s, which keeps resumed runs reproducible.
type Sampler struct {
	N, BatchSize int
	Seed         uint64
	epoch        int
	perm         []int
}

// NewSampler returns a sampler over n items.
func NewSampler(n, batchSize int, seed uint64) *Sampler {
	return &Sampler{N: n, BatchSize: batchSize, Seed: seed, epoch: -1}
}

// Batch returns the indices of minibatch number step. Each epoch is a fresh permutation;
// a batch that would straddle two epochs takes the rest from the next one.
func (s *Sampler) Batch(step int) []int {
	idx := make([]int, s.BatchSize)
	start := step * s.BatchSize
	for j := range idx {
		pos := start + j
		idx[j] = s.permFor(pos / s.N)[pos%s.N]
	}
	return idx
}

func (s *Sampler) permFor(epoch int) []int {
	if epoch != s.epoch {
		rng := rand.New(rand.NewPCG(s.Seed, uint64(epoch)))
		s.perm = rng.Perm(s.N)
		s.epoch = epoch
	}
	return s.perm
}

// Rand returns a generator seeded by (seed, stream), the one way genlab derives
// independent reproducible random streams on the host.
func Rand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }
