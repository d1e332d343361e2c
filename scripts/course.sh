#!/usr/bin/env bash
# Renders the course: executes the notebooks in lecture mode and exports each, with its
# figures, to a self-contained HTML page, plus an index page linking them in order.
#
#   GENLAB_CHECKPOINTS=DIR bash scripts/course.sh [OUT]     # default OUT: out/course
#   bash scripts/course.sh --executed DIR [OUT]              # export notebooks already executed in DIR
#
# Lecture mode is the full budgets with the course's checkpoints: each run of
# $GENLAB_CHECKPOINTS that the runs folder (OUT/runs) lacks is copied in first
# (scripts/seed-runs.sh), so a training cell finds its run done and skips to the
# figures. Without checkpoints, every notebook trains at its full budget (hours).
# The notebook test renders its smoke-mode notebooks with --executed and opens the
# pages in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

executed=""
if [ "${1:-}" = --executed ]; then
	executed="${2:?--executed needs the folder of executed notebooks}"
	shift 2
fi
out="${1:-out/course}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
say() { echo "course: $*"; }

if [ -z "$executed" ]; then
	bash scripts/setup.sh >/dev/null
	export PATH="$(go env GOPATH)/bin:$PATH"
	export GENLAB_RUNS="$out/runs" GENLAB_SMOKE=0
	mkdir -p "$GENLAB_RUNS"
	if [ -n "${GENLAB_CHECKPOINTS:-}" ]; then
		bash scripts/seed-runs.sh "$GENLAB_CHECKPOINTS" "$GENLAB_RUNS"
	else
		say "no \$GENLAB_CHECKPOINTS: every notebook trains at its full budget"
	fi
	executed="$out/executed"
	mkdir -p "$executed"
	for nb in notebooks/[0-9][0-9]_*.ipynb; do
		t0=$SECONDS
		(cd notebooks && jupyter nbconvert --to notebook --execute --allow-errors \
			--ExecutePreprocessor.kernel_name=gonb --ExecutePreprocessor.timeout=14400 \
			--output-dir "$executed" "$(basename "$nb")" 2>/dev/null)
		say "$(basename "$nb" .ipynb) executed in $((SECONDS - t0)) s"
	done
fi

# Each page, then the index: one line per notebook with its title (the first heading).
index="$out/index.html"
{
	echo '<!doctype html><html><head><meta charset="utf-8"><title>genlab: the course</title></head><body>'
	echo '<h1>genlab: deep generative models in Go</h1><ul>'
} >"$index"
# The markdown's figures (../docs/figures/...) are embedded in the pages, read from a
# notebooks folder beside this checkout's docs, wherever the executed notebooks are.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/notebooks"
ln -s "$PWD/docs" "$stage/docs"
n=0
for nb in "$executed"/[0-9][0-9]_*.ipynb; do
	[ -e "$nb" ] || continue
	name="$(basename "$nb" .ipynb)"
	cp "$nb" "$stage/notebooks/"
	jupyter nbconvert --to html --HTMLExporter.embed_images=True --output-dir "$out" "$stage/notebooks/$name.ipynb" >/dev/null 2>&1 ||
		{ echo "course: nbconvert --to html $nb failed" >&2; exit 1; }
	title="$(/usr/bin/python3 - "$nb" <<'PY'
import html, json, sys
for c in json.load(open(sys.argv[1]))["cells"]:
    if c["cell_type"] == "markdown":
        for line in "".join(c["source"]).splitlines():
            if line.startswith("#"):
                print(html.escape(line.lstrip("#").strip()))
                sys.exit()
print(html.escape(sys.argv[1]))
PY
)"
	echo "<li><a href=\"$name.html\">$title</a></li>" >>"$index"
	n=$((n + 1))
done
echo '</ul></body></html>' >>"$index"
[ "$n" -gt 0 ] || { echo "course: no executed notebooks in $executed" >&2; exit 1; }
say "$n notebooks rendered: $index"
