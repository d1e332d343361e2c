#!/usr/bin/env bash
# The course runs' working routine: train them in the background, one core each, at low
# priority, in the durable training home (outside the checkout), and stop, pause or
# resume them. Exporting and committing what improved is `genlab course export`
# (docs/DEVELOPING.md, "Course runs").
#
#   bash scripts/course-runs.sh start cgan-mnist vae-conv-mnist   # one core each: cores 0, 1, ...
#   bash scripts/course-runs.sh status                            # what runs, and genlab course status
#   bash scripts/course-runs.sh pause | resume                    # SIGSTOP / SIGCONT (before a benchmark)
#   bash scripts/course-runs.sh stop                              # SIGTERM: each saves a checkpoint and exits
#
# The binary is copied beside the logs, so that rebuilding bin/genlab does not touch
# the runs. $GENLAB_COURSE_HOME moves the home (default: genlab/course in the user cache
# directory); $GENLAB_DATA names the data.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
HOME_DIR="${GENLAB_COURSE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/genlab/course}"
LOGS="$HOME_DIR/logs"
mkdir -p "$LOGS"

pids() { cat "$LOGS"/*.pid 2>/dev/null || true; }
alive() { kill -0 "$1" 2>/dev/null; }

case "${1:-}" in
start)
	shift
	[ $# -gt 0 ] || { echo "course-runs.sh start NAME...: which runs? (genlab course list)" >&2; exit 2; }
	GOEXPERIMENT=simd go build -o "$LOGS/genlab" ./cmd/genlab
	cores=$(nproc)
	i=0
	for name in "$@"; do
		if [ -f "$LOGS/$name.pid" ] && alive "$(cat "$LOGS/$name.pid")"; then
			echo "course-runs.sh: $name already runs (pid $(cat "$LOGS/$name.pid"))"
			continue
		fi
		core=$((i % cores))
		i=$((i + 1))
		GOMAXPROCS=1 nohup nice -n 19 taskset -c "$core" "$LOGS/genlab" course train "$name" \
			--home "$HOME_DIR" >>"$LOGS/$name.log" 2>&1 &
		echo $! >"$LOGS/$name.pid"
		echo "course-runs.sh: $name on core $core (pid $!), log $LOGS/$name.log"
	done
	;;
status)
	for f in "$LOGS"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		state="stopped"
		alive "$pid" && state="running (pid $pid)"
		echo "$(basename "$f" .pid): $state"
	done
	bin="$LOGS/genlab"
	[ -x "$bin" ] || bin="go run ./cmd/genlab"
	$bin course status --home "$HOME_DIR"
	;;
pause) for p in $(pids); do alive "$p" && kill -STOP "$p"; done; echo "course-runs.sh: paused" ;;
resume) for p in $(pids); do alive "$p" && kill -CONT "$p"; done; echo "course-runs.sh: resumed" ;;
stop)
	for p in $(pids); do alive "$p" && kill -CONT "$p" && kill -TERM "$p"; done
	for p in $(pids); do while alive "$p"; do sleep 1; done; done
	rm -f "$LOGS"/*.pid
	echo "course-runs.sh: stopped (each saved a checkpoint; start again to continue)"
	;;
*)
	echo "usage: course-runs.sh start NAME... | status | pause | resume | stop" >&2
	exit 2
	;;
esac
