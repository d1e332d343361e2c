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

// Images is an in-memory image set: float32 pixels in [0, 1], NHWC, with optional labels
// and, for synthetic data, the generative factors of each image.
type Images struct {
	Name       string
	N, H, W, C int
	Pixels     []float32 // N*H*W*C, row-major NHWC
	Labels     []int32   // N class labels, or nil
	Classes    []string  // class names, indexed by label
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

// Image returns the pixels of image i (a view, not a copy).
func (d *Images) Image(i int) []float32 {
	n := d.ImageSize()
	return d.Pixels[i*n : (i+1)*n]
}

// Validate checks that the sizes agree.
func (d *Images) Validate() error {
	if d.N <= 0 || d.H <= 0 || d.W <= 0 || d.C <= 0 {
		return fmt.Errorf("datasets: %s: bad shape N=%d H=%d W=%d C=%d", d.Name, d.N, d.H, d.W, d.C)
	}
	if len(d.Pixels) != d.N*d.ImageSize() {
		return fmt.Errorf("datasets: %s: %d pixel values for %d images of %dx%dx%d", d.Name, len(d.Pixels), d.N, d.H, d.W, d.C)
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
	s.Pixels = d.Pixels[:n*d.ImageSize()]
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
	s.Pixels = make([]float32, 0, d.N*d.H*d.W*n)
	for p := 0; p < len(d.Pixels); p += d.C {
		s.Pixels = append(s.Pixels, d.Pixels[p+from:p+from+n]...)
	}
	return &s
}

// Gather copies the images at idx into one NHWC batch, and their labels if any.
func (d *Images) Gather(idx []int) (pixels []float32, labels []int32) {
	n := d.ImageSize()
	pixels = make([]float32, len(idx)*n)
	for j, i := range idx {
		copy(pixels[j*n:(j+1)*n], d.Image(i))
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
