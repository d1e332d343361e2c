package datasets_test

import (
	"context"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
	_ "github.com/genlab-go/genlab/datasets/shapes" // registers "shapes"
)

// Datasets are loaded by name from the data directory ("" is the default one:
// $GENLAB_DATA, else the user cache); a source package registers its names when it is
// imported. The shapes are drawn in code and need no file.
func ExampleLoad() {
	test, err := datasets.Load(context.Background(), "", "shapes", datasets.Test)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d images of %dx%dx%d, factors %v\n", test.N, test.H, test.W, test.C, test.FactorNames)
	// Output: 2000 images of 32x32x1, factors [shape scale rotation x y]
}
