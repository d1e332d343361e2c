#!/usr/bin/env bash
# Builds the course image from docker/Dockerfile and smoke-tests it, on a machine where no
# registry can be reached (Debian 12, root, Docker from Debian's docker.io):
#
#   bash scripts/docker.sh          build, then test
#   bash scripts/docker.sh build    build only
#   bash scripts/docker.sh test     test the image built before
#
# Then a learner runs the lab with
#   docker run --rm -p 8888:8888 genlab-course
# and opens the URL Jupyter prints (its token included).
#
# What it does:
#   - uses the running Docker daemon, or starts one without network changes
#     (dockerd --iptables=false --bridge=none, its own socket and data directory under
#     $GENLAB_DOCKER_WORK) and stops it at the end;
#   - makes the base image the Dockerfile's FROM names (genlab-base:bookworm) with
#     debootstrap, unless it exists;
#   - stages the build context: this checkout's HEAD commit (a clone: uncommitted
#     changes are not shipped), the host's Go toolchain (Go 1.26), the datasets from
#     $GENLAB_DATA (default ../shared/datasets), the course's checkpoints from
#     $GENLAB_CHECKPOINTS if set (lecture mode; see scripts/seed-runs.sh) and the
#     host's CA bundle;
#   - builds with --network host (the build downloads Debian packages and Go modules);
#   - tests: every notebook in smoke mode inside the container (about 15 minutes on two
#     cores; GENLAB_DOCKER_NOTEBOOKS=00 runs only notebook 00), then Jupyter must answer
#     403 without its token and 200 with it.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

IMAGE="${GENLAB_IMAGE:-genlab-course}"
BASE="genlab-base:bookworm" # docker/Dockerfile's ARG BASE
WORK="${GENLAB_DOCKER_WORK:-/var/tmp/genlab-docker}"
DATA="${GENLAB_DATA:-../shared/datasets}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PORT="${GENLAB_DOCKER_PORT:-18888}"
what="${1:-all}"

say() { echo "docker.sh: $*"; }
die() { echo "docker.sh: $*" >&2; exit 1; }

case "$what" in all | build | test) ;; *) die "unknown step $what (build, test or nothing for both)" ;; esac
mkdir -p "$WORK"

# A daemon: the one the docker command reaches, else ours.
started=""
stop_daemon() {
	if [ -n "$started" ]; then
		say "stopping the Docker daemon it started"
		kill "$started" 2>/dev/null || true
		wait "$started" 2>/dev/null || true
	fi
}
trap stop_daemon EXIT
if ! docker info >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] || die "no Docker daemon answers, and starting one needs root"
	command -v dockerd >/dev/null || die "no dockerd: apt-get install docker.io"
	say "starting a Docker daemon (log: $WORK/dockerd.log)"
	dockerd --iptables=false --bridge=none --host "unix://$WORK/docker.sock" \
		--data-root "$WORK/data" --exec-root "$WORK/exec" --pidfile "$WORK/dockerd.pid" \
		>"$WORK/dockerd.log" 2>&1 &
	started=$!
	export DOCKER_HOST="unix://$WORK/docker.sock"
	for _ in $(seq 60); do
		docker info >/dev/null 2>&1 && break
		kill -0 "$started" 2>/dev/null || die "dockerd exited: $(tail -5 "$WORK/dockerd.log")"
		sleep 1
	done
	docker info >/dev/null 2>&1 || die "dockerd did not answer in 60 s: $(tail -5 "$WORK/dockerd.log")"
fi

build() {
	if ! docker image inspect "$BASE" >/dev/null 2>&1; then
		rootfs="$WORK/rootfs"
		if [ ! -f "$rootfs/.genlab-complete" ]; then
			command -v debootstrap >/dev/null || die "no debootstrap: apt-get install debootstrap"
			say "making the base image with debootstrap from $MIRROR (a few minutes)"
			rm -rf "$rootfs"
			debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
				die "debootstrap failed: $(tail -5 "$WORK/debootstrap.log")"
			touch "$rootfs/.genlab-complete"
		fi
		tar -C "$rootfs" --exclude=./.genlab-complete -c . | docker import - "$BASE" >/dev/null
		say "imported $BASE"
	fi

	local goroot version ctx
	goroot="$(go env GOROOT)"
	version="$(go env GOVERSION)"
	case "$version" in go1.26*) ;; *) die "the image needs Go 1.26; this host has $version" ;; esac
	for d in mnist fashion-mnist utkface maps imagenet-sample; do
		[ -d "$DATA/$d" ] || die "no $DATA/$d: set GENLAB_DATA to the folder of genlab's datasets"
	done
	if [ -n "$(git status --porcelain)" ]; then
		say "note: uncommitted changes are not in the image (it ships HEAD, $(git rev-parse --short HEAD))"
	fi

	ctx="$WORK/context"
	rm -rf "$ctx"
	mkdir -p "$ctx/datasets" "$ctx/checkpoints"
	cp docker/Dockerfile "$ctx/"
	git clone -q --no-hardlinks . "$ctx/genlab"
	tar -C "$(dirname "$goroot")" -cf "$ctx/go.tar" "$(basename "$goroot")"
	for d in mnist fashion-mnist utkface maps imagenet-sample; do
		cp -r "$DATA/$d" "$ctx/datasets/"
	done
	if [ -n "${GENLAB_CHECKPOINTS:-}" ]; then
		bash scripts/seed-runs.sh "$GENLAB_CHECKPOINTS" "$ctx/checkpoints"
	fi
	cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca.crt"
	say "building $IMAGE from $(git rev-parse --short HEAD) with $version (log: $WORK/build.log)"
	local t0=$SECONDS
	docker build --network host \
		--build-arg GOPROXY="$(go env GOPROXY)" --build-arg GOSUMDB="$(go env GOSUMDB)" \
		-t "$IMAGE" "$ctx" >"$WORK/build.log" 2>&1 || die "docker build failed: $(tail -20 "$WORK/build.log")"
	rm -rf "$ctx"
	say "built $IMAGE in $((SECONDS - t0)) s: $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.1f GB", $1/1e9}')"
}

smoke() {
	docker image inspect "$IMAGE" >/dev/null 2>&1 || die "no image $IMAGE: run scripts/docker.sh build"
	local t0=$SECONDS
	local run=(-run TestNotebooksExecute)
	if [ -n "${GENLAB_DOCKER_NOTEBOOKS:-}" ]; then
		run=(-run "TestNotebooksExecute/${GENLAB_DOCKER_NOTEBOOKS}")
	fi
	say "notebooks in smoke mode inside the container (go test ${run[*]} ./notebooks)"
	docker run --rm --network host "$IMAGE" \
		bash -c "set -o pipefail; cd /course/genlab && go test -count=1 -timeout 60m -v ${run[*]} ./notebooks 2>&1 | grep -E '^(=== RUN|--- |    |ok|FAIL|PASS)'" ||
		die "the notebooks failed inside the container"

	say "Jupyter's token: 403 without it, 200 with it (port $PORT)"
	local token name code
	token="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	name="genlab-smoke-$$"
	docker run -d --rm --name "$name" --network host -e JUPYTER_TOKEN="$token" "$IMAGE" \
		bash scripts/lab.sh --ip=127.0.0.1 --port="$PORT" >/dev/null
	# shellcheck disable=SC2064
	trap "docker rm -f $name >/dev/null 2>&1 || true; stop_daemon" EXIT
	for _ in $(seq 60); do
		code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/status" || true)"
		[ "$code" != 000 ] && break
		sleep 1
	done
	[ "$code" = 403 ] || die "without the token Jupyter answered $code, not 403"
	code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: token $token" "http://127.0.0.1:$PORT/api/status")"
	[ "$code" = 200 ] || die "with the token Jupyter answered $code, not 200"
	code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/notebooks/05_dcgan.ipynb?token=$token")"
	[ "$code" = 200 ] || die "the notebook page with the token answered $code, not 200"
	docker rm -f "$name" >/dev/null
	say "image $IMAGE passed in $((SECONDS - t0)) s"
}

case "$what" in
all) build && smoke ;;
build) build ;;
test) smoke ;;
esac
