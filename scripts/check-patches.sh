#!/bin/bash
# usage: scripts/check-patches.sh
#
# Run checkpatch.pl --strict (from the base tree) on every patch in 'series'.
# A patch passes only with 0 errors, 0 warnings and 0 checks, and a
# Signed-off-by.  One exception, stated in the output: the FILE_PATH_CHANGES
# warning ("does MAINTAINERS need updating?") for a patch whose every added
# file already has a maintainer in MAINTAINERS (get_maintainer.pl, in the
# work tree with the series applied).  In a base tree without upstream
# history (the Debian tarball's one commit) checkpatch cannot look up the
# commits a changelog cites, so UNKNOWN_COMMIT_ID is ignored there and the
# "ok" line lists the ids to check in a kernel git tree.  Prints one
# "ok"/"not ok" line per patch; exits non-zero if any patch fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -eq 0 ]] || die "usage: scripts/check-patches.sh"
repo=$(src_repo)
need_tools perl
load_series
patches=("${PATCHES[@]}")
# checkpatch's spdxcheck.py needs Debian's python3 (python3-ply, python3-git), not
# another python3 earlier in PATH.
export PATH=/usr/bin:$PATH
wt=
opts=(--strict)
nohistory=0
if (($(git -C "$repo" rev-list --count HEAD) < 2)); then
	nohistory=1
	opts+=(--ignore UNKNOWN_COMMIT_ID)
fi

# covered PATCH: every file PATCH adds has a maintainer in MAINTAINERS
covered() {
	local f m
	[[ -n $wt ]] || wt=$("$REPO/scripts/apply.sh" 2>/dev/null) || return 1
	while read -r f; do
		m=$(cd "$wt" && perl scripts/get_maintainer.pl --nogit --nogit-fallback \
			--norolestats --nol --nor -f "$f" 2>/dev/null | paste -sd, -) || return 1
		[[ -n $m ]] || return 1
		echo "#   $f is covered by MAINTAINERS: $m"
	done < <(awk '/^diff --git / { f = substr($4, 3) } /^new file mode/ { print f }' "$1")
}

bad=0 i=0
for p in "${patches[@]}"; do
	i=$((i + 1))
	# An absolute path: given a relative path to a file git tracks,
	# checkpatch.pl silently reports nothing.
	out=$(cd "$repo" && perl scripts/checkpatch.pl "${opts[@]}" "$(realpath "$p")" 2>&1) || true
	total=$(lines -E '^total: ' <<<"$out" | tail -1)
	# A checker that crashed (spdxcheck.py without python3-git or
	# python3-ply) checked less than it says: that is a failure.
	if grep -q '^Traceback (most recent call last)' <<<"$out"; then
		bad=$((bad + 1))
		echo "not ok $i checkpatch $(basename "$p") # a checkpatch helper crashed; run 'make deps'"
		lines -A12 '^Traceback' <<<"$out" | head -14 | sed "s/^/#   /"
		continue
	fi
	note=
	if ! [[ $total =~ ^total:\ 0\ errors,\ 0\ warnings,\ 0\ checks ]]; then
		rest=$(cd "$repo" && perl scripts/checkpatch.pl "${opts[@]}" --ignore FILE_PATH_CHANGES \
			"$(realpath "$p")" 2>&1 | lines -E '^total: ' | tail -1) || true
		if [[ $rest =~ ^total:\ 0\ errors,\ 0\ warnings,\ 0\ checks ]] && note=$(covered "$p"); then
			total="$rest"
			note="# FILE_PATH_CHANGES only, and MAINTAINERS needs no update:"$'\n'"$note"
		fi
	fi
	if [[ $total =~ ^total:\ 0\ errors,\ 0\ warnings,\ 0\ checks ]] &&
		git -C "$repo" interpret-trailers --parse <"$p" | grep -q '^Signed-off-by: '; then
		echo "ok $i checkpatch $(basename "$p")"
		[[ -z $note ]] || echo "$note"
		ids=$(sed '/^---$/q' "$p" | grep -oE '\b[0-9a-f]{12,40} \("' | cut -d' ' -f1 | paste -sd' ') || true
		((nohistory == 0)) || [[ -z $ids ]] ||
			echo "# cites commits $ids: not in the base tree's history, check them in a kernel git tree"
	else
		bad=$((bad + 1))
		echo "not ok $i checkpatch $(basename "$p") # ${total:-checkpatch.pl printed no summary}"
		{ grep -E -A2 "^(ERROR|WARNING|CHECK):" <<<"$out" || true; } | head -24 | sed "s/^/#   /"
		git -C "$repo" interpret-trailers --parse <"$p" | grep -q '^Signed-off-by: ' ||
			echo "#   no Signed-off-by: trailer"
	fi
done
((bad == 0)) || die "$bad of ${#patches[@]} patches fail checkpatch.pl --strict"
