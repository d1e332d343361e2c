package lab_test

import (
	"fmt"

	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/lab"
)

// A grid of images is what every figure of the course starts from: here 16 shapes in
// rows of 8, each pixel drawn 2x2 with a 1-pixel border between cells. In a notebook,
// lab.MustShow(img) displays it; elsewhere lab.WritePNG saves it.
func ExampleGrid() {
	d, err := shapes.Sample(shapes.DefaultConfig(), 16, 1)
	if err != nil {
		panic(err)
	}
	img := lab.Grid(d.Pixels, d.N, d.H, d.W, d.C, 8, 2)
	fmt.Println(img.Bounds().Dx(), "x", img.Bounds().Dy(), "pixels")
	// Output: 521 x 131 pixels
}

// Spherical interpolation keeps the length of Gaussian codes, which linear
// interpolation shrinks in the middle of the path (notebooks 03 and 05).
func ExampleSlerp() {
	a, b := []float32{3, 0}, []float32{0, 3}
	fmt.Printf("lerp  %.2f\n", lab.Norms(lab.Lerp(a, b, 3)))
	fmt.Printf("slerp %.2f\n", lab.Norms(lab.Slerp(a, b, 3)))
	// Output:
	// lerp  [3.00 2.12 3.00]
	// slerp [3.00 3.00 3.00]
}
