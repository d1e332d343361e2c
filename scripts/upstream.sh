#!/usr/bin/env bash
# Measures genlab as built (the patched backend, third_party/compute: github.com/gomlx/compute
# with patches/compute-VERSION-*.patch; docs/UPSTREAM.md says what each patch changes)
# against the released module (go.pinned.mod, go.mod without the replace), side by side
# in one run:
#
#   bash scripts/upstream.sh --models diffusion,conv_vae --steps 5 --rounds 2
#
# The arguments are genlab bench's. Before anything is timed it checks that
# third_party/compute is exactly the pinned module plus the patches
# (scripts/third_party.sh), runs the patched module's own tests (each patch's fast path
# against the loop it replaces, bit for bit) and the blocks' tests (convolutions
# against a naive loop, gradient sweeps, the transposed conv's adjoint test, batch
# norm) on both builds. It leaves bin/genlab (patched) and bin/genlab-pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local GOEXPERIMENT=simd GOMLX_BACKEND="${GOMLX_BACKEND:-go}"
bash scripts/third_party.sh
# With cpu.fma=off, as genlab runs: the vector Exp repeats math.Exp's non-FMA path and
# is off (its tests skipped) where math.Exp takes the other.
(cd third_party/compute && GOWORK=off GODEBUG=cpu.fma=off go test -count=1 ./internal/gobackend/...)
GODEBUG=cpu.fma=off go test -count=1 ./models/blocks
GODEBUG=cpu.fma=off go test -modfile=go.pinned.mod -count=1 ./models/blocks
mkdir -p bin
go build -modfile=go.pinned.mod -o bin/genlab-pinned ./cmd/genlab
go build -o bin/genlab ./cmd/genlab
# Alternate the two builds, so that a machine's slow minute falls on both.
for round in 1 2; do
	for b in genlab-pinned genlab; do
		echo "# round $round: $b"
		"bin/$b" bench "$@" | grep '^bench '
	done
done
