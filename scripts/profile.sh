#!/usr/bin/env bash
# Where genlab's train steps spend their time, case by case: runs `genlab bench
# --cpuprofile` for each bench case and sorts the profile's flat CPU time into the kinds
# of work docs/BENCHMARKS.md talks about (matmul, transposes, slices, zero fills,
# reductions, element-wise ops, ...), one line per case:
#
#   bash scripts/profile.sh                       # every case, with bin/genlab
#   GENLAB=bin/genlab-pinned bash scripts/profile.sh conv_vae dcgan_bn   # the released backend
#
# GENLAB names the binary (scripts/upstream.sh leaves bin/genlab, the patched build
# every checkout gets, and bin/genlab-pinned, the released backend, beside it). The profiles stay in $PROFILES (default: a temporary
# directory, removed at the end) for `go tool pprof`.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local GOEXPERIMENT=simd GOMLX_BACKEND="${GOMLX_BACKEND:-go}"
genlab="${GENLAB:-bin/genlab}"
if [ ! -x "$genlab" ]; then
	echo "profile.sh: no binary at $genlab; build it with: GOEXPERIMENT=simd go build -o bin/genlab ./cmd/genlab" >&2
	exit 1
fi
dir="${PROFILES:-}"
if [ -z "$dir" ]; then
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
	cases=(mlp_vae conv_vae dcgan dcgan_bn pix2pix cyclegan regressor pixelcnn detector dbvae diffusion progan)
fi
# Steps per case: enough that the timed steps, not the graph's compilation, fill the
# profile (a diffusion step takes seconds, an MLP step milliseconds).
steps() {
	case "$1" in
	mlp_vae | detector) echo 200 ;;
	diffusion | pixelcnn) echo 6 ;;
	*) echo 25 ;;
	esac
}
printf '%-10s %7s' case "cpu_s"
kinds=(matmul transpose slice fill copy reduce binary unary sched gc other)
for k in "${kinds[@]}"; do printf ' %9s' "$k"; done
printf '\n'
for c in "${cases[@]}"; do
	"$genlab" bench --models "$c" --steps "$(steps "$c")" --rounds 1 --warmup 2 \
		--cpuprofile "$dir/$c.prof" >"$dir/$c.txt"
	go tool pprof -top -nodecount=100000 "$genlab" "$dir/$c.prof" 2>/dev/null | awk -v name="$c" -v kinds="${kinds[*]}" '
	# Flat seconds (or ms) of one row, by the kind of work its function does.
	function secs(v) { if (v ~ /ms$/) { sub(/ms$/, "", v); return v / 1000 } if (v ~ /us$/) { sub(/us$/, "", v); return v / 1e6 } sub(/s$/, "", v); return v }
	/^ *[0-9.]+(s|ms|us) / {
		t = secs($1); f = $6
		if (f ~ /dot\/matmul|execDot|DotGeneral|[Pp]ack(LHS|RHS|ed)|Gemm|gemm/) k = "matmul"
		else if (f ~ /[Tt]ranspose/) k = "transpose"
		else if (f ~ /Slice|execPad|padWith|Concatenate|Gather|Scatter/) k = "slice"
		else if (f ~ /fillBuffer|memclr|Zeros|Fill/) k = "fill"
		else if (f ~ /memmove|CopyFlat|Clone/) k = "copy"
		else if (f ~ /[Rr]educe/) k = "reduce"
		else if (f ~ /exec(Add|Sub|Mul|Div|Max|Min|Pow|Equal|NotEqual|Greater|Less|Where|Select)|IterFlatIndices|IterRuns|BroadcastInDim|broadcastToShape|[Ww]here/) k = "binary"
		else if (f ~ /ops\.exec|archsimd|math\./) k = "unary"
		else if (f ~ /asyncPreempt|procyield|futex|tgkill|signalM|runqgrab|schedule|findRunnable|park|semasleep|usleep|osyield|workerspool/) k = "sched"
		else if (f ~ /runtime\.(gc|mallocgc|scanobject|markBits|greyobject|findObject|heapBits|sweep)|runtime\.(mark|bgMark)/) k = "gc"
		else k = "other"
		sum[k] += t; total += t
	}
	END {
		printf "%-10s %7.1f", name, total
		n = split(kinds, ks, " ")
		for (i = 1; i <= n; i++) printf " %8.0f%%", 100 * sum[ks[i]] / total
		printf "\n"
	}'
done
