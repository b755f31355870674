#!/bin/bash
# usage: scripts/check.sh
#
# Everything 'make run' does, with the shrinker pressure on (PRESSURE=
# shrinker unless set), plus: the patches' base-commit: against the base,
# checkpatch.pl --strict on every patch, git am
# of the series with no 3-way merge, a bisect build of every patch (for a
# patch that changes a header, of the objects the series touches, not all
# of arch/x86/kvm/: make bisect builds each patch's kernel), and the
# harness's own tests but those that build kernels (make ci runs them).
# Plan entries in the group long are left to make bisect (PLAN_SKIP_LONG).
# Ends with the line "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -eq 0 ]] || die "usage: scripts/check.sh"
scripts=$REPO/scripts
export PRESSURE=${PRESSURE:-shrinker}
results=$(new_results_dir check)
export RESULTS
passed=0 failed=0

step deps "$scripts/install-deps.sh" || true
step sparse "$scripts/get-sparse.sh" || true
step base "$scripts/get-base.sh" || die "no base tree; nothing can be checked"
step base-commit "$scripts/check-base-commit.sh" || true
step checkpatch "$scripts/check-patches.sh" || true
applied=0
step apply bash -c "'$scripts/apply.sh' >/dev/null && echo 'ok 1 git am of the series (no 3-way)'" && applied=1
if ((applied)); then
	BISECT_HEADERS=series step bisect-build "$scripts/bisect-build.sh" || true
	step harness "$scripts/test-harness.sh" --quick || true
	PLAN_SKIP_LONG=1 RESULTS=$results/run step selftests "$scripts/run.sh" || true
fi
echo
echo "results: $results"
echo "$passed passed, $failed failed"
((failed == 0))
