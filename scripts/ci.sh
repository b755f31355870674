#!/bin/bash
# usage: scripts/ci.sh
#
# What kernel CI and the kernel test robot would run on the series, beyond
# 'make check' (too long for it on 2 cores):
#   matrix          the series built with W=1 in every row of
#                   selftests/configs/ (gcc and clang; scripts/config-matrix.sh)
#   debug           the debug kernel (selftests/debug.config: KASAN, kmemleak,
#                   DEBUG_LIST, SLUB_DEBUG, fault injection) running the plan
#                   entries marked "debug = yes", under shrinker pressure:
#                   no report, the MMU cache count back to 0 after each test,
#                   kmemleak clean at the end
#   debug-inject    the same with 3% of the test processes' slab and page
#                   allocations failing
#   negative-leak   the negative patch that leaks one page of the count on an
#                   allocation failure path must be caught there
#   kselftest-skip  the new selftests, run as kselftest runs them, on a
#                   kernel without what they need (kselftest-skip.config):
#                   those its "# Skips:" line names must skip, the others pass
#   kselftest-pass  the same on the test kernel: they must pass
#   bisect-run      'git bisect run scripts/bisect-run.sh' must find a patch
#                   broken on purpose (scripts/bisect-run-test.sh)
#   harness-builds  the harness's own tests that build kernels (a patch that
#                   does not build, warns with W=1, adds a sparse report; a
#                   config row that does not exist), which make check skips
# Ends with the line "N passed, N failed".  INJECT=<percent> (default 3);
# STEPS="kselftest-skip bisect-run" runs only the steps named (after deps,
# sparse and base).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -eq 0 ]] || die "usage: scripts/ci.sh"
scripts=$REPO/scripts
inject=${INJECT:-3}
export PRESSURE=${PRESSURE:-shrinker} STEP_PREFIX=ci
results=$(new_results_dir ci)
passed=0 failed=0
debugcfg=$REPO/selftests/debug.config
all_steps="matrix debug debug-inject negative-leak kselftest-skip kselftest-pass bisect-run harness-builds"
for st in ${STEPS:-}; do
	[[ " $all_steps " == *" $st "* ]] || die "STEPS: no step '$st' (steps: $all_steps)"
done
# want STEP: whether STEPS (default: all) names STEP
want() { [[ -z ${STEPS:-} || " $STEPS " == *" $1 "* ]]; }

step deps "$scripts/install-deps.sh" || true
step sparse "$scripts/get-sparse.sh" || true
step base "$scripts/get-base.sh" || die "no base tree; nothing can be checked"
! want matrix || step matrix "$scripts/config-matrix.sh" || true
! want debug || RESULTS=$results/debug FRAGMENT=$debugcfg \
	step debug "$scripts/run.sh" -k debug -d || true
! want debug-inject || RESULTS=$results/debug-inject FRAGMENT=$debugcfg \
	step debug-inject "$scripts/run.sh" -k debug -d -i "$inject" || true
if want negative-leak; then
	leak=$(lines -l '^Run: .*-i ' "$REPO"/selftests/negative/*.patch | head -1)
	[[ -n $leak ]] || die "no negative patch with 'Run: ... -i' (allocation failures) in selftests/negative/"
	step negative-leak "$scripts/negative.sh" "$(basename "$leak")" || true
fi
! want kselftest-skip || FRAGMENT=$REPO/selftests/kselftest-skip.config \
	step kselftest-skip "$scripts/kselftest.sh" kselftest-skip skip || true
! want kselftest-pass || step kselftest-pass "$scripts/kselftest.sh" patched pass || true
! want bisect-run || step bisect-run "$scripts/bisect-run-test.sh" || true
! want harness-builds || step harness-builds "$scripts/test-harness.sh" build_fails build_warns \
	sparse_new matrix_bad_row || true
echo
echo "results: $results"
[[ ! -f $results/matrix.log ]] || lines -E '^# (CONFIG|[a-z0-9-]+ +(gcc|clang))' "$results/matrix.log"
echo "$passed passed, $failed failed"
((failed == 0))
