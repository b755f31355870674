#!/bin/bash
# usage: scripts/import.sh [BRANCH]
#
# Apply 'series' to the base and point the kernel tree's branch BRANCH
# (default: kvm-mmu-series) at the result, to edit with git and export back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -le 1 ]] || die "usage: scripts/import.sh [BRANCH]"
branch=${1:-$WORK_BRANCH}
git check-ref-format --branch "$branch" >/dev/null 2>&1 || die "'$branch' is not a valid branch name"
repo=$(src_repo)
"$(dirname "$0")/get-base.sh"
wt=$("$(dirname "$0")/apply.sh")
git -C "$wt" branch -f "$branch" HEAD
stage import "branch $branch in $repo: $(git -C "$wt" rev-list --count "$(base_rev)..HEAD") patches on the base"
