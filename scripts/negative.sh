#!/bin/bash
# usage: scripts/negative.sh [PATCH...]
#
# For each throwaway patch in selftests/negative/ (or only the PATCH file
# names given), apply the series plus that one patch, run the plan entries
# its "Fails:" line names, and check that every one of them fails, as it
# must: each patch breaks something the series protects, and each entry is
# a mode the selftests claim to catch it in.  Prints one ok/not ok line per
# patch and entry; exits non-zero if a broken series passed anywhere.
#
# Optional lines in a patch: "Passes: ENTRY..." names entries that must
# still pass (e.g. one that tolerates the failure the patch forces), and
# "Fails:" may name kmemleak-BOOT, the debug run's leak check (see
# run.sh -d).  "Config: FILE" builds the kernel with that
# config fragment (FRAGMENT=, e.g. selftests/debug.config, in a build
# directory named after it), "Run: OPTIONS" passes scripts/run.sh options
# (e.g. -d -i 3 for the debug checks with injected allocation failures).
# NEGDIR=<dir> reads the patches from another directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
negdir=${NEGDIR:-$REPO/selftests/negative}
negs=()
if (($# > 0)); then
	for p in "$@"; do
		[[ -f $negdir/$(basename "$p") ]] || die "no negative patch $negdir/$(basename "$p")"
		negs+=("$negdir/$(basename "$p")")
	done
else
	negs=("$negdir"/*.patch)
	[[ -f ${negs[0]} ]] || die "no patches in $negdir"
fi
# Check every patch names its entries before anything runs.
for neg in "${negs[@]}"; do
	[[ -n $(patch_field "$neg" Fails) ]] ||
		die "$(basename "$neg") has no 'Fails: ENTRY...' line naming the plan entries that must fail"
	cfg=$(patch_field "$neg" Config)
	[[ -z $cfg || -f $REPO/$cfg ]] || die "$(basename "$neg"): Config: $cfg does not exist"
done
load_series
results=$(new_results_dir negative)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0 bad=0
echo "KTAP version 1"
for neg in "${negs[@]}"; do
	name=$(basename "$neg" .patch)
	read -r -a entries <<<"$(patch_field "$neg" Fails)"
	read -r -a passes <<<"$(patch_field "$neg" Passes)"
	# kmemleak-BOOT is a result of every debug run, not a plan entry.
	torun=()
	for e in "${entries[@]}" "${passes[@]}"; do
		[[ $e == kmemleak-* ]] || torun+=("$e")
	done
	read -r -a runopts <<<"$(patch_field "$neg" Run)"
	cfg=$(patch_field "$neg" Config)
	frag=
	if [[ -n $cfg ]]; then
		frag=$REPO/$cfg
		runopts+=(-k "$(basename "$cfg" .config)")
	fi
	rm -rf "$tmp/s"
	mkdir -p "$tmp/s/patches"
	for p in "${PATCHES[@]}" "$neg"; do
		cp "$p" "$tmp/s/patches/"
		basename "$p" >>"$tmp/s/series"
	done
	stage negative "$name: ${entries[*]} must fail${passes[*]:+, ${passes[*]} must pass}"
	log=$results/$name.log
	SERIES_DIR=$tmp/s RESULTS=$results/$name FRAGMENT=$frag \
		"$REPO/scripts/run.sh" "${runopts[@]}" "${torun[@]}" >"$log" 2>&1 || true
	for e in "${entries[@]}"; do
		i=$((i + 1))
		if grep -qE "^not ok [0-9]+ $e( |$)" "$log"; then
			echo "ok $i $name: $e failed, as it must"
		elif grep -qE "^ok [0-9]+ $e( |$)" "$log"; then
			bad=$((bad + 1))
			echo "not ok $i $name: $e passed with the series broken"
		else
			bad=$((bad + 1))
			echo "not ok $i $name: $e did not run; see $log"
			lines -E '^error: ' "$log" | tail -2 | sed 's/^/#   /'
		fi
	done
	for e in "${passes[@]}"; do
		i=$((i + 1))
		if grep -qE "^ok [0-9]+ $e( |$)" "$log"; then
			echo "ok $i $name: $e passed, as it must"
		else
			bad=$((bad + 1))
			echo "not ok $i $name: $e did not pass; see $log"
		fi
	done
done
echo "1..$i"
echo "results: $results"
((bad == 0)) || die "$bad of $i negative checks did not fail as they must"
