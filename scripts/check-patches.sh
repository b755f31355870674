#!/bin/bash
# usage: scripts/check-patches.sh
#
# Run checkpatch.pl --strict (from the base tree) on every patch in 'series'.
# A patch passes only with 0 errors, 0 warnings and 0 checks.  Prints one
# "ok"/"not ok" line per patch; exits non-zero if any patch fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[[ $# -eq 0 ]] || die "usage: scripts/check-patches.sh"
repo=$(src_repo)
need_tools perl
mapfile -t patches < <(series_patches)
bad=0 i=0
for p in "${patches[@]}"; do
	i=$((i + 1))
	# An absolute path: given a relative path to a file git tracks,
	# checkpatch.pl silently reports nothing.
	out=$(cd "$repo" && perl scripts/checkpatch.pl --strict --showfile \
		"$(realpath "$p")" 2>&1) || true
	total=$(grep -E '^total: ' <<<"$out" | tail -1)
	if [[ $total =~ ^total:\ 0\ errors,\ 0\ warnings,\ 0\ checks ]] &&
		git -C "$repo" interpret-trailers --parse <"$p" | grep -q '^Signed-off-by: '; then
		echo "ok $i checkpatch $(basename "$p")"
	else
		bad=$((bad + 1))
		echo "not ok $i checkpatch $(basename "$p") # ${total:-checkpatch.pl printed no summary}"
		grep -E '^(ERROR|WARNING|CHECK):|^#[0-9]+: FILE:' <<<"$out" | head -20 | sed 's/^/#   /'
		git -C "$repo" interpret-trailers --parse <"$p" | grep -q '^Signed-off-by: ' ||
			echo "#   no Signed-off-by: trailer"
	fi
done
((bad == 0)) || die "$bad of ${#patches[@]} patches fail checkpatch.pl --strict"
