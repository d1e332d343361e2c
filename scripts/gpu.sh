#!/usr/bin/env bash
# The GPU checks in one go, on one NVIDIA GPU. Build the XLA binary anywhere (no cgo, no
# GPU needed), carry it and the datasets to the GPU machine, and run:
#
#   go build -tags xla -o bin/genlab-xla ./cmd/genlab
#   GENLAB_DATA=/path/to/datasets bash scripts/gpu.sh bin/genlab-xla [PART...]
#
# It needs a CUDA PJRT plugin, by default JAX's (pip's jax[cuda13] or jax[cuda12]; set
# GENLAB_XLA_PLUGIN=/abs/path/to/plugin.so for another), and for the peer a PyTorch with
# CUDA ($GENLAB_PYTHON, default python3). Nothing is downloaded. It writes every line
# of output, the metric lines and the wall times, to $GENLAB_GPU_OUT (gpu-results.txt).
# The parts (default: all four, run in this order):
#   bench    genlab bench against the PyTorch peer on the same GPU (--device cuda, eager),
#            on fixed synthetic batches;
#   mnist    the default conv VAE on MNIST, 30,000 steps, then genlab eval (IW-NLL, K=100);
#            the DCGAN on MNIST, 10,000 steps, then genlab eval (the Frechet distance);
#   maps     image-to-image at a GPU's scale: CycleGAN on the unpaired maps at 64x64 for
#            $GENLAB_GPU_CYCLEGAN_SECONDS (150) of training, its step count set from a
#            short bench so the learning-rate schedule (held for half, decayed to 0 over
#            the other half) ends with the budget; then pix2pix at 256x256 for
#            $GENLAB_GPU_PIX2PIX_MINUTES (1). Each is evaluated on the held-out pairs and
#            drawn as a figure ($GENLAB_GPU_FIGURES, default $runs: cyclegan-maps.png,
#            pix2pix-256.png);
#   compile  genlab bench --compile: the bench's first four cases against the peer under
#            torch.compile, the stronger anchor (GENLAB_GPU_COMPILE_MODELS to choose).
# bench and compile need no data, mnist reads mnist/, maps reads maps/. Seen on an H200
# (2026-12-04; README, "On a GPU"): CycleGAN trained 5,600 steps in 3 minutes and its
# evaluation (with the feature classifier's 2,000 steps) took 65 s; pix2pix at 256 had
# not finished preparing its data and compiling after 100 s, so give maps 6 minutes.
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
figures="${GENLAB_GPU_FIGURES:-$runs}"
scale="${GENLAB_GPU_STEPS:-}" # a dry run's step count for everything
parts="${*:2}"
parts="${parts:-bench mnist maps compile}"
for part in $parts; do
	case "$part" in bench | mnist | compile | maps) ;; *) echo "gpu.sh: unknown part $part (bench, mnist, maps, compile)" >&2; exit 1 ;; esac
done
want() { [[ " $parts " == *" $1 "* ]]; }

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
bench_steps="${scale:-200}"
evalargs=()
if [ -n "$scale" ]; then evalargs=(--n 100 --k 2 --fd-n 200 --classifier "$runs/classifier" --classifier-steps 20); fi
mkdir -p "$runs" "$figures"
: >"$out"
log() { echo "$*" | tee -a "$out"; }
failed=()
timed() { # timed LABEL CMD...: runs CMD, appends its output and wall time to $out; a
	# failure is logged and the checks go on (the exit status says so at the end), since
	# a GPU machine's time is too dear to lose the later checks to an early one.
	local label=$1 t0=$SECONDS
	shift
	log "\$ ${*/#$bin/genlab}"
	if ! "$@" 2>&1 | tee -a "$out"; then
		log "FAILED $label"
		failed+=("$label")
	fi
	log "wall_seconds $label=$((SECONDS - t0))"
}

log "# $(date -u +%FT%TZ) $(hostname), GOMLX_BACKEND=$GOMLX_BACKEND"
if command -v nvidia-smi >/dev/null; then
	log "# $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"
fi
if want bench; then
	# One round of 200 steps: three rounds of 50 made this part 343 s on the H200 machine
	# (2026-12-04), when each round started the peer afresh (importing torch and opening
	# CUDA; most of the 343 s went to those 18 starts). The peer now keeps one process per case, and one round of
	# more steps leaves the GPU's minutes to the training parts.
	timed bench "$bin" bench --peer pytorch --device "$peer" --python "$(command -v "$python")" \
		--models mlp_vae,conv_vae,dcgan,dcgan_bn,pix2pix,cyclegan --steps "$bench_steps" --rounds 1
fi
if want mnist; then
	rm -rf "$runs/vae" "$runs/dcgan" # fresh runs: a resume would time the rest only
	timed train_vae "$bin" train vae --dataset mnist --steps "$vae_steps" --seed 1 --ckpt "$runs/vae"
	timed eval_vae "$bin" eval --ckpt "$runs/vae" --dataset mnist --k 100 --probe-n 0 "${evalargs[@]}"
	timed train_dcgan "$bin" train gan --dataset mnist --steps "$gan_steps" --seed 1 --ckpt "$runs/dcgan"
	timed eval_dcgan "$bin" eval --ckpt "$runs/dcgan" --dataset mnist --probe-n 0 "${evalargs[@]}"
fi
if want maps; then
	# CycleGAN's step count from its measured rate, so the schedule ends with the budget;
	# the data pipeline runs beside the GPU, so take 80% of the bench's rate, and
	# --minutes stops the run at the budget in any case.
	# (GENLAB_GPU_CYCLEGAN_STEPS sets the count instead, from a bench already run.)
	seconds="${GENLAB_GPU_CYCLEGAN_SECONDS:-150}"
	cg_steps="${scale:-${GENLAB_GPU_CYCLEGAN_STEPS:-}}"
	if [ -z "$cg_steps" ]; then
		rate="$("$bin" bench --models cyclegan --steps 50 --rounds 1 | sed -n 's/.*genlab_steps_per_s=\([0-9.]*\).*/\1/p')"
		[ -n "$rate" ] || die "no CycleGAN rate from genlab bench"
		cg_steps="$(awk -v r="$rate" -v s="$seconds" 'BEGIN { n = int(0.8 * r * s / 100) * 100; print (n < 200 ? 200 : n) }')"
		log "# CycleGAN at $rate steps/s (bench): $cg_steps steps for $seconds s"
	fi
	rm -rf "$runs/cyclegan-maps" "$runs/pix2pix-256"
	timed train_cyclegan "$bin" train cyclegan --dataset maps-unpaired --steps "$cg_steps" \
		--set HoldSteps=$((cg_steps / 2)) --set DecaySteps=$((cg_steps - cg_steps / 2)) \
		--minutes "$(awk -v s="$seconds" 'BEGIN { print s / 60 * 1.2 }')" --seed 1 --ckpt "$runs/cyclegan-maps"
	timed eval_cyclegan "$bin" eval --ckpt "$runs/cyclegan-maps" --dataset maps \
		--classifier "$runs/classifier-maps-rotations" --classifier-steps "${scale:-2000}"
	timed sample_cyclegan "$bin" sample --ckpt "$runs/cyclegan-maps" --dataset maps --n 48 --out "$figures/cyclegan-maps.png"
	timed train_pix2pix_256 "$bin" train pix2pix --dataset maps --size 256 --steps "${scale:-100000}" \
		--minutes "${GENLAB_GPU_PIX2PIX_MINUTES:-1}" --seed 1 --ckpt "$runs/pix2pix-256"
	timed eval_pix2pix_256 "$bin" eval --ckpt "$runs/pix2pix-256" --dataset maps --size 256 --classifier-steps 0
	timed sample_pix2pix_256 "$bin" sample --ckpt "$runs/pix2pix-256" --dataset maps --size 256 --n 16 --out "$figures/pix2pix-256.png"
fi
if want compile; then
	# torch.compile, the stronger anchor, side by side with genlab as the bench part is:
	# one peer process per case, its compilation paid in the warm-up steps.
	timed compile "$bin" bench --peer pytorch --device "$peer" --compile --python "$(command -v "$python")" \
		--models "${GENLAB_GPU_COMPILE_MODELS:-mlp_vae,conv_vae,dcgan,dcgan_bn}" \
		--steps "$bench_steps" --warmup "$([ -z "$scale" ] && echo 10 || echo 2)" --rounds 1
fi
log "# done: the metric lines above, and the wall time of each step"
[ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]}"
