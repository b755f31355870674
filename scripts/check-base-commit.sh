#!/bin/bash
# usage: scripts/check-base-commit.sh
#
# Check that every patch in 'series' names, in its base-commit: line, the
# base that was built.  With Debian's tree (the default base) a mismatch
# fails: the base commit is reproducible, so the patches must name it.  With
# KDIR= the patches' base is another tree's, and the check only says so.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[[ $# -eq 0 ]] || die "usage: scripts/check-base-commit.sh"
base=$(base_rev)
load_series
bad=()
for p in "${PATCHES[@]}"; do
	named=$(lines -m1 -E '^base-commit: [0-9a-f]{40}$' "$p" | cut -d' ' -f2)
	[[ $named == "$base" ]] || bad+=("$(basename "$p") (${named:-no base-commit:})")
done
if ((${#bad[@]} == 0)); then
	echo "ok 1 base-commit: all ${#PATCHES[@]} patches name the base $(base_desc)"
elif [[ -n ${KDIR:-} || -n ${BASE:-} ]]; then
	echo "ok 1 base-commit # SKIP KDIR=/BASE= given: the patches name another base than $(base_desc)"
else
	echo "not ok 1 base-commit"
	printf '#   %s\n' "${bad[@]}"
	die "${#bad[@]} patches do not name the base that was built, $(base_desc); if $CACHE/linux was made by an older harness, remove it and run again"
fi
