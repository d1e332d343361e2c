#!/usr/bin/env bash
# Installs what the lab and the tests need, idempotently, on Debian 12 with Go 1.26:
# Jupyter and Chromium's headless shell from Debian (no PyPI), the GoNB kernel pinned in
# go.mod as a tool, goimports and gopls at pinned versions, and the kernel's environment
# (GOEXPERIMENT=simd, so that notebook cells get GoMLX's SIMD matmul; PATH with the Go
# tools the kernel runs).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

GOIMPORTS_VERSION=v0.52.0 # golang.org/x/tools; newer ones need Go 1.27
GOPLS_VERSION=v0.23.0     # gopls v0.24 needs Go 1.27

say() { echo "setup: $*"; }

# Chromium's headless shell opens the rendered course in the notebook test (it checks
# that every figure draws).
if ! command -v jupyter-nbconvert >/dev/null || ! /usr/bin/python3 -c 'import nbclient, ipykernel, notebook' 2>/dev/null ||
	! command -v chromium-headless-shell >/dev/null; then
	say "installing Jupyter and Chromium's headless shell from Debian (about 1 minute)"
	SUDO=""
	if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		jupyter-notebook jupyter-nbconvert jupyter-client python3-ipykernel python3-nbclient \
		chromium-headless-shell >/dev/null
fi

GOBIN="$(go env GOPATH)/bin"
export PATH="$GOBIN:$PATH"
go mod download
# GoNB is pinned in go.mod's tool block: `go install github.com/janpfeifer/gonb@v` asks
# the proxy for a version list, which this environment refuses.
go install tool
if [ ! -x "$GOBIN/goimports" ]; then
	(cd / && go install "golang.org/x/tools/cmd/goimports@$GOIMPORTS_VERSION")
fi
if [ ! -x "$GOBIN/gopls" ]; then
	say "installing gopls $GOPLS_VERSION (about 1 minute)"
	(cd / && go install "golang.org/x/tools/gopls@$GOPLS_VERSION")
fi
gonb --install >/dev/null 2>&1 || { gonb --install; exit 1; }

# The kernel's environment: GoNB builds every cell with `go build`, so GOEXPERIMENT here
# reaches every notebook; the kernel also runs goimports and gopls from PATH. GOMEMLIMIT
# is a soft limit for each cell's program (the genlab command sets the same): the Go
# collector runs before its default slack, twice the live heap, carries a cell that
# loads a dataset past the 2 GiB a notebook may use. GODEBUG=cpu.fma=off keeps math.Exp
# (every tanh, sigmoid and softmax) on its fast path beside GoMLX's SIMD kernels
# (backend.ExpSetting; up to 25x on this project's CPUs).
KERNEL="$(/usr/bin/python3 -c 'import jupyter_core.paths as p; print(p.jupyter_data_dir())')/kernels/gonb/kernel.json"
/usr/bin/python3 - "$KERNEL" "$GOBIN" <<'PY'
import json, os, sys
path, gobin = sys.argv[1], sys.argv[2]
spec = json.load(open(path))
env = spec.setdefault("env", {})
env["GOEXPERIMENT"] = "simd"
env["GOTOOLCHAIN"] = "local"
env["GOMEMLIMIT"] = "1280MiB"
env["GODEBUG"] = "cpu.fma=off"
env["PATH"] = gobin + os.pathsep + os.environ.get("PATH", "/usr/local/go/bin:/usr/bin:/bin")
json.dump(spec, open(path, "w"), indent=1)
PY
say "GoNB $(gonb -V 2>&1 | head -1) kernel installed in $KERNEL"
