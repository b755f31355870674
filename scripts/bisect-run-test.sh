#!/bin/bash
# usage: scripts/bisect-run-test.sh [NEGATIVE]
#
# The harness test of scripts/bisect-run.sh.  NEGATIVE (default: the patch
# in selftests/negative/ with a "Bisect: K" line) is folded into patch K of
# the series, and the patches after K are applied on top, in a worktree of
# the base repository ($CACHE/bisect-tree, removed at the end).  Then 'git bisect run
# scripts/bisect-run.sh ENTRY...' (the negative's "Fails:" entries) between
# the base (good) and the top (bad) must name patch K.  One ok/not ok line.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
negdir=$REPO/selftests/negative
if (($# > 0)); then
	neg=$negdir/$(basename "$1")
	[[ -f $neg ]] || die "no negative patch $neg"
else
	neg=$(grep -l '^Bisect: ' "$negdir"/*.patch | head -1) ||
		die "no patch in $negdir has a 'Bisect: K' line"
fi
k=$(patch_field "$neg" Bisect)
read -r -a entries <<<"$(patch_field "$neg" Fails)"
[[ $k =~ ^[1-9][0-9]*$ ]] || die "$(basename "$neg"): 'Bisect: K' must name a patch number"
((${#entries[@]})) || die "$(basename "$neg"): no 'Fails: ENTRY...' line"
load_series
((k <= ${#PATCHES[@]})) || die "$(basename "$neg"): Bisect: $k, but the series has ${#PATCHES[@]} patches"
"$REPO/scripts/get-base.sh"
repo=$(src_repo)
base=$(base_rev)
bt=$CACHE/bisect-tree
results=$(new_results_dir bisect-run-test)

stage bisect-test "patch $k + $(basename "$neg"), then patches $((k + 1))..${#PATCHES[@]}, in $bt"
# A worktree of the base repository, made afresh, removed at the end.
cleanup() {
	[[ ! -e $bt/.git ]] || git -C "$bt" bisect reset >/dev/null 2>&1 || true
	git -C "$repo" worktree remove --force "$bt" >/dev/null 2>&1 || rm -rf "$bt"
	git -C "$repo" worktree prune
}
cleanup
trap cleanup EXIT
git -C "$repo" worktree add -q --detach "$bt" "$base"
for ((i = 1; i <= ${#PATCHES[@]}; i++)); do
	p=${PATCHES[i - 1]}
	git -C "$bt" am -q --no-3way "$p" >"$results/am.log" 2>&1 ||
		die "$(basename "$p") does not apply; see $results/am.log"
	if ((i == k)); then
		git -C "$bt" apply "$neg" >"$results/am.log" 2>&1 ||
			die "$(basename "$neg") does not apply on patch $k; see $results/am.log"
		git -C "$bt" add -A
		git -C "$bt" commit -q --amend --no-edit
		bad=$(git -C "$bt" rev-parse HEAD)
	fi
done
top=$(git -C "$bt" rev-parse HEAD)

stage bisect-test "git bisect run scripts/bisect-run.sh ${entries[*]} (good: base, bad: top)"
(
	cd "$bt"
	git bisect start "$top" "$base"
	git bisect run "$REPO/scripts/bisect-run.sh" "${entries[@]}"
) >"$results/bisect.log" 2>&1 || true
found=$(git -C "$bt" rev-parse -q --verify refs/bisect/bad || true)
git -C "$bt" bisect log >"$results/bisect-log.txt" 2>&1 || true
lines -E '^bisect-run: ' "$results/bisect.log" | sed 's/^/# /'
if [[ -n $found ]] && grep -q "is the first bad commit" "$results/bisect.log" && [[ $found == "$bad" ]]; then
	echo "ok 1 bisect-run-test: git bisect run named patch $k, $(git -C "$repo" log -1 --format=%s "$bad")"
else
	echo "not ok 1 bisect-run-test: wanted patch $k ($(git -C "$repo" log -1 --format=%h "$bad")), got ${found:-nothing}; see $results/bisect.log"
	exit 1
fi
