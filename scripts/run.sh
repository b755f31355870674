#!/bin/bash
# usage: scripts/run.sh [-n N] [-k NAME] [-t TREE] [-d] [-i PERCENT] [ENTRY...]
#
# The main job: get the base tree, apply the first N patches of 'series'
# (default: all), build the test kernel (build directory NAME, default
# "patched") and the selftests, boot under QEMU and run the plan entries
# that apply to patches 0..N (or only the ENTRY names given).  Prints a
# KTAP report, a table and a summary line; exits non-zero if a test failed.
# -t TREE builds and tests the kernel tree TREE as it is checked out
# instead (scripts/bisect-run.sh), N telling which plan entries apply.
#
# -d adds the debug kernel's checks (with FRAGMENT=selftests/debug.config):
# after each test the shrinker's count of cached MMU pages must return to
# 0 and no shadow page header may be left allocated, and after the last
# of each boot kmemleak must find nothing (an extra
# result, kmemleak-BOOT); without ENTRY names it runs the plan entries
# marked "debug = yes".  -i PERCENT injects allocation failures into the
# test processes (failslab, fail_page_alloc; see selftests/runner.sh): a
# test's exit status is then only reported, the kernel's checks decide.
#
# Environment: PRESSURE=shrinker scans the MMU shrinker (drop_caches where
# there is none) in the background while the tests run; PLAN=<file> uses
# another plan; RESULTS=<dir> names the results directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
n=all name=patched debug=0 inject=0 tree=
usage="usage: scripts/run.sh [-n N] [-k NAME] [-t TREE] [-d] [-i PERCENT] [ENTRY...]"
while getopts n:k:t:di:h opt; do
	case $opt in
	n) n=$OPTARG ;;
	k) name=$OPTARG ;;
	t) tree=$OPTARG ;;
	d) debug=1 ;;
	i) inject=$OPTARG ;;
	*) die "$usage" ;;
	esac
done
[[ $inject =~ ^[0-9]+$ ]] && ((inject <= 100)) || die "-i $inject: a percentage, 0 to 100"
((inject == 0 || debug == 1)) || die "-i injects failures for the debug checks: add -d"
((debug == 0)) || [[ -n ${FRAGMENT:-} && $name != patched ]] ||
	die "-d checks the debug kernel: FRAGMENT=selftests/debug.config and -k NAME (not 'patched')"
# The debug kernel runs the entries marked "debug = yes" unless told which.
((debug == 0)) || export PLAN_DEBUG_ONLY=1
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
if [[ -n $tree ]]; then
	[[ -f $tree/Makefile && -d $tree/arch/x86/kvm ]] || die "-t $tree is not a kernel source tree"
	wt=$(cd "$tree" && pwd)
else
	"$scripts/get-base.sh"
	wt=$("$scripts/apply.sh" "$n")
fi
build=$("$scripts/build-kernel.sh" "$wt" "$name")

# The entries to run, one guest plan per boot.
plandir=$results/plans
write_guest_plans "$plandir" "$n" 1 "$@"
if ((debug)); then
	for boot in $(plan_boots "$plandir"); do
		printf 'kmemleak-%s ' "$boot" >>"$plandir/$boot.names"
		printf 'kmemleak-%s\t%s\n' "$boot" "$boot" >>"$plandir/modes"
	done
fi
export KCMDLINE="kvmtest.debug=$debug kvmtest.inject=$inject"
# Failures go only to allocations that KVM's code makes (not to exec, the
# dynamic loader or the test's own page faults): its text's addresses, for
# a kernel booted without KASLR.
((inject == 0)) || KCMDLINE+=" kvmtest.inject_range=$(kvm_text_range "$build") nokaslr"
mapfile -t files <"$plandir/binaries"
"$scripts/build-selftests.sh" "$wt" "$build" "${files[@]}"
"$scripts/mkinitramfs.sh" "$build" "$plandir" "$results/initramfs.gz"

if [[ -n $tree ]]; then
	desc="$wt at $(git -C "$wt" log -1 --format='%h %s' 2>/dev/null || echo '(not a git tree)')"
else
	desc=$(base_desc)
fi
kver=$(cat "$build/include/config/kernel.release")
: >"$results/results.tsv"
for boot in $(plan_boots "$plandir"); do
	boot_plan "$build" "$results/initramfs.gz" "$plandir" "$boot" "$results/serial-$boot.log" \
		>>"$results/results.tsv"
done

# The report: KTAP, a table, the failures with their logs, a summary line.
{
	echo "KTAP version 1"
	echo "# kvm-mmu-series: $desc, $n of ${#patches[@]} patches, kernel $kver, pressure $PRESSURE$( ((debug == 0)) || echo ", debug checks")$( ((inject == 0)) || echo ", $inject% allocation failures injected")"
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
# With failures injected, a run in which none was is no test at all.
if ((inject)); then
	n_inj=$(cat "$results"/serial-*.log | tr -d '\r' | sed -n 's/^# injected: \([0-9]*\) .*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	echo
	echo "allocation failures injected: $n_inj"
	if ((n_inj == 0)); then
		echo "FAILED: no allocation failure was injected: the runs tested nothing of the error paths"
		failed=$((failed + 1))
	fi
fi
passed=$(awk -F'\t' '$3 == "PASS"' "$results/results.tsv" | wc -l)
skipped=$(awk -F'\t' '$3 == "SKIP"' "$results/results.tsv" | wc -l)
echo
echo "results: $results"
echo "selftests: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
