#!/usr/bin/env bash
# Starts the lab: sets up Jupyter and the GoNB kernel (scripts/setup.sh), then opens the
# course notebooks. Extra arguments go to jupyter (e.g. --no-browser --port 8888).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
bash scripts/setup.sh
export PATH="$(go env GOPATH)/bin:$PATH"
# Notebooks write their checkpoints under notebooks/runs/ (or $GENLAB_RUNS).
exec jupyter notebook --notebook-dir=notebooks "$@"
