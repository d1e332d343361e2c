// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

//go:build amd64 && goexperiment.simd

package dot_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"simd/archsimd"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/internal/gobackend"
	"github.com/gomlx/compute/internal/gobackend/dot"
	"github.com/gomlx/compute/support/testutil"
)

// TestDotGeneralTransposedLHS: a DotGeneral contracting both operands' leading axis
// (a weight gradient's, with and without a batch axis) is built in LayoutTransposedLHS
// where AVX-512 is there, and returns, bit for bit, what the same DotGeneral returns
// when it is given the operands already transposed (contracting their last axis, the
// layout it transposed them to before).
func TestDotGeneralTransposedLHS(t *testing.T) {
	if _, ok := backend.(*gobackend.Backend); !ok {
		t.Skip("Skipping test because backend is not the Go backend")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, dims := range [][4]int{{0, 3, 5, 7}, {0, 64, 288, 3136}, {2, 17, 33, 65}, {3, 40, 100, 1500}} {
		batch, n, m, k := dims[0], dims[1], dims[2], dims[3]
		for _, f64 := range []bool{false, true} {
			name := fmt.Sprintf("batch=%d,n=%d,m=%d,k=%d,float64=%v", batch, n, m, k, f64)
			lhs, rhs := randomOperand(rng, batch, k, n, f64), randomOperand(rng, batch, k, m, f64)
			var layout dot.Layout = -1
			got, err := testutil.Exec1(backend, []any{lhs, rhs}, func(f compute.Function, p []compute.Value) (compute.Value, error) {
				out, err := f.DotGeneral(p[0], []int{batchAxes(batch)}, batchList(batch), p[1], []int{batchAxes(batch)}, batchList(batch), compute.DotGeneralConfig{})
				if err == nil {
					node := out.(*gobackend.Node)
					for node.OpType != compute.OpTypeDotGeneral {
						node = node.Inputs[0]
					}
					layout = node.Data.(*dot.NodeData).Layout
				}
				return out, err
			})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want, err := testutil.Exec1(backend, []any{lhs, rhs}, func(f compute.Function, p []compute.Value) (compute.Value, error) {
				perm := []int{1, 0}
				if batch > 0 {
					perm = []int{0, 2, 1}
				}
				lt, err := f.Transpose(p[0], perm...)
				if err != nil {
					return nil, err
				}
				rt, err := f.Transpose(p[1], perm...)
				if err != nil {
					return nil, err
				}
				return f.DotGeneral(lt, []int{batchAxes(batch) + 1}, batchList(batch), rt, []int{batchAxes(batch) + 1}, batchList(batch), compute.DotGeneralConfig{})
			})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if archsimd.X86.AVX512() && layout != dot.LayoutTransposedLHS {
				t.Errorf("%s: built in layout %s, want %s", name, layout, dot.LayoutTransposedLHS)
			}
			g, w := flatBits(got), flatBits(want)
			if len(g) != len(w) || len(g) != max(batch, 1)*n*m {
				t.Fatalf("%s: %d outputs, want %d", name, len(g), len(w))
			}
			for i := range g {
				if g[i] != w[i] {
					t.Fatalf("%s: output %d differs from the transposed operands' (bits %x, want %x)", name, i, g[i], w[i])
				}
			}
		}
	}
}

func batchAxes(batch int) int { return min(batch, 1) }

func batchList(batch int) []int {
	if batch > 0 {
		return []int{0}
	}
	return nil
}

// randomOperand is a [batch,] rows x cols operand of N(0, 1) values as nested slices.
func randomOperand(rng *rand.Rand, batch, rows, cols int, f64 bool) any {
	matrix := func() any {
		if f64 {
			m := make([][]float64, rows)
			for i := range m {
				m[i] = make([]float64, cols)
				for j := range m[i] {
					m[i][j] = rng.NormFloat64()
				}
			}
			return m
		}
		m := make([][]float32, rows)
		for i := range m {
			m[i] = make([]float32, cols)
			for j := range m[i] {
				m[i][j] = float32(rng.NormFloat64())
			}
		}
		return m
	}
	if batch == 0 {
		return matrix()
	}
	first := reflect.ValueOf(matrix())
	out := reflect.MakeSlice(reflect.SliceOf(first.Type()), batch, batch)
	out.Index(0).Set(first)
	for b := 1; b < batch; b++ {
		out.Index(b).Set(reflect.ValueOf(matrix()))
	}
	return out.Interface()
}

// flatBits flattens nested slices of floats into their bit patterns.
func flatBits(v any) []uint64 {
	var bits []uint64
	var walk func(r reflect.Value)
	walk = func(r reflect.Value) {
		switch r.Kind() {
		case reflect.Slice:
			for i := range r.Len() {
				walk(r.Index(i))
			}
		case reflect.Float32:
			bits = append(bits, uint64(math.Float32bits(float32(r.Float()))))
		case reflect.Float64:
			bits = append(bits, math.Float64bits(r.Float()))
		}
	}
	walk(reflect.ValueOf(v))
	return bits
}
