#!/usr/bin/env bash
# The carried backend: third_party/compute is github.com/gomlx/compute at the version
# go.pinned.mod pins, with patches/compute-VERSION-*.patch applied in name order.
# go.mod replaces the module with that folder, so every build of genlab (the command,
# the tests, the notebooks, the course image) runs the patched backend; go.pinned.mod is
# go.mod without the replace, the unpatched build one flag away:
#
#   go build -modfile=go.pinned.mod -o bin/genlab-pinned ./cmd/genlab
#
# The patches are the source of truth and the folder is generated from them:
#
#   bash scripts/third_party.sh           # check: fails if the folder or go.pinned.mod drifted
#   bash scripts/third_party.sh --write   # regenerate both (after editing a patch)
#
# CI runs the check, then the patched module's own tests (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
mod=github.com/gomlx/compute
dest=third_party/compute
write=false
case "${1:-}" in
--write) write=true ;;
"") ;;
*) echo "usage: bash scripts/third_party.sh [--write]" >&2; exit 2 ;;
esac
# go.pinned.mod is go.mod less its replace of the carried module.
pinned_mod=$(mktemp)
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp" "$pinned_mod"' EXIT
grep -v "^replace $mod " go.mod >"$pinned_mod"
version=$(sed -n "s|^	$mod \(v[^ ]*\).*|\1|p" go.mod)
[ -n "$version" ] || { echo "third_party: go.mod does not require $mod" >&2; exit 1; }
grep -q "^replace $mod $version => ./$dest\$" go.mod ||
	{ echo "third_party: go.mod lacks the line: replace $mod $version => ./$dest" >&2; exit 1; }
# The pristine module, from the module cache (downloaded and checked against go.sum's
# hash of the pinned version, which go.pinned.sum keeps).
# go.pinned.sum holds it (go.sum does too until the replace drops it).
cp "$pinned_mod" "$tmp/pinned.mod"
if [ -f go.pinned.sum ]; then cp go.pinned.sum "$tmp/pinned.sum"; else cp go.sum "$tmp/pinned.sum"; fi
src=$(go mod download -modfile="$tmp/pinned.mod" -json "$mod@$version" | sed -n 's/^	"Dir": "\(.*\)",$/\1/p')
[ -d "$src" ] || { echo "third_party: could not download $mod@$version" >&2; exit 1; }
cp -r "$src" "$tmp/compute"
chmod -R u+w "$tmp/compute"
shopt -s nullglob
patches=(patches/compute-"$version"-*.patch)
[ ${#patches[@]} -gt 0 ] || { echo "third_party: no patches/compute-$version-*.patch" >&2; exit 1; }
for p in "${patches[@]}"; do
	patch -s -d "$tmp/compute" -p1 --no-backup-if-mismatch <"$p"
done
# The folder stays upstream's bytes plus the patches, so gofmt is not run over it (some
# upstream files are not gofmt-clean); instead no patch may add code that gofmt would
# change: each patched file's gofmt diff must be the one its pristine file has.
gofmt_lines() { if [ -f "$1" ]; then gofmt -d "$1" | grep '^[-+][^-+]' || true; fi; }
unformatted=0
for f in $(sed -n 's|^+++ b/\([^[:space:]]*\.go\).*|\1|p' "${patches[@]}" | sort -u); do
	if ! diff <(gofmt_lines "$src/$f") <(gofmt_lines "$tmp/compute/$f") >/dev/null; then
		echo "third_party: a patch leaves $f with code gofmt would change (gofmt the patched hunks, then regenerate the patch):" >&2
		diff <(gofmt_lines "$src/$f") <(gofmt_lines "$tmp/compute/$f") | head -20 >&2 || true
		unformatted=1
	fi
done
[ $unformatted = 0 ] || exit 1
if $write; then
	rm -rf "$dest"
	mkdir -p "$(dirname "$dest")"
	cp -r "$tmp/compute" "$dest"
	# go.pinned.sum: go.sum with the pristine module's hashes, which a build with the
	# replace does not record.
	cp "$pinned_mod" go.pinned.mod
	LC_ALL=C sort -u go.sum "$tmp/pinned.sum" >go.pinned.sum
	echo "third_party: wrote $dest ($mod $version + ${#patches[@]} patches) and go.pinned.mod"
	exit 0
fi
status=0
if ! diff -r "$tmp/compute" "$dest" >"$tmp/diff.txt"; then
	echo "third_party: $dest differs from $mod $version + patches/ (edit the patches, then bash scripts/third_party.sh --write):" >&2
	head -50 "$tmp/diff.txt" >&2
	status=1
fi
if ! cmp -s "$pinned_mod" go.pinned.mod; then
	echo "third_party: go.pinned.mod is not go.mod without the replace (bash scripts/third_party.sh --write):" >&2
	diff "$pinned_mod" go.pinned.mod >&2 || true
	status=1
fi
[ $status = 0 ] && echo "third_party: $dest is $mod $version + ${#patches[@]} patches; go.pinned.mod matches go.mod"
exit $status
