#!/bin/bash
# usage: scripts/run.sh [-n N] [-k NAME] [ENTRY...]
#
# The main job: get the base tree, apply the first N patches of 'series'
# (default: all), build the test kernel (build directory NAME, default
# "patched") and the selftests, boot under QEMU and run the plan entries
# that apply to patches 0..N (or only the ENTRY names given).  Prints a
# KTAP report, a table and a summary line; exits non-zero if a test failed.
#
# Environment: PRESSURE=shrinker scans the MMU shrinker (drop_caches where
# there is none) in the background while the tests run; PLAN=<file> uses
# another plan; RESULTS=<dir> names the results directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
n=all name=patched
while getopts n:k:h opt; do
	case $opt in
	n) n=$OPTARG ;;
	k) name=$OPTARG ;;
	*) die "usage: scripts/run.sh [-n N] [-k NAME] [ENTRY...]" ;;
	esac
done
shift $((OPTIND - 1))
PRESSURE=${PRESSURE:-none}
[[ $PRESSURE == none || $PRESSURE == shrinker ]] || die "PRESSURE must be none or shrinker, not '$PRESSURE'"

# Check everything the user gave before anything changes.
load_plan
entries=("${PLAN_ENTRIES[@]}")
((${#entries[@]} > 0)) || die "the plan has no entries"
declare -A known=()
for e in "${entries[@]}"; do known[${e%%$'\037'*}]=1; done
for want in "$@"; do
	[[ -n ${known[$want]:-} ]] || die "unknown plan entry '$want' (see ${PLAN:-selftests/plan.cfg})"
done
load_series
patches=("${PATCHES[@]}")
[[ $n == all ]] && n=${#patches[@]}
[[ $n =~ ^[0-9]+$ ]] && ((n <= ${#patches[@]})) || die "-n $n: series has ${#patches[@]} patches"
need_tools git make gcc cpio gzip
command -v "${QEMU:-qemu-system-x86_64}" >/dev/null ||
	die "QEMU (${QEMU:-qemu-system-x86_64}) not found (run 'make deps' as root)"

results=$(new_results_dir "run")
scripts=$REPO/scripts
"$scripts/get-base.sh"
wt=$("$scripts/apply.sh" "$n")
build=$("$scripts/build-kernel.sh" "$wt" "$name")

# The entries to run, one guest plan per boot.
plandir=$results/plans
write_guest_plans "$plandir" "$n" 1 "$@"
mapfile -t files <"$plandir/binaries"
"$scripts/build-selftests.sh" "$wt" "$build" "${files[@]}"
"$scripts/mkinitramfs.sh" "$build" "$plandir" "$results/initramfs.gz"

desc=$(base_desc)
kver=$(cat "$build/include/config/kernel.release")
: >"$results/results.tsv"
for boot in $(plan_boots "$plandir"); do
	boot_plan "$build" "$results/initramfs.gz" "$plandir" "$boot" "$results/serial-$boot.log" \
		>>"$results/results.tsv"
done

# The report: KTAP, a table, the failures with their logs, a summary line.
{
	echo "KTAP version 1"
	echo "# kvm-mmu-series: $desc, $n of ${#patches[@]} patches, kernel $kver, pressure $PRESSURE"
	echo "1..$(wc -l <"$results/results.tsv")"
	i=0
	while IFS=$'\t' read -r t mode res secs why _; do
		i=$((i + 1))
		case $res in
		PASS) echo "ok $i $t # mode=$mode time=${secs}s" ;;
		SKIP) echo "ok $i $t # SKIP mode=$mode $why" ;;
		*) echo "not ok $i $t # mode=$mode time=${secs}s $why" ;;
		esac
	done <"$results/results.tsv"
} >"$results/report.ktap"
cat "$results/report.ktap"
echo
printf '%-34s %-7s %-6s %s\n' TEST MODE RESULT SECONDS
while IFS=$'\t' read -r t mode res secs why log; do
	printf '%-34s %-7s %-6s %s\n' "$t" "$mode" "$res" "$secs"
done <"$results/results.tsv"
failed=0
while IFS=$'\t' read -r t mode res secs why log; do
	[[ $res == FAIL ]] || continue
	failed=$((failed + 1))
	echo
	echo "FAILED: $t ($mode): $why"
	echo "  serial log: $log"
	# The lines that failed: kernel splats, else the end of the test's output.
	tr -d "\r" <"$log" | sed -n "/^# START $t\$/,/^# END $t\$/p" >"$results/failed-lines.txt"
	if grep -avE '^(not )?ok ' "$results/failed-lines.txt" | grep -aqE '^[^#].*(WARNING:|BUG:|Oops|circular locking)'; then
		lines -avE '^(not )?ok ' "$results/failed-lines.txt" | lines -aE -A3 '^[^#].*(WARNING:|BUG:|Oops|circular locking)' | head -12
	else
		lines -av '^# (START|END) ' "$results/failed-lines.txt" | tail -12
	fi | sed 's/^/  | /'
	rm -f "$results/failed-lines.txt"
done <"$results/results.tsv"
passed=$(awk -F'\t' '$3 == "PASS"' "$results/results.tsv" | wc -l)
skipped=$(awk -F'\t' '$3 == "SKIP"' "$results/results.tsv" | wc -l)
echo
echo "results: $results"
echo "selftests: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
