#!/usr/bin/env bash
# Starts the lab: sets up Jupyter and the GoNB kernel (scripts/setup.sh), then opens the
# course notebooks. Arguments go to Jupyter, e.g. --port 8888, or for a remote or
# headless machine --no-browser --ip 0.0.0.0 (then open the printed URL, token
# included, from your own browser).
#
# The notebooks read datasets from $GENLAB_DATA. Unset, it is the shared datasets
# folder beside the checkout (../shared/datasets, what the tests use) when there is
# one, else ~/.cache/genlab/datasets, where MNIST and Fashion-MNIST download on first
# use and UTKFace must be copied by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
bash scripts/setup.sh
export PATH="$(go env GOPATH)/bin:$PATH"

if [ -z "${GENLAB_DATA:-}" ] && [ -d ../shared/datasets ]; then
	export GENLAB_DATA="$(cd ../shared/datasets && pwd)"
fi
echo "lab: datasets from ${GENLAB_DATA:-$HOME/.cache/genlab/datasets (the default)}"
if [ -z "${GENLAB_DATA:-}" ]; then
	echo "lab: to use a folder of datasets instead: GENLAB_DATA=/path/to/datasets bash scripts/lab.sh"
fi
# Notebooks write their checkpoints under notebooks/runs/ (or $GENLAB_RUNS). Lecture
# mode: $GENLAB_CHECKPOINTS (the course image sets it) holds the course's runs, trained
# at full budget; each one the runs folder lacks is copied in, so that a notebook goes
# straight to its figures. The learner's own runs are never overwritten.
if [ -n "${GENLAB_CHECKPOINTS:-}" ]; then
	bash scripts/seed-runs.sh "$GENLAB_CHECKPOINTS" "${GENLAB_RUNS:-notebooks/runs}"
fi

args=(--notebook-dir=notebooks)
# Jupyter refuses to start as root without --allow-root (a container, a fresh VM).
if [ "$(id -u)" = 0 ]; then args+=(--allow-root); fi
# No display to open a browser on: print the URL instead of failing to open one.
if [ -z "${DISPLAY:-}" ] && [ "$(uname)" != Darwin ]; then args+=(--no-browser); fi
exec jupyter notebook "${args[@]}" "$@"
