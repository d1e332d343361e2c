package blocks

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// receptiveField returns which input pixels the output of f at pixel (i, j) depends
// on: those where the gradient of the output's channel sum with respect to a random
// input [1, h, w, cin] is not zero.
func receptiveField(t *testing.T, f func(scope *model.Scope, x *graph.Node) *graph.Node, h, w, cin, i, j int) [][]bool {
	t.Helper()
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(i), uint64(j)))
	x := make([]float32, h*w*cin)
	for k := range x {
		x[k] = rng.Float32()*2 - 1
	}
	grad := model.MustNewExec(testBackend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		y := f(scope, x)
		at := graph.Slice(y, graph.AxisRange(), graph.AxisElem(i), graph.AxisElem(j), graph.AxisRange())
		return graph.Gradient(graph.ReduceAllSum(at), x)[0]
	}).MustCall(tensors.FromFlatDataAndDimensions(x, 1, h, w, cin))[0]
	g := tensors.MustCopyFlatData[float32](grad)
	field := make([][]bool, h)
	for y := range h {
		field[y] = make([]bool, w)
		for x := range w {
			for c := range cin {
				if g[(y*w+x)*cin+c] != 0 {
					field[y][x] = true
				}
			}
		}
	}
	return field
}

// drawField draws a receptive field as rows of '#' (depends) and '.' (does not), with
// the output pixel (i, j) marked 'o' where it is not in the field and 'O' where it is.
func drawField(field [][]bool, i, j int) string {
	var b strings.Builder
	for y, row := range field {
		for x, in := range row {
			switch {
			case y == i && x == j && in:
				b.WriteByte('O')
			case y == i && x == j:
				b.WriteByte('o')
			case in:
				b.WriteByte('#')
			default:
				b.WriteByte('.')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Each causal convolution reads exactly the pixels its mask says, drawn here as
// pictures: at the centre of a 5x5 image, and at a corner where the padding cuts the
// field.
func TestCausalConvFields(t *testing.T) {
	cases := []struct {
		name string
		f    func(scope *model.Scope, x *graph.Node) *graph.Node
		i, j int
		want string
	}{
		{"masked 3 A", MaskedConv{Out: 2, Kernel: 3, Mask: MaskA}.Apply, 2, 2, ".....\n.###.\n.#o..\n.....\n.....\n"},
		{"masked 3 B", MaskedConv{Out: 2, Kernel: 3, Mask: MaskB}.Apply, 2, 2, ".....\n.###.\n.#O..\n.....\n.....\n"},
		{"masked 5 A", MaskedConv{Out: 2, Kernel: 5, Mask: MaskA}.Apply, 2, 2, "#####\n#####\n##o..\n.....\n.....\n"},
		{"masked 3 A, corner", MaskedConv{Out: 2, Kernel: 3, Mask: MaskA}.Apply, 0, 4, "...#o\n.....\n.....\n.....\n.....\n"},
		{"vertical 1 A", vertical(1, MaskA), 2, 2, ".....\n.###.\n..o..\n.....\n.....\n"},
		{"vertical 1 B", vertical(1, MaskB), 2, 2, ".....\n.###.\n.#O#.\n.....\n.....\n"},
		{"vertical 2 A", vertical(2, MaskA), 2, 1, "####.\n####.\n.o...\n.....\n.....\n"},
		{"vertical 1 A, top row", vertical(1, MaskA), 0, 2, "..o..\n.....\n.....\n.....\n.....\n"},
		{"horizontal 2 A", horizontal(2, MaskA), 2, 2, ".....\n.....\n##o..\n.....\n.....\n"},
		{"horizontal 2 B", horizontal(2, MaskB), 2, 2, ".....\n.....\n##O..\n.....\n.....\n"},
		{"horizontal 1 A, left edge", horizontal(1, MaskA), 3, 0, ".....\n.....\n.....\no....\n.....\n"},
	}
	for _, c := range cases {
		if got := drawField(receptiveField(t, c.f, 5, 5, 2, c.i, c.j), c.i, c.j); got != c.want {
			t.Errorf("%s at (%d, %d): reads\n%swant\n%s", c.name, c.i, c.j, got, c.want)
		}
	}
}

func vertical(r int, m Mask) func(scope *model.Scope, x *graph.Node) *graph.Node {
	return func(scope *model.Scope, x *graph.Node) *graph.Node { return VerticalConv(scope, x, 3, r, m) }
}

func horizontal(r int, m Mask) func(scope *model.Scope, x *graph.Node) *graph.Node {
	return func(scope *model.Scope, x *graph.Node) *graph.Node { return HorizontalConv(scope, x, 3, r, m) }
}

func TestCausalMask(t *testing.T) {
	for _, c := range []struct {
		k    int
		m    Mask
		want string
	}{{3, MaskA, "111100000"}, {3, MaskB, "111110000"}, {5, MaskA, "1111111111110000000000000"}} {
		var got strings.Builder
		for _, v := range CausalMask(c.k, c.m) {
			fmt.Fprint(&got, v)
		}
		if got.String() != c.want {
			t.Errorf("CausalMask(%d, %s) = %s, want %s", c.k, c.m, got.String(), c.want)
		}
	}
}

// The gated layer's and the residual block's gradients agree with finite differences.
func TestCausalLayersGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	checkScopeGradient(t, "masked conv", MaskedConv{Out: 2, Kernel: 3, Mask: MaskA}.Apply, []int{1, 4, 4, 2}, rng)
	for _, m := range []Mask{MaskA, MaskB} {
		checkScopeGradient(t, "gated layer "+m.String(), func(scope *model.Scope, x *graph.Node) *graph.Node {
			v, h := GatedLayer{Filters: 2, Reach: 1, Mask: m}.Apply(scope, x, x)
			return graph.Concatenate([]*graph.Node{v, h}, -1)
		}, []int{1, 4, 5, 2}, rng)
	}
	checkScopeGradient(t, "pixel residual", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return PixelResidual(scope, x, 3)
	}, []int{1, 4, 4, 4}, rng)
}
