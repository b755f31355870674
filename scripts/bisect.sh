#!/bin/bash
# usage: scripts/bisect.sh [ENTRY...]
#
# For N = 0 (the base) .. the number of patches: apply patches 1..N, build,
# boot and run the plan entries that apply to patches 0..N (or only ENTRY
# names), then print a table: patch x passed/failed/skipped, failing tests.
# FROM=N starts at patch N instead of the base (e.g. the first patch of a
# new part, when the ones before it passed already).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
load_series
patches=("${PATCHES[@]}")
from=${FROM:-0}
[[ $from =~ ^(0|[1-9][0-9]*)$ ]] && ((from <= ${#patches[@]})) ||
	die "FROM must be a patch number from 0 to ${#patches[@]}, not '$from'"
results=$(new_results_dir bisect)
table=$results/bisect.txt
printf '%-3s %-58s %6s %6s %7s  %s\n' N PATCH PASSED FAILED SKIPPED FAILING >"$table"
bad=0
for ((n = from; n <= ${#patches[@]}; n++)); do
	name=base
	((n == 0)) || name=$(basename "${patches[n - 1]}")
	stage bisect "patch $n of ${#patches[@]}: $name"
	rc=0
	RESULTS=$results/$n "$REPO/scripts/run.sh" -n "$n" "$@" >"$results/$n.out" 2>&1 || rc=$?
	tsv=$results/$n/results.tsv
	if [[ -s $tsv ]]; then
		p=$(awk -F'\t' '$3 == "PASS"' "$tsv" | wc -l)
		f=$(awk -F'\t' '$3 == "FAIL"' "$tsv" | wc -l)
		s=$(awk -F'\t' '$3 == "SKIP"' "$tsv" | wc -l)
		failing=$(awk -F'\t' '$3 == "FAIL" { printf "%s%s", sep, $1; sep = "," }' "$tsv")
	else
		p=0 f=1 s=0 failing="did not run: $(lines '^error: ' "$results/$n.out" | tail -1)"
	fi
	((rc == 0)) || bad=$((bad + 1))
	printf '%-3s %-58s %6s %6s %7s  %s\n' "$n" "${name:0:58}" "$p" "$f" "$s" "$failing" >>"$table"
done
echo
cat "$table"
echo "results: $results"
((bad == 0)) || die "$bad of $((${#patches[@]} + 1 - from)) bisect steps failed"
