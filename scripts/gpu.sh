#!/usr/bin/env bash
# The GPU checks in one go, sized to finish in under 8 minutes on one NVIDIA GPU. Build the
# XLA binary anywhere (no cgo, no GPU needed), carry it and the datasets to the GPU
# machine, and run:
#
#   go build -tags xla -o bin/genlab-xla ./cmd/genlab
#   GENLAB_DATA=/path/to/datasets bash scripts/gpu.sh bin/genlab-xla
#
# It needs a CUDA PJRT plugin, by default JAX's (pip's jax[cuda13] or jax[cuda12]; set
# GENLAB_XLA_PLUGIN=/abs/path/to/plugin.so for another), and for the peer a PyTorch with
# CUDA ($GENLAB_PYTHON, default python3). Nothing is downloaded. It writes every line
# of output, the metric lines and the wall times, to $GENLAB_GPU_OUT (gpu-results.txt):
#   1. genlab bench against the PyTorch peer on the same GPU (--device cuda);
#   2. the default conv VAE on MNIST, 30,000 steps, then genlab eval (IW-NLL, K=100);
#   3. the DCGAN on MNIST, 10,000 steps, then genlab eval (the Frechet distance).
#
# A dry run of the script's logic on a CPU: GENLAB_GPU_BACKEND=go GENLAB_GPU_PEER=cpu
# GENLAB_GPU_STEPS=20 bash scripts/gpu.sh bin/genlab (tiny budgets, numbers meaningless).
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${1:-bin/genlab-xla}"
out="${GENLAB_GPU_OUT:-gpu-results.txt}"
python="${GENLAB_PYTHON:-python3}"
peer="${GENLAB_GPU_PEER:-cuda}"
runs="${GENLAB_GPU_RUNS:-runs/gpu}"
scale="${GENLAB_GPU_STEPS:-}" # a dry run's step count for everything

die() { echo "gpu.sh: $*" >&2; exit 1; }
[ -x "$bin" ] || die "no binary $bin: go build -tags xla -o $bin ./cmd/genlab"

backend="${GENLAB_GPU_BACKEND:-}"
if [ -z "$backend" ]; then
	plugin="${GENLAB_XLA_PLUGIN:-}"
	if [ -z "$plugin" ]; then
		for m in xla_cuda13 xla_cuda12; do
			dir="$("$python" -c "import jax_plugins.$m as m, os; print(os.path.dirname(m.__file__))" 2>/dev/null)" || continue
			plugin="$dir/xla_cuda_plugin.so"
			break
		done
	fi
	[ -n "$plugin" ] && [ -f "$plugin" ] ||
		die "no CUDA PJRT plugin: install JAX with CUDA (its jax_plugins/xla_cuda13) or set GENLAB_XLA_PLUGIN=/abs/path/plugin.so"
	backend="xla:$plugin"
fi
export GOMLX_BACKEND="$backend"

vae_steps="${scale:-30000}"
gan_steps="${scale:-10000}"
bench_steps="${scale:-50}"
evalargs=()
if [ -n "$scale" ]; then evalargs=(--n 100 --k 2 --fd-n 200 --classifier "$runs/classifier" --classifier-steps 20); fi
mkdir -p "$runs"
: >"$out"
log() { echo "$*" | tee -a "$out"; }
timed() { # timed LABEL CMD...: runs CMD, appends its output and wall time to $out
	local label=$1 t0=$SECONDS
	shift
	log "\$ ${*/#$bin/genlab}"
	"$@" 2>&1 | tee -a "$out"
	log "wall_seconds $label=$((SECONDS - t0))"
}

log "# $(date -u +%FT%TZ) $(hostname), GOMLX_BACKEND=$GOMLX_BACKEND"
if command -v nvidia-smi >/dev/null; then
	log "# $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"
fi
timed bench "$bin" bench --peer pytorch --device "$peer" --python "$(command -v "$python")" \
	--models mlp_vae,conv_vae,dcgan,dcgan_bn --steps "$bench_steps" --rounds 3
rm -rf "$runs/vae" "$runs/dcgan" # fresh runs: a resume would time the rest only
timed train_vae "$bin" train vae --dataset mnist --steps "$vae_steps" --seed 1 --ckpt "$runs/vae"
timed eval_vae "$bin" eval --ckpt "$runs/vae" --dataset mnist --k 100 --probe-n 0 "${evalargs[@]}"
timed train_dcgan "$bin" train gan --dataset mnist --steps "$gan_steps" --seed 1 --ckpt "$runs/dcgan"
timed eval_dcgan "$bin" eval --ckpt "$runs/dcgan" --dataset mnist --probe-n 0 "${evalargs[@]}"
log "# done: the metric lines above, and the wall time of each step"
