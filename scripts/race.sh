#!/usr/bin/env bash
# genlab against its PyTorch peer at equal wall time: what a learner gets from the same
# minutes of CPU, not only per step. The command's default conv VAE and DCGAN on MNIST,
# each trained for MINUTES minutes by `genlab train --minutes` and by the same model in
# PyTorch (bench/peer.py --race), one after the other on the same cores, then scored the
# same way: the VAE by its importance-weighted test NLL (K = 100) on the same 2,000 test
# digits binarized once (genlab writes them, the peer reads them), the DCGAN by the
# Frechet distance of 10,000 samples in the features of the lab's MNIST classifier,
# beside the floor (the peer writes its samples, genlab scores them). The peer builds
# genlab's models as the command's defaults make them: He-initialized (peer.py --init
# he; PyTorch's own default starts another model, which learns at another rate per step)
# and the conv VAE's LeakyReLU at GoMLX's slope 0.3 (peer.py's default --leak). Races
# before 2026-12-03 ran the peer's PyTorch initialization and, for the VAE, slope 0.01
# (docs/BENCHMARKS.md).
#
#   bash scripts/race.sh [MINUTES [MODEL...]]   # default 10, conv_vae dcgan: about 50 minutes on 2 cores
#   bash scripts/race.sh 10 dcgan               # one model: about 27 minutes
#
# The peer is Debian's PyTorch with OpenBLAS (apt-get install python3-torch libopenblas0;
# without OpenBLAS it calls the reference BLAS and the peer refuses to run); $PYTHON
# picks another.
# Everything lands in runs/race-MINUTESmin/ (checkpoints, samples, results.txt), and the
# last lines printed are the comparison: one `race` line per model and side.
#
#   GENLAB=bin/genlab-pinned bash scripts/race.sh 10 dcgan
#
# races a binary already built instead of building bin/genlab (the patched backend every
# build here links): scripts/upstream.sh leaves genlab with the released backend in
# bin/genlab-pinned. Its runs land in runs/race-MINUTESmin-NAME/, NAME the binary's.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
shift || true
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(conv_vae dcgan)
for m in "${models[@]}"; do
	case $m in
	conv_vae | dcgan) ;;
	*)
		echo "race: unknown model $m (conv_vae or dcgan)" >&2
		exit 2
		;;
	esac
done
export GOTOOLCHAIN=local GOEXPERIMENT=simd GOMLX_BACKEND="${GOMLX_BACKEND:-go}"
python=${PYTHON:-/usr/bin/python3}
if ! "$python" -c 'import torch, numpy' 2>/dev/null; then
	echo "race: $python has no PyTorch and NumPy (apt-get install python3-torch libopenblas0, or set PYTHON)" >&2
	exit 1
fi
# Before any training: a peer on the reference BLAS would refuse after genlab's minutes.
blas=$("$python" -c 'import sys; sys.path.insert(0, "bench"); import peer; print(peer.blas())')
if [ "$blas" = reference ]; then
	echo "race: $python's PyTorch calls the reference BLAS: apt-get install libopenblas0 (or set PYTHON)" >&2
	exit 1
fi
bin=${GENLAB:-}
if [ -z "$bin" ]; then
	mkdir -p bin
	go build -o bin/genlab ./cmd/genlab
	bin=bin/genlab
elif [ ! -x "$bin" ]; then
	echo "race: GENLAB=$bin is not an executable (scripts/upstream.sh builds bin/genlab-pinned)" >&2
	exit 1
fi
# The peer reads the same IDX files genlab verified, from genlab's data directory.
data=$("$bin" data --dataset mnist | sed -n 's/^ok mnist\/train: .*checksums verified (\(.*\))$/\1/p')
if [ -z "$data" ]; then
	echo "race: MNIST is not in genlab's data directory (see genlab data)" >&2
	exit 1
fi
out=runs/race-${minutes}min${GENLAB:+-$(basename "$bin")}
seconds=$(awk -v m="$minutes" 'BEGIN { print m * 60 }')
mkdir -p "$out"
log=$out/results.txt
# Appended: a race of one model keeps the other's lines. Each model's run starts from
# nothing (a checkpoint left in its folder would resume).
echo "# $(date -u +%FT%TZ), $(nproc) cores, $(go version | cut -d' ' -f3-), $bin, torch with BLAS $blas, $minutes min per model and side" | tee -a "$log"

peer() { # peer ARGS...: the PyTorch side, its JSON line into the log
	echo "\$ peer.py --race $*" >>"$log"
	OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE "$python" bench/peer.py --threads "$(nproc)" \
		--seconds "$seconds" --data "$data" --race "$@" | tee -a "$log"
}
genlab() { # genlab ARGS...: the command, its output into the log
	echo "\$ genlab $*" >>"$log"
	"$bin" "$@" 2>&1 | tee -a "$log"
}
json() { # json FIELD: FIELD of the last JSON line of the log
	grep '^{' "$log" | tail -n 1 | "$python" -c "import json, sys; print(json.load(sys.stdin)['$1'])"
}
metric() { # metric NAME: the last `metric NAME=` value of the log
	sed -n "s/^metric $1=//p" "$log" | tail -n 1
}
trained() { # the steps of the last genlab run: "trained MODEL on DATASET: N steps in"
	sed -n 's/^trained .*: \([0-9]*\) steps in .*/\1/p' "$log" | tail -n 1
}

race_conv_vae() {
	# genlab trains, scores and writes the binarized test digits it scored; the peer
	# trains and scores those digits.
	rm -rf "$out/vae"
	genlab train vae --dataset mnist --arch conv --minutes "$minutes" --steps 1000000 --ckpt "$out/vae" >/dev/null
	local steps nll
	steps=$(trained)
	genlab eval --ckpt "$out/vae" --dataset mnist --n 2000 --k 100 --fd-n 0 --probe-n 0 --scored-out "$out/test-binary.npy" >/dev/null
	nll=$(metric nll_iw)
	peer conv_vae --init he --scored "$out/test-binary.npy" --k 100 >/dev/null
	{
		echo "race model=conv_vae side=genlab minutes=$minutes steps=$steps nll_iw=$nll"
		echo "race model=conv_vae side=pytorch minutes=$minutes steps=$(json steps) nll_iw=$(printf %.3f "$(json nll_iw)")"
	} >>"$out/race.txt"
}

race_dcgan() {
	# Both sides sample 10,000 digits; genlab scores both sets.
	rm -rf "$out/dcgan"
	genlab train gan --dataset mnist --minutes "$minutes" --steps 1000000 --ckpt "$out/dcgan" >/dev/null
	local steps fd floor
	steps=$(trained)
	genlab eval --ckpt "$out/dcgan" --dataset mnist --probe-n 0 >/dev/null
	fd=$(metric fd) floor=$(metric fd_floor)
	peer dcgan --init he --samples "$out/peer-dcgan.npy" --n 10000 >/dev/null
	local peer_steps
	peer_steps=$(json steps)
	genlab eval --samples "$out/peer-dcgan.npy" --dataset mnist >/dev/null
	{
		echo "race model=dcgan side=genlab minutes=$minutes steps=$steps fd=$fd fd_floor=$floor"
		echo "race model=dcgan side=pytorch minutes=$minutes steps=$peer_steps fd=$(metric fd) fd_floor=$floor"
	} >>"$out/race.txt"
}

: >"$out/race.txt"
for m in "${models[@]}"; do
	"race_$m"
done
tee -a "$log" <"$out/race.txt"
