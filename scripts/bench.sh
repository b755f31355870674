#!/bin/bash
# usage: scripts/bench.sh [ENTRY...]
#
# Benchmark the base kernel against the patched one in one invocation: build
# both (build directories "base" and "patched"), then REPEAT times (default
# 5) boot the base and then the patched kernel, each running the plan
# entries that have a 'metric' (or only the ENTRY names given).  The same
# selftest binaries (built from the patched tree) run on both.  Prints and
# writes selftests/bench/<date>.txt: per entry the median of each kernel and
# the patched/base ratio, with the command line and versions.  'metric' may
# name several numbers, separated by ';'.  A test that skips on the base
# kernel (it tests what only the series adds) gets "n/a" there.
#
# Guests run with ICOUNT=1 unless told otherwise (see boot.sh): guest time
# is instructions executed, so times are comparable between the two kernels
# and between runs, but are not seconds; only ratios mean anything.  SMP=
# sets the guest's CPU count: 1 by default here, as icount times repeat only
# with one guest CPU (with two, the nested populate time of one round was
# 7.96 on the base and 3.72 on the patched kernel, and a shadow-mode guest
# hung; the clocksource falls back to jiffies under icount).  FRAGMENT=<file>
# builds both kernels with that config fragment on top of the test config
# (e.g. selftests/bench-nodebug.config: no lockdep), in build directories of
# their own.  FROM=N makes the base kernel the base with the series' first
# N patches (default 0), so that one part is measured against the parts
# before it (e.g. FROM=6: part 2 alone).  BENCH_PATCH=<file> applies a
# throwaway patch (git apply) on top of both kernels, e.g. counters that
# only a benchmark reads (selftests/bench/DO-NOT-APPLY-*.patch), in build
# directories of their own.  TRY_PATCH=<file> measures a candidate patch
# that is not in the series: the base kernel is then the whole series (FROM
# must be unset), the patched kernel the series plus that patch.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
REPEAT=${REPEAT:-5}
export ICOUNT=${ICOUNT:-1} SMP=${SMP:-1}
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a positive number, not '$REPEAT'"
[[ -z ${TRY_PATCH:-} || -z ${FROM:-} ]] || die "TRY_PATCH= measures against the whole series: FROM= cannot go with it"
FROM=${FROM:-0}
for v in BENCH_PATCH TRY_PATCH; do
	[[ -n ${!v:-} ]] || continue
	[[ -f ${!v} ]] || die "$v=${!v}: no such file"
	printf -v "$v" %s "$(realpath "${!v}")"
done
[[ $FROM =~ ^(0|[1-9][0-9]*)$ ]] || die "FROM must be a number of patches, not '$FROM'"
scripts=$REPO/scripts
load_plan
entries=("${PLAN_ENTRIES[@]}")
load_series
patches=("${PATCHES[@]}")
[[ -n ${TRY_PATCH:-} ]] && FROM=${#patches[@]}
((FROM < ${#patches[@]})) || [[ -n ${TRY_PATCH:-} ]] || die "FROM=$FROM: the series has ${#patches[@]} patches, so the base must have fewer"
names=()
for e in "${entries[@]}"; do
	IFS=$'\037' read -r ename _ _ _ _ _ _ _ _ metric _ groups <<<"$e"
	if (($# > 0)); then
		printf '%s\n' "$@" | grep -qxF "$ename" || continue
		[[ -n $metric ]] || die "plan entry '$ename' has no metric to benchmark"
	elif in_group nodefault "$groups"; then
		continue
	fi
	[[ -n $metric ]] && names+=("$ename")
done
for want in "$@"; do
	printf '%s\n' "${names[@]}" | grep -qxF "$want" || die "unknown plan entry '$want'"
done
((${#names[@]} > 0)) || die "no plan entry has a metric"
results=$(new_results_dir bench)

"$scripts/get-base.sh"
# extra_patch WT VAR WHICH: apply the patch file named by VAR (BENCH_PATCH,
# TRY_PATCH), if set, to the work tree WT of the WHICH kernel
extra_patch() {
	local file=${!2:-} out
	[[ -n $file ]] || return 0
	if ! out=$(git -C "$1" apply "$file" 2>&1); then
		sed 's/^/    /' <<<"$out" >&2
		die "$2=$file does not apply to the $3 kernel's tree"
	fi
	stage bench "$(basename "$file") applied to the $3 kernel's tree"
}

if [[ -n ${TRY_PATCH:-} ]]; then
	# Before any build: both patches must apply to the patched tree.
	wt=$("$scripts/apply.sh")
	extra_patch "$wt" TRY_PATCH patched
	extra_patch "$wt" BENCH_PATCH patched
fi
wt=$("$scripts/apply.sh" "$FROM")
extra_patch "$wt" BENCH_PATCH base
sfx=
[[ -z ${FRAGMENT:-} ]] || sfx=-$(basename "$FRAGMENT" .config)
[[ -z ${BENCH_PATCH:-} ]] || sfx+=-$(basename "$BENCH_PATCH" .patch)
bname=base
((FROM == 0)) || bname=base-$FROM
base_build=$("$scripts/build-kernel.sh" "$wt" "$bname$sfx")
wt=$("$scripts/apply.sh")
extra_patch "$wt" TRY_PATCH patched
extra_patch "$wt" BENCH_PATCH patched
pname=patched
[[ -z ${TRY_PATCH:-} ]] || pname=patched-try-$(basename "$TRY_PATCH" .patch)
build=$("$scripts/build-kernel.sh" "$wt" "$pname$sfx")
plandir=$results/plans
write_guest_plans "$plandir" 999999 1 "${names[@]}"
mapfile -t files <"$plandir/binaries"
"$scripts/build-selftests.sh" "$wt" "$build" "${files[@]}"
"$scripts/mkinitramfs.sh" "$build" "$plandir" "$results/initramfs.gz"

# name TAB metric TAB kernel TAB value, one line per run and metric
: >"$results/values.tsv"
for ((r = 1; r <= REPEAT; r++)); do
	for k in base patched; do
		b=$build
		[[ $k == base ]] && b=$base_build
		for boot in $(plan_boots "$plandir"); do
			stage bench "round $r of $REPEAT, $k kernel, $boot"
			log=$results/serial-$k-$boot-$r.log
			boot_plan "$b" "$results/initramfs.gz" "$plandir" "$boot" "$log" >"$results/verdicts.tsv"
			while IFS=$'\t' read -r t _ res _ why _; do
				if [[ $res == SKIP && $k == base ]]; then
					continue # e.g. a test of what only the series adds
				fi
				[[ $res == PASS ]] || die "$t failed on the $k kernel ($why); see $log"
				metrics=$(awk -F'\t' -v t="$t" '$1 == t { print $2 }' "$plandir/metrics")
				IFS=';' read -ra ms <<<"$metrics"
				for metric in "${ms[@]}"; do
					metric=$(sed 's/^ *//; s/ *$//' <<<"$metric")
					v=$(tr -d "\r" <"$log" | sed -n "/^# START $t\$/,/^# END $t\$/p" |
						lines -aF -- "$metric" | head -1 |
						awk -v m="$metric" '{ s = substr($0, index($0, m) + length(m));
							if (match(s, /[0-9]+(\.[0-9]+)?/)) print substr(s, RSTART, RLENGTH) }')
					[[ -n $v ]] || die "no '$metric' value for $t in $log"
					printf '%s\t%s\t%s\t%s\n' "$t" "$metric" "$k" "$v" >>"$results/values.tsv"
				done
			done <"$results/verdicts.tsv"
		done
	done
done

mkdir -p "$REPO/selftests/bench"
out=$REPO/selftests/bench/$(date +%Y%m%d-%H%M%S).txt
{
	echo "# make bench${*:+ ENTRIES=\"$*\"} REPEAT=$REPEAT ICOUNT=$ICOUNT SMP=$SMP${FRAGMENT:+ FRAGMENT=$FRAGMENT}$( ((FROM == 0)) || [[ -n ${TRY_PATCH:-} ]] || echo " FROM=$FROM")${BENCH_PATCH:+ BENCH_PATCH=${BENCH_PATCH#"$REPO"/}}${TRY_PATCH:+ TRY_PATCH=${TRY_PATCH#"$REPO"/}}"
	echo "# base: $(base_desc); series: ${#patches[@]} patches"
	if [[ -n ${TRY_PATCH:-} ]]; then
		echo "# the BASE kernel has the whole series, the PATCHED one the series and $(basename "$TRY_PATCH")"
	elif ((FROM > 0)); then
		echo "# the BASE kernel has the series' first $FROM patches, the PATCHED one all ${#patches[@]}"
	fi
	echo "# base kernel $(cat "$base_build/include/config/kernel.release"), patched kernel $(cat "$build/include/config/kernel.release"), QEMU TCG single-threaded, $SMP guest CPUs"
	if [[ $ICOUNT == 1 ]]; then
		echo "# -icount shift=0,sleep=off: guest time is instructions executed (1 ns each); times are not seconds, only ratios mean anything"
	fi
	awk -f "$REPO/scripts/bench-table.awk" "$results/values.tsv"
	echo "# raw values (entry, metric, kernel, value), in run order:"
	sed "s/^/#   /" "$results/values.tsv"
} >"$out"
cat "$out"
echo "written: $out"
