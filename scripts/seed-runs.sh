#!/usr/bin/env bash
# Seeds a runs folder with the course's checkpoints, for lecture mode:
#
#   bash scripts/seed-runs.sh CHECKPOINTS RUNS
#
# Each run in CHECKPOINTS (a folder with a checkpoint.genlab, e.g. 02/vae-conv or
# classifier-mnist) is copied into RUNS unless RUNS already has that run: a learner's own
# training is never overwritten, and a run is never mixed from two checkpoints. A
# notebook's training cell then finds its run at the full budget and goes straight to
# the figures; delete a run from RUNS to train it again. A copy is written beside its
# place and renamed, so an interrupted seeding leaves no half checkpoint.
set -euo pipefail
from="${1:?usage: seed-runs.sh CHECKPOINTS RUNS}"
to="${2:?usage: seed-runs.sh CHECKPOINTS RUNS}"
[ -d "$from" ] || { echo "seed-runs: no folder $from" >&2; exit 1; }
copied=0 kept=0
while IFS= read -r -d '' f; do
	run="$(dirname "${f#"$from"/}")"
	if [ -e "$to/$run/checkpoint.genlab" ]; then
		kept=$((kept + 1))
		continue
	fi
	mkdir -p "$to/$run"
	cp "$f" "$to/$run/.checkpoint.genlab.seeding"
	mv "$to/$run/.checkpoint.genlab.seeding" "$to/$run/checkpoint.genlab"
	copied=$((copied + 1))
done < <(find "$from" -name checkpoint.genlab -type f -print0 | sort -z)
echo "seed-runs: $copied runs copied from $from into $to ($kept already there, kept)"
