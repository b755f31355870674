#!/bin/bash
# usage: scripts/negative.sh [ENTRY...]
#
# Apply the series plus the throwaway patches in selftests/negative/ (which
# break what the series protects), run the plan ENTRY names (default:
# shrinker_test-nested), and succeed only if at least one of them fails, as
# it must.  Shows that the selftests can fail.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
(($# > 0)) || set -- shrinker_test-nested
load_series
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/patches"
for p in "${PATCHES[@]}" "$REPO"/selftests/negative/*.patch; do
	cp "$p" "$tmp/patches/"
	basename "$p" >>"$tmp/series"
done
results=$(new_results_dir negative)
rc=0
SERIES_DIR=$tmp RESULTS=$results "$REPO/scripts/run.sh" "$@" || rc=$?
echo
if ((rc == 0)); then
	die "with the series broken by selftests/negative/*.patch, $* still passed"
fi
echo "negative: the broken series failed, as it must (results: $results)"
