#!/usr/bin/env bash
# The test command: every package's tests, built with the SIMD experiment that the
# pure-Go backend's fast matmul needs (GoMLX compiles its AVX2/AVX-512 kernels only
# under GOEXPERIMENT=simd; without it the same tests pass, about 5x slower).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT="${GOEXPERIMENT:-simd}"
export GOMLX_BACKEND="${GOMLX_BACKEND:-go}"
export GENLAB_DATA="${GENLAB_DATA:-$(cd .. && pwd)/shared/datasets}"
go vet ./...
go test -count=1 -timeout 45m ./... "$@"
