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
mapfile -t entries < <(plan_entries) || die "bad plan"
((${#entries[@]} > 0)) || die "the plan has no entries"
declare -A known=()
for e in "${entries[@]}"; do known[${e%%$'\037'*}]=1; done
for want in "$@"; do
	[[ -n ${known[$want]:-} ]] || die "unknown plan entry '$want' (see ${PLAN:-selftests/plan.cfg})"
done
mapfile -t patches < <(series_patches)
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

# The entries to run, grouped by boot.
plandir=$results/plans
mkdir -p "$plandir"
: >"$plandir/binaries"
declare -A boot_names=() mode_of=() boot_time=()
files=()
for e in "${entries[@]}"; do
	IFS=$'\037' read -r ename file args mode patch timeout setup cleanup _ <<<"$e"
	((patch <= n)) || continue
	if (($# > 0)); then
		printf '%s\n' "$@" | grep -qxF "$ename" || continue
	fi
	boot=$(boot_of_mode "$mode")
	printf 't %s %s %s %s %s %s\n' "$(sq "$ename")" "$(sq "$file")" "$(sq "$args")" \
		"$timeout" "$(sq "$setup")" "$(sq "$cleanup")" >>"$plandir/$boot.sh"
	boot_names[$boot]+="$ename "
	boot_time[$boot]=$((${boot_time[$boot]:-0} + timeout))
	mode_of[$ename]=$mode
	files+=("$file")
done
((${#boot_names[@]} > 0)) || die "no plan entry applies to patches 0..$n"
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u)
printf '%s\n' "${files[@]}" >"$plandir/binaries"
"$scripts/build-selftests.sh" "$wt" "$build" "${files[@]}"
"$scripts/mkinitramfs.sh" "$build" "$plandir" "$results/initramfs.gz"

desc=$(base_desc)
kver=$(cat "$build/include/config/kernel.release")
: >"$results/results.tsv"
for boot in $(printf '%s\n' "${!boot_names[@]}" | sort); do
	log=$results/serial-$boot.log
	stage boot "$boot: $(wc -w <<<"${boot_names[$boot]}") tests, $(boot_cmdline "$boot"), pressure $PRESSURE"
	rc=0
	"$scripts/boot.sh" "$build/arch/x86/boot/bzImage" "$results/initramfs.gz" \
		"$(boot_cmdline "$boot") kvmtest.plan=$boot kvmtest.pressure=$PRESSURE" \
		"$log" $((${boot_time[$boot]} + 180)) || rc=$?
	awk -F'\t' -v names="${boot_names[$boot]}" -f "$scripts/parse-log.awk" "$log" |
		while IFS=$'\t' read -r t res secs why; do
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${mode_of[$t]:-$boot}" "$res" "$secs" "$why" "$log"
		done >>"$results/results.tsv"
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
	sed -n "/^# START $t\$/,/^# END $t\$/p" "$log" | grep -aE '^# .*(==== Test Assertion Failure|Assertion|error|failed)|^[^#].*(WARNING:|BUG:)' |
		head -8 | sed 's/^/  | /'
done <"$results/results.tsv"
passed=$(awk -F'\t' '$3 == "PASS"' "$results/results.tsv" | wc -l)
skipped=$(awk -F'\t' '$3 == "SKIP"' "$results/results.tsv" | wc -l)
echo
echo "results: $results"
echo "selftests: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
