#!/usr/bin/env bash
# Measures genlab with GoMLX patched by patches/gomlx-VERSION-*.patch against the pinned
# GoMLX, side by side in one run (docs/UPSTREAM.md says what each patch changes):
#
#   bash scripts/upstream.sh --models diffusion,conv_vae --steps 5 --rounds 2
#
# The arguments are genlab bench's. The patches are applied to a temporary copy of the
# module, which a go.work file in a temporary directory puts in place of the pinned one:
# nothing is vendored into the repository and genlab's own build never sees them. The
# blocks' gradient sweeps, the transposed conv's adjoint test and batch norm's tests run
# against the patched copy before anything is timed.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local GOEXPERIMENT=simd GOMLX_BACKEND="${GOMLX_BACKEND:-go}"
version=$(go list -m -f '{{.Version}}' github.com/gomlx/gomlx)
src=$(go list -m -f '{{.Dir}}' github.com/gomlx/gomlx)
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
cp -r "$src" "$tmp/gomlx"
chmod -R u+w "$tmp/gomlx"
shopt -s nullglob
patches=(patches/gomlx-"$version"-*.patch)
if [ ${#patches[@]} -eq 0 ]; then
	echo "no patches for GoMLX $version in patches/" >&2
	exit 1
fi
for p in "${patches[@]}"; do
	patch -s -d "$tmp/gomlx" -p1 <"$p"
	echo "# applied $p"
done
cat >"$tmp/go.work" <<EOF
go $(sed -n 's/^go //p' go.mod)

use $PWD

replace github.com/gomlx/gomlx $version => $tmp/gomlx
EOF
GOWORK="$tmp/go.work" go test -count=1 -run 'Gradient|Adjoint|BatchNorm' ./models/blocks
mkdir -p bin
go build -o bin/genlab-pinned ./cmd/genlab
GOWORK="$tmp/go.work" go build -o bin/genlab-patched ./cmd/genlab
# Alternate the two builds, so that a machine's slow minute falls on both.
for round in 1 2; do
	for b in genlab-pinned genlab-patched; do
		echo "# round $round: $b (GoMLX $version$([ "$b" = genlab-pinned ] || echo ", patched"))"
		"bin/$b" bench "$@" | grep '^bench '
	done
done
