#!/bin/bash
# usage: scripts/bisect-run.sh [ENTRY...]
#
# The command for 'git bisect run', run in a kernel git tree with the
# series (or part of it) on a base:
#
#   cd linux && git bisect start BAD GOOD
#   git bisect run /path/to/kvm-mmu-series/scripts/bisect-run.sh [ENTRY...]
#
# Builds the tree as it is checked out (build directory "bisect"), counts
# which patches of 'series' it holds (by subject, in order, from the first;
# after BASE, or the tag kvm-mmu-base, if the tree has it), boots it and
# runs the plan entries that apply to them (or those of the ENTRY names
# given that do).  Exit status, as git bisect run wants it:
#   0    good: every entry passed or skipped, or none applies here
#   1    bad: an entry failed, or the kernel died under a test
#   125  skip: this commit cannot be tested: it does not build, or the
#        guest never reached the test runner (BISECT_BUILD=bad counts a
#        build failure as bad instead, to bisect a build break)
#   255  a problem of the harness, not of the commit (not a git tree, an
#        unknown ENTRY, no QEMU, the cache in use): stops the bisection
set -euo pipefail
DIE_STATUS=255
. "$(dirname "$0")/lib.sh"
unset RESULTS
[[ ${1:-} != -h && ${1:-} != --help ]] || {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
}
SKIP=125
tree=$(git rev-parse --show-toplevel 2>/dev/null) || die "bisect-run.sh must run in a kernel git tree (git bisect run)"
[[ -d $tree/arch/x86/kvm ]] || die "$tree is not a kernel tree"
load_series
load_plan
declare -A first_patch=()
for e in "${PLAN_ENTRIES[@]}"; do
	IFS=$'\037' read -r ename _ _ _ patch _ <<<"$e"
	first_patch[$ename]=$patch
done
for want in "$@"; do
	[[ -n ${first_patch[$want]:-} ]] || die "unknown plan entry '$want' (see ${PLAN:-selftests/plan.cfg})"
done
command -v "${QEMU:-qemu-system-x86_64}" >/dev/null || die "QEMU (${QEMU:-qemu-system-x86_64}) not found"

# N: how many of the series' patches, from the first, this commit holds.
range=HEAD
if base=$(git -C "$tree" rev-parse -q --verify "${BASE:-$BASE_TAG}^{commit}" 2>/dev/null); then
	range=$base..HEAD
fi
subjects=$(git -C "$tree" log --format=%s -n 1000 "$range")
n=0
for p in "${PATCHES[@]}"; do
	s=$(git mailinfo /dev/null /dev/null <"$p" | sed -n 's/^Subject: //p')
	grep -qxF -- "$s" <<<"$subjects" || break
	n=$((n + 1))
done
head=$(git -C "$tree" log -1 --format='%h %s')
# Of the ENTRY names, those that apply to patches 0..N.
entries=()
for want in "$@"; do
	((${first_patch[$want]} > n)) || entries+=("$want")
done
if (($# > 0 && ${#entries[@]} == 0)); then
	echo "bisect-run: $head: GOOD (patches 1..$n present; none of $* applies yet)"
	exit 0
fi
stage bisect-run "$head: patches 1..$n of ${#PATCHES[@]} present"

results=$(new_results_dir "bisect-run-$(git -C "$tree" rev-parse --short HEAD)")
rc=0
RESULTS=$results "$REPO/scripts/run.sh" -t "$tree" -n "$n" -k bisect "${entries[@]}" \
	>"$results/run.log" 2>&1 || rc=$?
tsv=$results/results.tsv
if [[ ! -s $tsv ]]; then
	why=$(lines -E '^error: ' "$results/run.log" | tail -1)
	case $why in
	*"kernel build failed"* | *"selftests build failed"* | *"lacks (a dependency"*)
		if [[ ${BISECT_BUILD:-skip} == bad ]]; then
			echo "bisect-run: $head: BAD ($why)"
			exit 1
		fi
		echo "bisect-run: $head: SKIP, cannot be tested: $why"
		exit $SKIP
		;;
	esac
	die "the harness failed at $head: ${why:-see $results/run.log}"
fi
for log in "$results"/serial-*.log; do
	if ! grep -aq '^KTAP version' "$log"; then
		echo "bisect-run: $head: SKIP, the guest never reached the test runner (see $log)"
		exit $SKIP
	fi
done
failing=$(awk -F'\t' '$3 == "FAIL" { printf "%s%s (%s)", sep, $1, $5; sep = ", " }' "$tsv")
if [[ -n $failing ]]; then
	echo "bisect-run: $head: BAD: $failing"
	exit 1
fi
((rc == 0)) || die "run.sh failed at $head with no failing entry; see $results/run.log"
echo "bisect-run: $head: GOOD ($(wc -l <"$tsv") entries passed or skipped)"
exit 0
