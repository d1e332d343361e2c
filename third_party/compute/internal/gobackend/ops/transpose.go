// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

package ops

import (
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/compute/dtypes/float16"
	"github.com/gomlx/compute/internal/gobackend"
	"github.com/gomlx/compute/shapeinference"
	"github.com/gomlx/compute/shapes"
)

func init() {
	gobackend.RegisterTranspose.Register(Transpose, gobackend.PriorityGeneric)
	gobackend.SetNodeExecutor(compute.OpTypeTranspose, gobackend.PriorityGeneric, execTranspose)
}

// Transpose axes of x.
// There must be one value in permutations for each axis in the operand.
// The output will have: output.Shape.Dimension[ii] = operand.Shape.Dimension[permutations[i]].
func Transpose(f *gobackend.Function, operandValue compute.Value, permutations ...int) (compute.Value, error) {
	opType := compute.OpTypeTranspose
	inputs, err := f.VerifyAndCastValues(opType.String(), operandValue)
	if err != nil {
		return nil, err
	}
	operand := inputs[0]

	outputShape, err := shapeinference.Transpose(operand.Shape, permutations)
	if err != nil {
		// This should have been validated during graph build, but we check again just in case.
		return nil, err
	}
	node, _ := f.GetOrCreateNode(opType, outputShape, inputs, permutations)
	return node, nil
}

// TransposeDTypeMap is used to dispatch Transpose to type-specific implementations.
// gobackend:dtypemap execTransposeGeneric ints,uints,floats,half,bool
var TransposeDTypeMap = gobackend.NewDTypeMap("Transpose")

func init() {
	TransposeDTypeMap.Register(dtypes.Float16, gobackend.PriorityTyped, execTransposeFloat16)
	TransposeDTypeMap.Register(dtypes.BFloat16, gobackend.PriorityTyped, execTransposeBFloat16)
}

// execTranspose implements Transpose.
// The output will have: output.Shape.Dimension[ii] = operand.Shape.Dimension[permutations[i]].
func execTranspose(backend *gobackend.Backend, node *gobackend.Node, inputs []*gobackend.Buffer, inputsOwned []bool) (*gobackend.Buffer, error) {
	operand := inputs[0]
	permutations := node.Data.([]int)
	_ = inputsOwned // We don't reuse the inputs.

	// We can't write to the same buffer we read from because it's not done with swaps.
	output, err := backend.GetBuffer(node.Shape)
	if err != nil {
		return nil, err
	}
	it := NewTransposeIterator(operand.RawShape, permutations)
	dtype := node.Shape.DType
	tmpAny, tmpErr := TransposeDTypeMap.Get(dtype)
	if tmpErr != nil {
		panic(tmpErr)
	}
	transposeFn := tmpAny.(func(operand, output *gobackend.Buffer, it *TransposeIterator))
	transposeFn(operand, output, it)
	return output, nil
}

// TransposeIterator creates a dynamic iterator that yields output flat indices
// for the corresponding flat index on the input operand, assuming the operand flat index is moving
// incrementally.
type TransposeIterator struct {
	flatIdx                                int
	perAxisIdx, perAxisStrides, dimensions []int
}

// NewTransposeIterator creates a dynamic iterator that yields output flat indices
// for the corresponding flat index on the input operand, assuming the operand flat index is moving
// incrementally.
func NewTransposeIterator(operand shapes.Shape, permutations []int) *TransposeIterator {
	rank := operand.Rank()

	it := &TransposeIterator{
		perAxisIdx:     make([]int, rank),
		perAxisStrides: make([]int, rank),
		dimensions:     slices.Clone(operand.Dimensions),
	}

	// First, calculate strides on the output.
	stridesOnOutput := make([]int, rank)
	stride := 1
	reversePermutations := make([]int, rank)
	for outputAxis := rank - 1; outputAxis >= 0; outputAxis-- {
		stridesOnOutput[outputAxis] = stride
		operandAxis := permutations[outputAxis]
		stride *= operand.Dimensions[operandAxis]
		reversePermutations[operandAxis] = outputAxis
	}

	// Calculate per operand axis, what is the stride on the output.
	for operandAxis := range rank {
		outputAxis := reversePermutations[operandAxis]
		it.perAxisStrides[operandAxis] = stridesOnOutput[outputAxis]
	}
	return it
}

// Next returns the next flat index in the output.
func (it *TransposeIterator) Next() int {
	// Store current flatIdx first
	nextFlatIdx := it.flatIdx

	// Cache rank to avoid repeated len() calls
	rank := len(it.perAxisIdx)

	// Use local variables for array access to avoid repeated indirection
	perAxisIdx := it.perAxisIdx
	perAxisStrides := it.perAxisStrides
	dimensions := it.dimensions

	// Handle remaining axes only when needed
	for axis := rank - 1; axis >= 0; axis-- {
		perAxisIdx[axis]++
		it.flatIdx += perAxisStrides[axis]
		if perAxisIdx[axis] < dimensions[axis] {
			// We are done.
			return nextFlatIdx
		}
		perAxisIdx[axis] = 0
		it.flatIdx -= perAxisStrides[axis] * dimensions[axis]
	}

	return nextFlatIdx
}

func execTransposeGeneric[T gobackend.SupportedTypesConstraints](operand, output *gobackend.Buffer, it *TransposeIterator) {
	operandFlat := operand.Flat.([]T)
	outputFlat := output.Flat.([]T)
	if transposeBlocks(operandFlat, outputFlat, it) {
		return
	}
	for _, value := range operandFlat {
		outputFlat[it.Next()] = value
	}
}

func execTransposeFloat16(operand, output *gobackend.Buffer, it *TransposeIterator) {
	operandFlat := operand.Flat.([]float16.Float16)
	outputFlat := output.Flat.([]float16.Float16)
	for _, value := range operandFlat {
		outputFlat[it.Next()] = value
	}
}

func execTransposeBFloat16(operand, output *gobackend.Buffer, it *TransposeIterator) {
	operandFlat := operand.Flat.([]bfloat16.BFloat16)
	outputFlat := output.Flat.([]bfloat16.BFloat16)
	for _, value := range operandFlat {
		outputFlat[it.Next()] = value
	}
}

// minTransposeRun is the shortest contiguous run that transposeBlocks copies with copy,
// and minTransposeTile the smallest side of the 2-D transposes it tiles; anything
// smaller takes TransposeIterator element by element.
const (
	minTransposeRun  = 8
	minTransposeTile = 4
	transposeTile    = 16
)

// transposeBlocks copies operand to output as the iterator's permutation says, by
// blocks instead of element by element, and returns false (having written nothing)
// where the blocks would be too small. With the size-1 axes dropped and the operand
// axes that stay neighbours in the output merged, a transpose either keeps the last
// axis last (every output row is a contiguous operand run: copy), or moves it, and
// then it is a batch of 2-D transposes between the operand's last axis and the
// output's, done in square tiles so that both sides stay in cache. Matmul gradients
// and NHWC/NCHW layout changes are all of the second kind, and the per-element
// iterator costs several times a plain copy there.
func transposeBlocks[T any](in, out []T, it *TransposeIterator) bool {
	var dims, outStrides []int
	for axis, dim := range it.dimensions {
		if dim == 0 {
			return false
		}
		if dim == 1 {
			continue
		}
		outStride := it.perAxisStrides[axis]
		if n := len(dims); n > 0 && outStrides[n-1] == outStride*dim {
			dims[n-1] *= dim
			outStrides[n-1] = outStride
			continue
		}
		dims = append(dims, dim)
		outStrides = append(outStrides, outStride)
	}
	n := len(dims)
	if n == 0 {
		return false
	}
	inStrides := make([]int, n)
	stride := 1
	for group := n - 1; group >= 0; group-- {
		inStrides[group] = stride
		stride *= dims[group]
	}
	last := n - 1
	if outStrides[last] == 1 {
		run := dims[last]
		if run < minTransposeRun {
			return false
		}
		eachTransposeOffset(dims[:last], inStrides[:last], outStrides[:last], func(i, o int) {
			copy(out[o:o+run], in[i:i+run])
		})
		return true
	}
	// b is the operand group that becomes the output's last axis.
	b := slices.Index(outStrides, 1)
	if b < 0 || dims[last] < minTransposeTile || dims[b] < minTransposeTile {
		return false
	}
	na, nb := dims[last], dims[b]
	sa, sb := outStrides[last], inStrides[b]
	otherDims := slices.Delete(slices.Clone(dims[:last]), b, b+1)
	otherIn := slices.Delete(slices.Clone(inStrides[:last]), b, b+1)
	otherOut := slices.Delete(slices.Clone(outStrides[:last]), b, b+1)
	eachTransposeOffset(otherDims, otherIn, otherOut, func(i0, o0 int) {
		for b0 := 0; b0 < nb; b0 += transposeTile {
			b1 := min(b0+transposeTile, nb)
			for a0 := 0; a0 < na; a0 += transposeTile {
				a1 := min(a0+transposeTile, na)
				for ib := b0; ib < b1; ib++ {
					o := o0 + a0*sa + ib
					for _, value := range in[i0+ib*sb+a0 : i0+ib*sb+a1] {
						out[o] = value
						o += sa
					}
				}
			}
		}
	})
	return true
}

// eachTransposeOffset calls fn with the operand and output offsets of every index of
// the groups (their dimensions and strides on either side), and once with 0, 0 where
// there are no groups.
func eachTransposeOffset(dims, inStrides, outStrides []int, fn func(in, out int)) {
	idx := make([]int, len(dims))
	in, out := 0, 0
	for {
		fn(in, out)
		group := len(dims) - 1
		for ; group >= 0; group-- {
			idx[group]++
			in += inStrides[group]
			out += outStrides[group]
			if idx[group] < dims[group] {
				break
			}
			idx[group] = 0
			in -= inStrides[group] * dims[group]
			out -= outStrides[group] * dims[group]
		}
		if group < 0 {
			return
		}
	}
}
