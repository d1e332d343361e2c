package backend

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
)

// ExpSetting is the GODEBUG setting that keeps math.Exp fast in a SIMD build.
//
// On amd64 with FMA, math.Exp runs an assembly routine that mixes legacy SSE and VEX
// (FMA) instructions. A binary built with GOEXPERIMENT=simd runs GoMLX's AVX-512 matmul
// on the same threads, and there math.Exp was measured 3x to 25x slower, erratically
// (the cost of mixing SSE and AVX with the vector registers' upper halves in use).
// Every tanh, sigmoid, softplus and softmax of the pure-Go backend calls math.Exp per
// element: evaluating the gated PixelCNN took 35.9 s for 100 digits, 4.3 s under
// GODEBUG=cpu.fma=off, which sends math.Exp down its SSE-only path (docs/UPSTREAM.md).
// The runtime reads GODEBUG's cpu settings once, at startup: the genlab command sets it
// by re-executing itself (Reexec); scripts/setup.sh sets it in the notebook kernel and
// scripts/test.sh in the tests.
const ExpSetting = "cpu.fma=off"

// ExpSettingSet reports whether GODEBUG already says how to treat FMA (ExpSetting, or
// an explicit cpu.fma=on, which genlab respects).
func ExpSettingSet() bool { return strings.Contains(os.Getenv("GODEBUG"), "cpu.fma=") }

// SlowExp reports whether this process runs math.Exp on the path that is slow beside
// GoMLX's SIMD kernels: a GOEXPERIMENT=simd build on an amd64 CPU with FMA, without
// ExpSetting.
func SlowExp() bool { return slowExp() }

// WithExpSetting returns the environment env with ExpSetting added to its GODEBUG.
func WithExpSetting(env []string) []string {
	out := make([]string, 0, len(env)+1)
	var debug string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			debug = v
			continue
		}
		out = append(out, kv)
	}
	if debug != "" {
		debug += ","
	}
	return append(out, "GODEBUG="+debug+ExpSetting)
}

var warnOnce sync.Once

// warnSlowExp tells a user of the pure-Go backend, once, when math.Exp runs on its
// slow path: a library user's program, or a test run without scripts/test.sh.
func warnSlowExp() {
	if !SlowExp() || ExpSettingSet() {
		return
	}
	warnOnce.Do(func() {
		fmt.Fprintf(os.Stderr, "genlab: math.Exp (tanh, sigmoid, softmax) runs up to 25x slower beside GoMLX's SIMD kernels on this CPU; "+
			"run with GODEBUG=%s (see genlab's docs/UPSTREAM.md)\n", ExpSetting)
	})
}

var simdOnce sync.Once

// warnNoSIMD tells a user of the pure-Go backend on amd64, once, that the binary was
// built without GOEXPERIMENT=simd: everything works, but a plain `go build` (the easiest
// command to type) trains several times slower and nothing else would say why (the MNIST
// DCGAN on one core: 0.4 steps/s against the SIMD build's 3.7).
func warnNoSIMD() {
	if SIMD || runtime.GOARCH != "amd64" {
		return
	}
	simdOnce.Do(func() {
		fmt.Fprintln(os.Stderr, "genlab: built without GOEXPERIMENT=simd, so the pure-Go backend's matmul runs without its AVX2/AVX-512 kernels (several times slower); "+
			"build with: GOEXPERIMENT=simd go build ./cmd/genlab (docs/SETUP.md)")
	})
}
