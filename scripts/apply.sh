#!/bin/bash
# usage: scripts/apply.sh [N]
#
# Check out the base in the work tree ($CACHE/work-*) and git am the first N
# patches of 'series' (default: all of them), with no 3-way merge.  Prints
# the work tree's path on stdout.  A patch that does not apply stops with its
# file name and the paths that failed; the work tree is left at the base.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -le 1 ]] || die "usage: scripts/apply.sh [N]"
n=${1:-all}
[[ $n == all || $n =~ ^[0-9]+$ ]] || die "usage: scripts/apply.sh [N] (N is a number, got '$n')"

repo=$(src_repo)
base=$(base_rev)
load_series
patches=("${PATCHES[@]}")
[[ $n == all ]] && n=${#patches[@]}
((n <= ${#patches[@]})) || die "series has ${#patches[@]} patches, cannot apply $n"

wt=$(work_tree "$repo")
if ! git -C "$wt" rev-parse --git-dir >/dev/null 2>&1; then
	stage apply "creating the work tree $wt"
	git -C "$repo" worktree prune
	git -C "$repo" worktree add -q --detach "$wt" "$base"
fi
git -C "$wt" am --abort >/dev/null 2>&1 || true
git -C "$wt" checkout -q --detach -f "$base"
git -C "$wt" reset -q --hard "$base"
git -C "$wt" clean -q -fdx

for ((i = 0; i < n; i++)); do
	p=${patches[i]}
	if ! out=$(git -C "$wt" -c user.name=kvm-mmu-series -c user.email=kvm-mmu-series@localhost \
		am -q --no-3way "$p" 2>&1); then
		git -C "$wt" am --abort >/dev/null 2>&1 || true
		git -C "$wt" reset -q --hard "$base"
		echo "$out" | lines -E '^(error|fatal):' | sed 's/^/    /' >&2
		die "patch $((i + 1)) does not apply: patches/$(basename "$p")"
	fi
done
stage apply "$n of ${#patches[@]} patches applied on $(base_desc)"
echo "$wt"
