// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

//go:build !(amd64 && goexperiment.simd)

package ops

// Without AVX-512 vectors the generic loops compute Exp, Logistic and Tanh.

func expFloat32Vec(in, out []float32) bool      { return false }
func logisticFloat32Vec(in, out []float32) bool { return false }
func tanhFloat32Vec(in, out []float32) bool     { return false }
