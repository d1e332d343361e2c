#!/usr/bin/env bash
# Measures genlab with GoMLX patched by patches/gomlx-VERSION-*.patch (the graph
# package) and patches/compute-VERSION-*.patch (the pure-Go backend) against the pinned
# modules, side by side in one run (docs/UPSTREAM.md says what each patch changes):
#
#   bash scripts/upstream.sh --models diffusion,conv_vae --steps 5 --rounds 2
#
# The arguments are genlab bench's. The patches are applied to temporary copies of the
# modules, which a go.work file in a temporary directory puts in place of the pinned
# ones: nothing is vendored into the repository and genlab's own build never sees them.
# The patched backend's own tests (the patches add theirs) and the blocks' tests
# (convolutions against a naive loop, gradient sweeps, the transposed conv's adjoint
# test, batch norm) run against the patched copies before anything is timed.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local GOEXPERIMENT=simd GOMLX_BACKEND="${GOMLX_BACKEND:-go}"
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
# Each patched module: patches/NAME-VERSION-*.patch for the pinned VERSION of
# github.com/gomlx/NAME, applied to a copy that the go.work file puts in its place.
replaces=""
shopt -s nullglob
for name in gomlx compute; do
	mod="github.com/gomlx/$name"
	version=$(go list -m -f '{{.Version}}' "$mod")
	patches=(patches/"$name"-"$version"-*.patch)
	if [ ${#patches[@]} -eq 0 ]; then
		continue
	fi
	cp -r "$(go list -m -f '{{.Dir}}' "$mod")" "$tmp/$name"
	chmod -R u+w "$tmp/$name"
	for p in "${patches[@]}"; do
		patch -s -d "$tmp/$name" -p1 <"$p"
		echo "# applied $p to $mod $version"
	done
	replaces+="replace $mod $version => $tmp/$name"$'\n'
done
if [ -z "$replaces" ]; then
	echo "no patches in patches/ for the pinned GoMLX modules" >&2
	exit 1
fi
printf 'go %s\n\nuse %s\n\n%s' "$(sed -n 's/^go //p' go.mod)" "$PWD" "$replaces" >"$tmp/go.work"
# The patches' own tests (each checks its fast path against the loop it replaces, bit
# for bit) with the backend's tests, in the patched module itself. With cpu.fma=off, as
# genlab runs: the vector Exp repeats math.Exp's non-FMA path and is off (its tests
# skipped) where math.Exp takes the other.
if [ -d "$tmp/compute" ]; then
	(cd "$tmp/compute" && GOWORK=off GODEBUG=cpu.fma=off go test -count=1 ./internal/gobackend/...)
fi
GOWORK="$tmp/go.work" go test -count=1 ./models/blocks
mkdir -p bin
go build -o bin/genlab-pinned ./cmd/genlab
GOWORK="$tmp/go.work" go build -o bin/genlab-patched ./cmd/genlab
# Alternate the two builds, so that a machine's slow minute falls on both.
for round in 1 2; do
	for b in genlab-pinned genlab-patched; do
		echo "# round $round: $b"
		"bin/$b" bench "$@" | grep '^bench '
	done
done
