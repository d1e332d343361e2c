// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

package ops

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
)

// TestPadRuns checks padCopyRuns against the recursive copy it replaced, byte for
// byte, on random shapes (rank 0 to 5, empty axes included) and pads (Start and End 0
// to 3, interior 0 to 2, axes left out of the config), for 1-, 4- and 8-byte elements;
// and the spatial pad of an NHWC map whose rows it copies whole.
func TestPadRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	check := func(dims []int, elementSize int, config []compute.PadAxis) {
		t.Helper()
		n, out := elementSize, elementSize
		for axis, d := range dims {
			n *= d
			o := d
			if axis < len(config) {
				c := config[axis]
				o += c.Start + c.End
				if d > 0 {
					o += (d - 1) * c.Interior
				}
			}
			out *= o
		}
		operand := make([]byte, n)
		for i := range operand {
			operand[i] = byte(r.IntN(255) + 1)
		}
		want, got := make([]byte, out), make([]byte, out)
		if n > 0 {
			padCopyRecursive(dims, operand, want, elementSize, config)
			padCopyRuns(dims, operand, got, elementSize, config)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("dims %v, %d-byte elements, config %+v: runs differ from the recursive copy", dims, elementSize, config)
		}
	}
	for range 3000 {
		rank := r.IntN(6)
		dims := make([]int, rank)
		for i := range dims {
			dims[i] = r.IntN(5)
			if r.IntN(8) > 0 {
				dims[i]++
			}
		}
		config := make([]compute.PadAxis, r.IntN(rank+1))
		for i := range config {
			if r.IntN(3) > 0 {
				config[i] = compute.PadAxis{Start: r.IntN(4), End: r.IntN(4), Interior: r.IntN(3)}
			}
		}
		check(dims, []int{1, 4, 8}[r.IntN(3)], config)
	}
	check([]int{2, 5, 7, 3}, 4, []compute.PadAxis{{}, {Start: 1, End: 1}, {Start: 1, End: 2}})
	check([]int{2, 5, 7, 3}, 4, []compute.PadAxis{{}, {Start: 1, Interior: 1}, {End: 1, Interior: 1}})
}

// BenchmarkPad times the copy of a spatial pad (a 3x3 conv's input, [32,28,28,32]
// by 1 on each side) and of a stride-2 tap's gradient (interior 1), the runs against
// the recursive copy.
func BenchmarkPad(b *testing.B) {
	dims := []int{32, 28, 28, 32}
	operand := make([]byte, 4*32*28*28*32)
	for _, c := range []struct {
		name   string
		config []compute.PadAxis
		out    int
	}{
		{"spatial", []compute.PadAxis{{}, {Start: 1, End: 1}, {Start: 1, End: 1}}, 4 * 32 * 30 * 30 * 32},
		{"interior", []compute.PadAxis{{}, {Start: 1, Interior: 1}, {Start: 1, Interior: 1}}, 4 * 32 * 56 * 56 * 32},
	} {
		out := make([]byte, c.out)
		b.Run(c.name+"/recursive", func(b *testing.B) {
			for b.Loop() {
				padCopyRecursive(dims, operand, out, 4, c.config)
			}
		})
		b.Run(c.name+"/runs", func(b *testing.B) {
			for b.Loop() {
				padCopyRuns(dims, operand, out, 4, c.config)
			}
		})
	}
}
