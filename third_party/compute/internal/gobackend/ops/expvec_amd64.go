// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

//go:build amd64 && goexperiment.simd

package ops

import (
	"math"
	"simd/archsimd"
	"sync"
)

// Exp, Logistic and Tanh of float32 tensors, eight lanes at a time with AVX-512, bit
// for bit what the generic loops compute one element at a time through math.Exp and
// math.Tanh (in float64, then rounded to float32).
//
// That is possible because math.Exp on amd64 is assembly (exp_amd64.s) made of plain
// IEEE multiplies, adds and one round-to-nearest conversion, each of which the vector
// unit computes with the same rounding, lane by lane: expVec repeats its non-FMA path
// operation by operation. The FMA path (taken when the CPU has AVX and FMA and GODEBUG
// does not say cpu.fma=off, which archsimd.X86.FMA reads as math does) rounds
// differently, and there the fast loops stay off. math.Tanh is pure Go around math.Exp
// (amd64 has no assembly tanh), repeated the same way. Before the first use
// expVecExact and vecLoopsExact check the functions against math.Exp and the generic
// loops on probe inputs; the loops stay off if either finds a difference.
//
// Blocks of eight with an input outside the range where the assembly takes its common
// path (|x| > 708, NaN, infinities), and the tail of fewer than eight, go through the
// generic loops.

// expVecOK is whether the vector loops are on: AVX-512, math.Exp's non-FMA path, and
// both checks passed. It is decided at the first Exp, Logistic or Tanh of float32 (the
// checks take about 3 ms, which a program that never calls them need not pay).
var expVecOK = sync.OnceValue(func() bool {
	return archsimd.X86.AVX512() && !mathExpFMA && expVecExact() && vecLoopsExact()
})

// mathExpFMA is whether math.Exp takes exp_amd64.s's FMA path in this process.
var mathExpFMA = archsimd.X86.AVX() && archsimd.X86.FMA()

const (
	expLog2E = 1.4426950408889634073599246810018920
	expLn2U  = 0.69314718055966295651160180568695068359375
	expLn2L  = 0.28235290563031577122588448175013436025525412068e-12
	// The inputs whose exponent k = round(x·log2 e) stays in [-1021, 1023], so that
	// 2^k is a normal float64 and the assembly neither underflows nor overflows.
	expVecMin = -708.0
	expVecMax = 709.0
	// math.Tanh's cases: |x| > tanhLimit is ±1, |x| >= tanhMid goes through Exp.
	tanhLimit = 0.5 * 8.8029691931113054295988e+01
	tanhMid   = 0.625
)

// math.Tanh's rational approximation for |x| < 0.625 (Cephes), as in src/math/tanh.go.
var (
	tanhP = [...]float64{-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3}
	tanhQ = [...]float64{1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3}
)

// vecConsts are the constants of the three functions as vectors, made once per loop:
// a broadcast is two instructions the compiler does not hoist out of a loop.
type vecConsts struct {
	min, max, log2e, ln2u, ln2l, sixteenth, zero, one, minusOne, two, limit, mid archsimd.Float64x8
	taylor                                                                       [8]archsimd.Float64x8
	p, q                                                                         [3]archsimd.Float64x8
	bias                                                                         archsimd.Int64x8
}

func newVecConsts() *vecConsts {
	b := archsimd.BroadcastFloat64x8
	c := &vecConsts{
		min: b(expVecMin), max: b(expVecMax), log2e: b(expLog2E), ln2u: b(expLn2U), ln2l: b(expLn2L),
		sixteenth: b(0.0625), zero: b(0), one: b(1), minusOne: b(-1), two: b(2),
		limit: b(tanhLimit), mid: b(tanhMid), bias: archsimd.BroadcastInt64x8(0x3ff),
	}
	// exp_amd64.s's Taylor coefficients, highest first: 1/8!, 1/7!, ..., 1/2, 1.
	for i, v := range [...]float64{
		2.4801587301587301587e-5, 1.9841269841269841270e-4, 1.3888888888888888889e-3,
		8.3333333333333333333e-3, 4.1666666666666666667e-2, 1.6666666666666666667e-1,
		0.5, 1.0,
	} {
		c.taylor[i] = b(v)
	}
	for i := range 3 {
		c.p[i], c.q[i] = b(tanhP[i]), b(tanhQ[i])
	}
	return c
}

// expVec is math.Exp of each lane of x (exp_amd64.s without FMA), for lanes in
// [expVecMin, expVecMax]; ok is false when a lane is outside it (or NaN).
func (c *vecConsts) expVec(x archsimd.Float64x8) (y archsimd.Float64x8, ok bool) {
	if x.GreaterEqual(c.min).And(x.LessEqual(c.max)).ToBits() != 0xff {
		return x, false
	}
	// k = round(x·log2 e), to nearest even as CVTSD2SL does under the default MXCSR.
	k := x.Mul(c.log2e).RoundToEvenScaled(0)
	r := x.Sub(k.Mul(c.ln2u))
	r = r.Sub(k.Mul(c.ln2l))
	r = r.Mul(c.sixteenth)
	p := r.Mul(c.taylor[0])
	for _, t := range c.taylor[1:] {
		p = p.Add(t).Mul(r)
	}
	// p is now e^(r/16) - 1; squaring e^(r/16) four times, as (p+1)² - 1 = p(p+2),
	// gives e^r - 1.
	for range 4 {
		p = p.Mul(p.Add(c.two))
	}
	p = p.Add(c.one)
	scale := k.ConvertToInt64().Add(c.bias).ShiftAllLeft(52).AsFloat64x8()
	return p.Mul(scale), true
}

// logisticVec is execLogisticGeneric's float64 expression: 1/(1+e^-x) for x >= 0 and
// e^x/(1+e^x) below, both from e = exp(-|x|); ok as expVec's.
func (c *vecConsts) logisticVec(x archsimd.Float64x8) (archsimd.Float64x8, bool) {
	nonNeg := x.GreaterEqual(c.zero)
	e, ok := c.expVec(x.Mul(c.minusOne).Merge(x, nonNeg))
	if !ok {
		return x, false
	}
	d := c.one.Add(e)
	return c.one.Div(d).Merge(e.Div(d), nonNeg), true
}

// tanhVec is math.Tanh of each lane of x (no NaN): its three cases computed in every
// lane and merged.
func (c *vecConsts) tanhVec(x archsimd.Float64x8) archsimd.Float64x8 {
	neg := x.Less(c.zero)
	z := x.Mul(c.minusOne).Merge(x, neg) // |x| (-0 stays -0: it only meets comparisons)
	big := z.Greater(c.limit)
	mid := z.GreaterEqual(c.mid)
	// 0.625 <= |x| <= 44: 1 - 2/(e^{2|x|} + 1), with the sign of x. The other lanes
	// take e^0, so that expVec never refuses.
	s, _ := c.expVec(c.two.Mul(z).Merge(c.zero, mid.And(z.LessEqual(c.limit))))
	m := c.one.Sub(c.two.Div(s.Add(c.one)))
	m = m.Mul(c.minusOne).Merge(m, neg)
	// |x| < 0.625: x + x·s·P(s)/Q(s), s = x², evaluated in Go's order.
	s = x.Mul(x)
	num := c.p[0].Mul(s).Add(c.p[1]).Mul(s).Add(c.p[2])
	den := s.Add(c.q[0]).Mul(s).Add(c.q[1]).Mul(s).Add(c.q[2])
	small := x.Add(x.Mul(s).Mul(num).Div(den))
	small = x.Merge(small, x.Equal(c.zero)) // ±0 as it came
	return c.minusOne.Merge(c.one, neg).Merge(m.Merge(small, mid), big)
}

// expVecExact reports whether expVec lane by lane equals math.Exp as this process
// computes it (the non-FMA path), on inputs spread over expVec's range.
func expVecExact() bool {
	c := newVecConsts()
	var in, out [8]float64
	for i := range 256 {
		for j := range in {
			in[j] = expVecMin + (expVecMax-expVecMin)*float64(i*8+j)/2048 + 1e-3*float64(j)
		}
		y, ok := c.expVec(archsimd.LoadFloat64x8(&in))
		if !ok {
			return false
		}
		y.Store(&out)
		for j, v := range in {
			if math.Float64bits(out[j]) != math.Float64bits(math.Exp(v)) {
				return false
			}
		}
	}
	return true
}

// vecLoopsExact reports whether the three loops give what the generic ones give on
// probe inputs in every range they treat apart (under GOAMD64=v3 the compiler may
// fuse math.Tanh's multiply-adds, which tanhVec does not).
func vecLoopsExact() bool {
	in := make([]float32, 0, 12008)
	for i := range 4000 {
		v := float32(i-2000) / 40 // -50 to 50
		in = append(in, v, v*1e-3, -v*1e-5)
	}
	in = append(in, 0, float32(math.Copysign(0, -1)), 0.625, -0.625, 44, -44, 45, -45)
	for _, f := range []struct{ vec, generic func(in, out []float32) }{
		{expLoop, execExpGeneric[float32]},
		{logisticLoop, execLogisticGeneric[float32]},
		{tanhLoop, execTanhGeneric[float32]},
	} {
		a, b := make([]float32, len(in)), make([]float32, len(in))
		f.vec(in, a)
		f.generic(in, b)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return false
			}
		}
	}
	return true
}

// expFloat32Vec is execExpGeneric for float32; false if it is not available here.
func expFloat32Vec(in, out []float32) bool {
	ok := expVecOK()
	if ok {
		expLoop(in, out)
	}
	return ok
}

// logisticFloat32Vec is execLogisticGeneric for float32; false if it is not available
// here.
func logisticFloat32Vec(in, out []float32) bool {
	ok := expVecOK()
	if ok {
		logisticLoop(in, out)
	}
	return ok
}

// tanhFloat32Vec is execTanhGeneric for float32; false if it is not available here.
func tanhFloat32Vec(in, out []float32) bool {
	ok := expVecOK()
	if ok {
		tanhLoop(in, out)
	}
	return ok
}

// load8 widens eight float32s to float64.
func load8(s []float32) archsimd.Float64x8 {
	return archsimd.LoadFloat32x8Slice(s).ConvertToFloat64()
}

func expLoop(in, out []float32) {
	c := newVecConsts()
	n := len(in) &^ 7
	for i := 0; i < n; i += 8 {
		if y, ok := c.expVec(load8(in[i:])); ok {
			y.ConvertToFloat32().StoreSlice(out[i:])
		} else {
			execExpGeneric(in[i:i+8], out[i:i+8])
		}
	}
	execExpGeneric(in[n:], out[n:])
}

func logisticLoop(in, out []float32) {
	c := newVecConsts()
	n := len(in) &^ 7
	for i := 0; i < n; i += 8 {
		if y, ok := c.logisticVec(load8(in[i:])); ok {
			y.ConvertToFloat32().StoreSlice(out[i:])
		} else {
			execLogisticGeneric(in[i:i+8], out[i:i+8])
		}
	}
	execLogisticGeneric(in[n:], out[n:])
}

func tanhLoop(in, out []float32) {
	c := newVecConsts()
	n := len(in) &^ 7
	for i := 0; i < n; i += 8 {
		x := load8(in[i:])
		if x.IsNaN().ToBits() != 0 {
			execTanhGeneric(in[i:i+8], out[i:i+8])
			continue
		}
		c.tanhVec(x).ConvertToFloat32().StoreSlice(out[i:])
	}
	execTanhGeneric(in[n:], out[n:])
}
