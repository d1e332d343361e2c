//go:build xla

// Package xla links GoMLX's XLA backend (through PJRT, for CUDA GPUs) into a genlab
// binary. It is behind the `xla` build tag because it loads a PJRT plugin at run time
// and makes the binary larger; the default build stays pure Go. It builds without cgo
// and without the plugin (scripts/test.sh compiles it on every run), so a GPU build can
// be made on any machine and carried to the GPU.
//
//	go build -tags xla -o bin/genlab ./cmd/genlab
//	GOMLX_BACKEND=xla:cuda bin/genlab train vae ...        # plugin installed by GoMLX's installer
//	GOMLX_BACKEND=xla:/abs/path/pjrt_c_api_cuda_plugin.so ... # or a plugin file by path
//
// genlab sets GOMLX_NO_AUTO_INSTALL (see package backend): the plugin is never
// downloaded behind the user's back.
package xla

import (
	_ "github.com/gomlx/go-xla/compute/xla"
)
