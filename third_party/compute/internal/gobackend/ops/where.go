package ops

import (
	"unsafe"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/internal/gobackend"
	"github.com/gomlx/compute/shapeinference"
)

func init() {
	gobackend.RegisterWhere.Register(Where, gobackend.PriorityGeneric)
	gobackend.SetNodeExecutor(compute.OpTypeWhere, gobackend.PriorityGeneric, execWhere)
}

// Where implements the compute.Builder interface.
func Where(f *gobackend.Function, conditionOp, onTrueOp, onFalseOp compute.Value) (compute.Value, error) {
	inputs, err := f.VerifyAndCastValues("Where", conditionOp, onTrueOp, onFalseOp)
	if err != nil {
		return nil, err
	}
	condition, onTrue, onFalse := inputs[0], inputs[1], inputs[2]
	outputShape, err := shapeinference.Where(condition.Shape, onTrue.Shape, onFalse.Shape)
	if err != nil {
		return nil, err
	}
	node, _ := f.GetOrCreateNode(compute.OpTypeWhere, outputShape, []*gobackend.Node{condition, onTrue, onFalse}, nil)
	return node, nil
}

func execWhere(backend *gobackend.Backend, node *gobackend.Node, inputs []*gobackend.Buffer, inputsOwned []bool) (*gobackend.Buffer, error) {
	condition, onTrue, onFalse := inputs[0], inputs[1], inputs[2]

	// Figure out what the outputBuffer is going to be.
	outputShape := node.Shape

	var output *gobackend.Buffer
	var err error
	switch {
	case onTrue.RawShape.Equal(outputShape) && inputsOwned[1]:
		output = onTrue
		inputs[1] = nil
	case onFalse.RawShape.Equal(outputShape) && inputsOwned[2]:
		output = onFalse
		inputs[2] = nil
	default:
		output, err = backend.GetBuffer(outputShape)
		if err != nil {
			return nil, err
		}
	}
	tmpAny, tmpErr := whereDTypeMap.Get(outputShape.DType)
	if tmpErr != nil {
		panic(tmpErr)
	}
	fn := tmpAny.(func(conditionBuf, onTrueBuf, onFalseBuf, outputBuf *gobackend.Buffer))
	fn(condition, onTrue, onFalse, output)
	return output, nil
}

//gobackend:dtypemap execWhereGeneric ints,uints,floats,half,bool
var whereDTypeMap = gobackend.NewDTypeMap("Where")

func execWhereGeneric[T gobackend.SupportedTypesConstraints](conditionBuf, onTrueBuf, onFalseBuf, outputBuf *gobackend.Buffer) {
	if conditionBuf.RawShape.IsScalar() {
		// Case 1: condition is a scalar, either we take onTrue or onFalse as a whole (with potential broadcast).
		if conditionBuf.Flat.([]bool)[0] {
			execWhereSetOutputWithValue[T](outputBuf, onTrueBuf)
		} else {
			execWhereSetOutputWithValue[T](outputBuf, onFalseBuf)
		}
		return
	}

	conditionFlat := conditionBuf.Flat.([]bool)
	onTrueFlat := onTrueBuf.Flat.([]T)
	onFalseFlat := onFalseBuf.Flat.([]T)
	outputFlat := outputBuf.Flat.([]T)
	onTrueIsScalar := onTrueBuf.RawShape.IsScalar()
	onFalseIsScalar := onFalseBuf.RawShape.IsScalar()
	if whereBitsFor(conditionFlat, onTrueFlat, onFalseFlat, outputFlat, onTrueIsScalar, onFalseIsScalar) {
		return
	}
	onTrue := onTrueFlat[0]
	onFalse := onFalseFlat[0]
	for outputIdx, condition := range conditionFlat {
		if condition {
			if !onTrueIsScalar {
				onTrue = onTrueFlat[outputIdx]
			}
			outputFlat[outputIdx] = onTrue
		} else {
			if !onFalseIsScalar {
				onFalse = onFalseFlat[outputIdx]
			}
			outputFlat[outputIdx] = onFalse
		}
	}
}

func execWhereSetOutputWithValue[T gobackend.SupportedTypesConstraints](outputBuf, valueBuf *gobackend.Buffer) {
	if valueBuf == outputBuf {
		// The output is reusing the value buffer, nothing to do.
		return
	}
	if valueBuf.RawShape.Equal(outputBuf.RawShape) {
		// Copy over values.
		copy(outputBuf.Flat.([]T), valueBuf.Flat.([]T))
		return
	}
	// Value must then be a scalar:
	c := valueBuf.Flat.([]T)[0]
	outputSlice := outputBuf.Flat.([]T)
	for outputIdx := range outputSlice {
		outputSlice[outputIdx] = c
	}
}

// whereBitsFor runs Where on the bits of 4- and 8-byte elements (float32, int32, float64,
// ...) with whereBits, and returns false for other sizes, which take the loop above.
func whereBitsFor[T any](condition []bool, onTrue, onFalse, output []T, onTrueIsScalar, onFalseIsScalar bool) bool {
	var zero T
	switch unsafe.Sizeof(zero) {
	case 4:
		whereBits(condition, asBits[T, uint32](onTrue), asBits[T, uint32](onFalse), asBits[T, uint32](output),
			onTrueIsScalar, onFalseIsScalar)
	case 8:
		whereBits(condition, asBits[T, uint64](onTrue), asBits[T, uint64](onFalse), asBits[T, uint64](output),
			onTrueIsScalar, onFalseIsScalar)
	default:
		return false
	}
	return true
}

// asBits views a slice of 4- or 8-byte elements as their bits (U of the same size).
func asBits[T any, U uint32 | uint64](values []T) []U {
	return unsafe.Slice((*U)(unsafe.Pointer(unsafe.SliceData(values))), len(values))
}

// whereBits picks each output's bits from onTrue or onFalse with a mask made of the
// condition's byte (Go stores a bool as 0 or 1) instead of a branch: where the
// condition is as random as an activation's sign (GoMLX's LeakyReLU is a Where, and
// its gradient two more), a branch mispredicts about every other element, which cost
// several times the memory traffic. A scalar side is read at index 0 through an index
// mask, so that one loop serves every case. The output may be onTrue or onFalse itself:
// each index is read before it is written.
func whereBits[U uint32 | uint64](condition []bool, onTrue, onFalse, output []U, onTrueIsScalar, onFalseIsScalar bool) {
	conditionBytes := unsafe.Slice((*uint8)(unsafe.Pointer(unsafe.SliceData(condition))), len(condition))
	trueMask, falseMask := -1, -1
	if onTrueIsScalar {
		trueMask = 0
	}
	if onFalseIsScalar {
		falseMask = 0
	}
	output = output[:len(conditionBytes)]
	for i, c := range conditionBytes {
		pick := -U(c & 1)
		output[i] = onTrue[i&trueMask]&pick | onFalse[i&falseMask]&^pick
	}
}
