// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

//go:build amd64 && goexperiment.simd

package ops

import (
	"math"
	"math/rand/v2"
	"simd/archsimd"
	"testing"
)

// expVecInputs are float32s of every kind: any bit pattern (NaNs, infinities,
// subnormals), and dense draws where the loops take their vector paths and where their
// cases meet (tanh's 0.625 and 44, expVec's -708 and 709 after widening).
func expVecInputs(n int) []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	var in []float32
	for range n {
		in = append(in, math.Float32frombits(r.Uint32()))
		in = append(in, float32(r.NormFloat64()*20), float32(r.NormFloat64()), float32(r.NormFloat64()*1e-4))
		in = append(in, float32(0.625+r.NormFloat64()*1e-3), float32(44+r.NormFloat64()*0.1), float32(-708+r.NormFloat64()*2), float32(709+r.NormFloat64()*2))
		in = append(in, float32(r.Float64()*1600-800))
	}
	in = append(in, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
	// Shuffle, so that blocks of eight mix the cases and the rare ones make blocks fall back.
	r.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
	return in
}

// TestExpVec checks the AVX-512 Exp, Logistic and Tanh of float32 against the generic
// loops bit for bit, on inputs of every kind, with lengths that leave a tail.
func TestExpVec(t *testing.T) {
	if !archsimd.X86.AVX512() {
		t.Skip("no AVX-512")
	}
	if mathExpFMA {
		t.Skip("math.Exp takes its FMA path in this process (GODEBUG=cpu.fma=off makes it take the one expVec repeats)")
	}
	if !expVecExact() {
		t.Fatal("expVec differs from math.Exp on expVecExact's probes")
	}
	if !expVecOK() {
		t.Fatal("the loops are off: vecLoopsExact found a difference from the generic ones")
	}
	in := expVecInputs(20000)
	for _, f := range []struct {
		name         string
		vec, generic func(in, out []float32)
	}{
		{"exp", expLoop, execExpGeneric[float32]},
		{"logistic", logisticLoop, execLogisticGeneric[float32]},
		{"tanh", tanhLoop, execTanhGeneric[float32]},
	} {
		for _, n := range []int{len(in), len(in) - 3, 7, 0} {
			a, b := make([]float32, n), make([]float32, n)
			f.vec(in[:n], a)
			f.generic(in[:n], b)
			bad := 0
			for i := range a {
				same := math.Float32bits(a[i]) == math.Float32bits(b[i]) || (math.IsNaN(float64(a[i])) && math.IsNaN(float64(b[i])))
				if !same {
					if bad++; bad <= 5 {
						t.Errorf("%s(%g) = %g (%#x), generic %g (%#x)", f.name, in[i], a[i], math.Float32bits(a[i]), b[i], math.Float32bits(b[i]))
					}
				}
			}
			if bad > 0 {
				t.Errorf("%s: %d of %d differ", f.name, bad, n)
			}
		}
	}
}

// TestExpVecFloat64 checks the vector functions before their rounding to float32,
// where a difference of one float64 bit would hardly ever show: expVec against
// math.Exp, logisticVec against the generic loop's float64 expression, tanhVec against
// math.Tanh, on float64 inputs of every magnitude in their ranges.
func TestExpVecFloat64(t *testing.T) {
	if !archsimd.X86.AVX512() {
		t.Skip("no AVX-512")
	}
	if mathExpFMA {
		t.Skip("math.Exp takes its FMA path in this process (GODEBUG=cpu.fma=off makes it take the one expVec repeats)")
	}
	if !expVecExact() {
		t.Fatal("expVec differs from math.Exp on expVecExact's probes")
	}
	logistic := func(x float64) float64 {
		if x >= 0 {
			return 1.0 / (1.0 + math.Exp(-x))
		}
		e := math.Exp(x)
		return e / (1.0 + e)
	}
	c := newVecConsts()
	r := rand.New(rand.NewPCG(5, 6))
	var in, out [8]float64
	bad := 0
	check := func(name string, f func(float64) float64) {
		for j, v := range in {
			if math.Float64bits(out[j]) != math.Float64bits(f(v)) {
				if bad++; bad <= 5 {
					t.Errorf("%s(%v) = %v, want %v", name, v, out[j], f(v))
				}
			}
		}
	}
	for i := range 200000 {
		for j := range in {
			switch (i + j) % 4 {
			case 0:
				in[j] = r.Float64()*(expVecMax-expVecMin) + expVecMin
			case 1:
				in[j] = min(max(r.NormFloat64()*math.Pow(10, float64(r.IntN(12)-8)), expVecMin), expVecMax)
			case 2:
				in[j] = tanhMid * (1 + r.NormFloat64()*1e-6) * float64(1-2*r.IntN(2))
			default:
				in[j] = (tanhLimit + r.NormFloat64()*1e-3) * float64(1-2*r.IntN(2))
			}
		}
		x := archsimd.LoadFloat64x8(&in)
		y, ok := c.expVec(x)
		if !ok {
			t.Fatalf("expVec refused %v", in)
		}
		y.Store(&out)
		check("exp", math.Exp)
		if y, ok = c.logisticVec(x); ok {
			y.Store(&out)
			check("logistic", logistic)
		}
		c.tanhVec(x).Store(&out)
		check("tanh", math.Tanh)
	}
	// The cases' edges exactly, and signed zeros.
	in = [8]float64{tanhMid, -tanhMid, tanhLimit, -tanhLimit, 0, math.Copysign(0, -1), expVecMin, expVecMax}
	x := archsimd.LoadFloat64x8(&in)
	y, _ := c.expVec(x)
	y.Store(&out)
	check("exp", math.Exp)
	c.tanhVec(x).Store(&out)
	check("tanh", math.Tanh)
	in = [8]float64{expVecMin - 1, 0, 0, 0, 0, 0, 0, math.NaN()}
	if _, ok := c.expVec(archsimd.LoadFloat64x8(&in)); ok {
		t.Error("expVec took a lane below its range")
	}
}

// BenchmarkExpVec times the three loops against the generic ones on a typical
// activation (64K values, normal with standard deviation 3).
func BenchmarkExpVec(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	in := make([]float32, 1<<16)
	for i := range in {
		in[i] = float32(r.NormFloat64() * 3)
	}
	out := make([]float32, len(in))
	for _, f := range []struct {
		name string
		fn   func(in, out []float32)
	}{
		{"exp/generic", execExpGeneric[float32]}, {"exp/vec", expLoop},
		{"logistic/generic", execLogisticGeneric[float32]}, {"logistic/vec", logisticLoop},
		{"tanh/generic", execTanhGeneric[float32]}, {"tanh/vec", tanhLoop},
	} {
		b.Run(f.name, func(b *testing.B) {
			b.SetBytes(int64(4 * len(in)))
			for b.Loop() {
				f.fn(in, out)
			}
		})
	}
}
