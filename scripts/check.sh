#!/bin/bash
# usage: scripts/check.sh
#
# Everything 'make run' does, with the shrinker pressure on (PRESSURE=
# shrinker unless set), plus: the patches' base-commit: against the base,
# checkpatch.pl --strict on every patch, git am
# of the series with no 3-way merge, a bisect build of every patch, and the
# harness's own tests.  Ends with the line "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -eq 0 ]] || die "usage: scripts/check.sh"
scripts=$REPO/scripts
export PRESSURE=${PRESSURE:-shrinker}
results=$(new_results_dir check)
export RESULTS
passed=0 failed=0

# count NAME LOGFILE STATUS: add the ok/not ok lines of a step to the totals
count() {
	local name=$1 log=$2 st=$3 ok nok
	ok=$(grep -cE '^ok [0-9]+ ' "$log" || true)
	nok=$(grep -cE '^not ok [0-9]+ ' "$log" || true)
	if ((st == 0 && ok + nok == 0)); then
		ok=1
	elif ((st != 0 && nok == 0)); then
		nok=1
		echo "not ok - $name: $(lines -E '^error: ' "$log" | tail -1)"
	fi
	passed=$((passed + ok)) failed=$((failed + nok))
	stage check "$name: $ok passed, $nok failed"
}

step() {
	local name=$1 st=0
	shift
	stage check "== $name"
	"$@" 2>&1 | tee "$results/$name.log" || st=${PIPESTATUS[0]}
	count "$name" "$results/$name.log" "$st"
	return "$st"
}

step deps "$scripts/install-deps.sh" || true
step base "$scripts/get-base.sh" || die "no base tree; nothing can be checked"
step base-commit "$scripts/check-base-commit.sh" || true
step checkpatch "$scripts/check-patches.sh" || true
applied=0
step apply bash -c "'$scripts/apply.sh' >/dev/null && echo 'ok 1 git am of the series (no 3-way)'" && applied=1
if ((applied)); then
	step bisect-build "$scripts/bisect-build.sh" || true
	step harness "$scripts/test-harness.sh" || true
	RESULTS=$results/run step selftests "$scripts/run.sh" || true
fi
echo
echo "results: $results"
echo "$passed passed, $failed failed"
((failed == 0))
