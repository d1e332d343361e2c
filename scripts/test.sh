#!/usr/bin/env bash
# The test command: sets up what the tests need (scripts/setup.sh: Jupyter, the GoNB
# kernel, the pinned Go tools; here, the PyTorch peer of `genlab bench`), then runs every package's tests, the notebooks
# included, built with the SIMD experiment that the pure-Go backend's fast matmul needs
# (GoMLX compiles its AVX2/AVX-512 kernels only under GOEXPERIMENT=simd; without it the
# same tests pass, about 5x slower).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
bash scripts/setup.sh
# The PyTorch peer of `genlab bench` (Debian's, no PyPI; OpenBLAS, without which it calls
# the reference BLAS and refuses to time): bench's tests run it on every case.
if ! /usr/bin/python3 -c "import torch" 2>/dev/null || ! /sbin/ldconfig -p | grep libopenblas >/dev/null; then
	echo "test: installing the PyTorch peer from Debian (python3-torch, libopenblas0; about 1 minute)"
	SUDO=""
	if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		python3-torch libopenblas0 >/dev/null
fi
export PATH="$(go env GOPATH)/bin:$PATH"
export GOEXPERIMENT="${GOEXPERIMENT:-simd}"
export GOMLX_BACKEND="${GOMLX_BACKEND:-go}"
# math.Exp's fast path beside the SIMD kernels (backend.ExpSetting; the genlab command
# sets it itself, but tests run models in the test binaries).
export GODEBUG="${GODEBUG:+$GODEBUG,}cpu.fma=off"
export GENLAB_DATA="${GENLAB_DATA:-$(cd .. && pwd)/shared/datasets}"
# The carried backend (third_party/compute, which go.mod puts in place of
# github.com/gomlx/compute): it must be exactly the pinned module plus patches/ (no
# silent drift), and its own tests, the patches' included, must pass.
bash scripts/third_party.sh
(cd third_party/compute && GOWORK=off go test -count=1 ./internal/gobackend/...)
# Our code is gofmt-clean; third_party is upstream's bytes (the check above keeps the
# patches gofmt-clean).
unformatted=$(find . -name '*.go' -not -path './third_party/*' -not -path './.git/*' -print0 | xargs -0 gofmt -l)
[ -z "$unformatted" ] || { echo "test: gofmt would change:" $unformatted >&2; exit 1; }
go vet ./...
# The GPU build (GoMLX's XLA backend, -tags xla) is vetted and compiled too, so that it
# never rots on machines without a GPU: it needs no cgo and no plugin to build.
go vet -tags xla ./backend/... ./cmd/genlab
go build -tags xla -o /dev/null ./cmd/genlab
# Every test runs: one whose data or tools are missing fails unless
# GENLAB_TEST_SKIP_MISSING=1 asks for skipping. testsum prints go test's usual lines and
# ends with one that counts what passed, was skipped (with why) and failed.
go build -o "${TMPDIR:-/tmp}/genlab-testsum" ./internal/testsum
set -o pipefail
go test -count=1 -timeout 60m -json ./... "$@" | "${TMPDIR:-/tmp}/genlab-testsum"
