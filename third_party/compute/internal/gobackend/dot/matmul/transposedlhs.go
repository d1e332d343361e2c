// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

package matmul

import (
	"github.com/gomlx/compute/dtypes/gotype"
	"github.com/gomlx/compute/internal/gobackend"
)

// packTransposedLHS packs the same panel as packLHS, from an lhs stored transposed
// (dot.LayoutTransposedLHS): lhsT is [contractingSize, lhsRows], so the block of
// [copyRows, contractingCols] starting at (lhsRowStart, lhsColStart) of the lhs is read
// from contractingCols rows of lhsT, kernelRows neighbouring values from each. The panel
// is [ceil(copyRows/kernelRows), contractingCols, kernelRows], the last strip padded
// with 0s, exactly as packLHS leaves it, so the kernels compute the same sums.
//
//   - lhsRows: number of rows of the lhs, the row stride of lhsT.
func packTransposedLHS[T gotype.ScalarNotComplex](
	lhsT, panel []T,
	lhsRowStart, lhsColStart, lhsRows, copyRows, contractingCols, kernelRows int) {
	panelIdx := 0
	fullStripsRows := (copyRows / kernelRows) * kernelRows
	for stripRowIdx := 0; stripRowIdx < fullStripsRows; stripRowIdx += kernelRows {
		srcIdx := lhsColStart*lhsRows + lhsRowStart + stripRowIdx
		if kernelRows == 4 {
			for range contractingCols {
				*(*[4]T)(panel[panelIdx : panelIdx+4]) = *(*[4]T)(lhsT[srcIdx : srcIdx+4])
				panelIdx += 4
				srcIdx += lhsRows
			}
			continue
		}
		for range contractingCols {
			copy(panel[panelIdx:panelIdx+kernelRows], lhsT[srcIdx:srcIdx+kernelRows])
			panelIdx += kernelRows
			srcIdx += lhsRows
		}
	}
	if validRows := copyRows - fullStripsRows; validRows > 0 {
		srcIdx := lhsColStart*lhsRows + lhsRowStart + fullStripsRows
		for range contractingCols {
			copy(panel[panelIdx:panelIdx+validRows], lhsT[srcIdx:srcIdx+validRows])
			clear(panel[panelIdx+validRows : panelIdx+kernelRows])
			panelIdx += kernelRows
			srcIdx += lhsRows
		}
	}
}

// transposeToLayoutTransposed copies operands in dot.LayoutTransposedLHS (lhs
// [batch, contracting, lhsCross], rhs [batch, contracting, rhsCross]) into
// dot.LayoutTransposed (lhs [batch, lhsCross, contracting], rhs [batch, rhsCross,
// contracting]), in buffers that release returns to the backend's pool: the transposes
// DotGeneral made before LayoutTransposedLHS, for the kernels that do not read it.
func transposeToLayoutTransposed[T gotype.Supported](backend *gobackend.Backend, lhs, rhs []T,
	batchSize, lhsCrossSize, rhsCrossSize, contractingSize int) (lhsT, rhsT []T, release func(), ok bool) {
	lhsRef, lhsT, ok := GetBuffer[T](backend, batchSize*lhsCrossSize*contractingSize)
	if !ok {
		return nil, nil, nil, false
	}
	rhsRef, rhsT, ok := GetBuffer[T](backend, batchSize*rhsCrossSize*contractingSize)
	if !ok {
		ReleaseBuffer(lhsRef)
		return nil, nil, nil, false
	}
	transposeBatch(lhs, lhsT, batchSize, contractingSize, lhsCrossSize)
	transposeBatch(rhs, rhsT, batchSize, contractingSize, rhsCrossSize)
	return lhsT, rhsT, func() { ReleaseBuffer(lhsRef); ReleaseBuffer(rhsRef) }, true
}

// transposeBatch writes dst[b, j, i] = src[b, i, j] for src [batch, rows, cols].
func transposeBatch[T gotype.Supported](src, dst []T, batch, rows, cols int) {
	for b := range batch {
		s, d := src[b*rows*cols:(b+1)*rows*cols], dst[b*rows*cols:(b+1)*rows*cols]
		for i := range rows {
			for j, v := range s[i*cols : (i+1)*cols] {
				d[j*rows+i] = v
			}
		}
	}
}
