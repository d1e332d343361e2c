#!/usr/bin/env bash
# Every notebook's first cell runs this (`!*bash ${GONB_DIR}/gonb_module.sh`) inside
# GoNB's temporary Go module, the one each cell is compiled in. It makes that module use
# this checkout of genlab and exactly the dependency versions genlab pins: GoNB would
# otherwise `go get` each new import at its latest version, which the module proxy here
# refuses (and which could silently upgrade GoMLX).
set -euo pipefail
root="$(cd "${GONB_DIR:?GONB_DIR is set by the GoNB kernel}/.." && pwd)"
[ -f "$root/go.mod" ] || { echo "gonb_module.sh: no go.mod in $root: run the notebooks from genlab's notebooks/ folder" >&2; exit 1; }
name="$(go list -m)"
# genlab's go.mod with this module's name, without the tool block (GoNB itself), and
# with its relative replaces (the patched backend, ./third_party/compute) made absolute:
# a replace is read relative to the go.mod it is in.
sed -e "s|^module .*|module $name|" -e '/^tool /d' -e "s|=> \./|=> $root/|" "$root/go.mod" >go.mod
go mod edit -require=github.com/genlab-go/genlab@v0.0.0 -replace=github.com/genlab-go/genlab="$root"
cp "$root/go.sum" go.sum
build="the released pure-Go backend (unpatched: go.mod has no replace of github.com/gomlx/compute)"
if grep -q '^replace github.com/gomlx/compute .*third_party/compute' go.mod; then
	build="the patched pure-Go backend (third_party/compute)"
fi
echo "genlab: notebook module uses $root ($(go env GOVERSION), GOEXPERIMENT=${GOEXPERIMENT:-none}), $build"
