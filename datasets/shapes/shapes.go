// Package shapes generates dSprites-style images in code: a white shape (square,
// ellipse or heart) on black, with known generative factors (shape, scale, rotation,
// x and y position). No file is needed, and every image's factors are known exactly,
// which is what disentanglement metrics such as MIG need.
//
// It follows dSprites (Matthey et al., 2017) at a smaller size, so that it trains on a
// laptop CPU: 32x32 pixels by default, with each factor on an evenly spaced grid.
package shapes

import (
	"context"
	"fmt"
	"math"

	"github.com/genlab-go/genlab/datasets"
)

// Factor indices, in the order of Images.Factors.
const (
	Shape = iota
	Scale
	Rotation
	PosX
	PosY
	NumFactors
)

// FactorNames names the factors in index order.
var FactorNames = []string{"shape", "scale", "rotation", "x", "y"}

// ShapeNames names the values of the Shape factor.
var ShapeNames = []string{"square", "ellipse", "heart"}

// Config sets the image size and how many values each factor takes.
type Config struct {
	Size                          int // image side in pixels
	Scales, Rotations, XPos, YPos int // values per factor (shapes are always 3)
	MinScale, MaxScale            float64
	Supersample                   int // sub-pixels per side used to decide each pixel
}

// DefaultConfig is 32x32 images with 6 scales, 8 rotations over a full turn (a square
// repeats every quarter turn, as in dSprites) and 8x8 positions: 3*6*8*8*8 = 9216
// distinct images.
func DefaultConfig() Config {
	return Config{Size: 32, Scales: 6, Rotations: 8, XPos: 8, YPos: 8, MinScale: 0.5, MaxScale: 1, Supersample: 3}
}

// Sizes returns how many values each factor takes, in factor order.
func (c Config) Sizes() []int { return []int{len(ShapeNames), c.Scales, c.Rotations, c.XPos, c.YPos} }

// Count is the number of distinct factor combinations.
func (c Config) Count() int {
	n := 1
	for _, s := range c.Sizes() {
		n *= s
	}
	return n
}

// All renders every factor combination once, in row-major factor order.
func All(c Config) (*datasets.Images, error) {
	n := c.Count()
	factors := make([]int32, n*NumFactors)
	sizes := c.Sizes()
	for i := range n {
		rem := i
		for f := NumFactors - 1; f >= 0; f-- {
			factors[i*NumFactors+f] = int32(rem % sizes[f])
			rem /= sizes[f]
		}
	}
	return render(c, factors, "shapes/all")
}

// Sample renders n images with factors drawn uniformly at random from seed.
func Sample(c Config, n int, seed uint64) (*datasets.Images, error) {
	rng := datasets.Rand(seed, 0x5ba9e5)
	sizes := c.Sizes()
	factors := make([]int32, n*NumFactors)
	for i := range n {
		for f, s := range sizes {
			factors[i*NumFactors+f] = int32(rng.IntN(s))
		}
	}
	return render(c, factors, fmt.Sprintf("shapes/seed%d", seed))
}

// Render draws the images for the given factors (len(factors) = n*NumFactors).
func Render(c Config, factors []int32) (*datasets.Images, error) { return render(c, factors, "shapes") }

func render(c Config, factors []int32, name string) (*datasets.Images, error) {
	if c.Size < 8 || c.Scales < 1 || c.Rotations < 1 || c.XPos < 1 || c.YPos < 1 || c.Supersample < 1 ||
		c.MinScale <= 0 || c.MaxScale < c.MinScale {
		return nil, fmt.Errorf("shapes: bad config %+v", c)
	}
	if len(factors)%NumFactors != 0 {
		return nil, fmt.Errorf("shapes: %d factor values is not a multiple of %d", len(factors), NumFactors)
	}
	n := len(factors) / NumFactors
	d := &datasets.Images{Name: name, N: n, H: c.Size, W: c.Size, C: 1,
		Pixels: make([]float32, n*c.Size*c.Size), Factors: factors,
		FactorNames: FactorNames, FactorSizes: c.Sizes(), Labels: make([]int32, n), Classes: ShapeNames, Binary: true}
	sizes := c.Sizes()
	for i := range n {
		f := factors[i*NumFactors : (i+1)*NumFactors]
		for k, v := range f {
			if v < 0 || int(v) >= sizes[k] {
				return nil, fmt.Errorf("shapes: image %d: factor %s = %d out of range [0,%d)", i, FactorNames[k], v, sizes[k])
			}
		}
		d.Labels[i] = f[Shape]
		draw(c, f, d.Image(i))
	}
	return d, d.Validate()
}

// grid maps index i of n values evenly onto [lo, hi].
func grid(i int32, n int, lo, hi float64) float64 {
	if n == 1 {
		return (lo + hi) / 2
	}
	return lo + (hi-lo)*float64(i)/float64(n-1)
}

func draw(c Config, f []int32, img []float32) {
	// In units of the image side: the shape's half-extent at scale 1 is 0.2, and its
	// centre stays far enough from the border that the largest shape stays inside.
	half := 0.2 * grid(f[Scale], c.Scales, c.MinScale, c.MaxScale)
	theta := 2 * math.Pi * float64(f[Rotation]) / float64(c.Rotations)
	cx := grid(f[PosX], c.XPos, 0.25, 0.75)
	cy := grid(f[PosY], c.YPos, 0.25, 0.75)
	cos, sin := math.Cos(theta), math.Sin(theta)
	ss := c.Supersample
	for py := range c.Size {
		for px := range c.Size {
			inside := 0
			for sy := range ss {
				for sx := range ss {
					x := (float64(px) + (float64(sx)+0.5)/float64(ss)) / float64(c.Size)
					y := (float64(py) + (float64(sy)+0.5)/float64(ss)) / float64(c.Size)
					// Into the shape's frame: translate, rotate by -theta, scale.
					dx, dy := x-cx, y-cy
					u, v := (cos*dx+sin*dy)/half, (-sin*dx+cos*dy)/half
					if contains(f[Shape], u, v) {
						inside++
					}
				}
			}
			// Binary images, like dSprites: a pixel is on when most of it is covered.
			if 2*inside >= ss*ss {
				img[py*c.Size+px] = 1
			}
		}
	}
}

// contains reports whether (u, v), in the shape's frame (half-extent 1), is inside.
func contains(shape int32, u, v float64) bool {
	switch shape {
	case 0: // square
		return math.Abs(u) <= 0.8 && math.Abs(v) <= 0.8
	case 1: // ellipse, elongated along u as in dSprites
		return u*u+4*v*v <= 1
	default: // heart: (x^2 + y^2 - 1)^3 - x^2 y^3 <= 0, pointing down (v grows downwards)
		x, y := u*1.15, -v*1.15+0.15
		a := x*x + y*y - 1
		return a*a*a-x*x*y*y*y <= 0
	}
}

// TestSeed draws the shapes' test split (Sample of TestSize images): one fixed set,
// whatever seed a model trains with, so that models are compared on the same images.
const (
	TestSeed = 1001
	TestSize = 2000
)

func init() {
	all := func() (*datasets.Images, error) { return All(DefaultConfig()) }
	datasets.Register(datasets.Source{
		Name: "shapes",
		// Training sees the whole grid (as dSprites models do); the test split is a
		// random sample of it, and MIG is scored over the grid.
		Load: func(_ context.Context, _ string, split datasets.Split, size int) (*datasets.Images, error) {
			if err := datasets.CheckSize("shapes", size, DefaultConfig().Size); err != nil {
				return nil, err
			}
			if split == datasets.Test {
				return Sample(DefaultConfig(), TestSize, TestSeed)
			}
			return all()
		},
		Grid:      all,
		Generated: true,
	})
}
