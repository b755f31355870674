#!/bin/bash
# usage: scripts/config-matrix.sh [ROW...]
#
# Build the series in the configurations the kernel test robot tries: one
# row per selftests/configs/ROW.config (see the README there; all rows
# unless ROWs are named).  For each row, with every patch of 'series'
# applied: the test config plus the row, checked after olddefconfig, in
# $CACHE/build/cfg-ROW; make prepare; then the row's targets with W=1.  A
# row fails on a build error (naming the first error) or on a W=1 warning
# the same row does not also give on the base.  Prints "ok"/"not ok" per
# row and a table, and writes it to $RESULTS/matrix.txt.  CONFIGS=<dir>
# reads the rows from another directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
cfgs=${CONFIGS:-$REPO/selftests/configs}
[[ -d $cfgs ]] || die "no configuration rows: $cfgs is not a directory"
rows=()
if (($# > 0)); then
	for r in "$@"; do
		[[ -f $cfgs/$r.config ]] || die "no row '$r' (no $cfgs/$r.config)"
		rows+=("$r")
	done
else
	# The test config first, then clang, then the rest by name.
	for f in "$cfgs"/*.config; do
		[[ -f $f ]] || continue
		r=$(basename "$f" .config)
		[[ $r == test || $r == clang ]] || rows+=("$r")
	done
	[[ -f $cfgs/clang.config ]] && rows=(clang "${rows[@]}")
	[[ -f $cfgs/test.config ]] && rows=(test "${rows[@]}")
	((${#rows[@]})) || die "no *.config rows in $cfgs"
fi
need_tools make gcc ccache
load_series
results=$(new_results_dir matrix)
wt=$("$REPO/scripts/apply.sh")
use_ccache

# The directories of the .c files the series touches outside KVM's own.
mapfile -t extra_dirs < <(awk '/^diff --git / { print substr($3, 3) }' "${PATCHES[@]}" /dev/null |
	lines -E '\.c$' | lines -vE '^(arch/x86/kvm|virt/kvm|tools|Documentation|samples)/' |
	sed -E 's|/[^/]*$|/|' | sort -u)

# directive ROW WORD: the words after "# matrix: WORD" in the row's file
directive() {
	sed -n "s/^# matrix: $2 //p" "$cfgs/$1.config" | tr '\n' ' '
}

# row_cc ROW: the C compiler the row's make variables mean (LLVM=-19:
# clang-19, LLVM=1: clang, LLVM=/usr/lib/llvm-19/bin/: that clang; gcc)
row_cc() {
	local a cc=gcc
	for a in $(directive "$1" make); do
		case $a in
		LLVM=1) cc=clang ;;
		LLVM=-*) cc=clang${a#LLVM=} ;;
		LLVM=*/) cc=${a#LLVM=}clang ;;
		esac
	done
	echo "$cc"
}

# build_row ROW DIR: configure and build ROW in DIR; the log is DIR/build.log
build_row() {
	local row=$1 dir=$2 cc
	cc=$(row_cc "$row")
	read -ra MAKEARGS <<<"$(directive "$row" make)"
	need_tools "$cc"
	make_config "$wt" "$dir/.cfg" "$dir/config.log" "$REPO/selftests/kernel.config" "$cfgs/$row.config"
	cmp -s "$dir/.cfg/.config" "$dir/.config" || cp "$dir/.cfg/.config" "$dir/.config"
	kmake() { make -s -C "$wt" O="$dir" ARCH=x86_64 "${MAKEARGS[@]}" CC="ccache $cc" "$@"; }
	kmake -j"$JOBS" olddefconfig prepare >"$dir/build.log" 2>&1 || return 1
	kmake -j"$JOBS" W=1 "${targets[@]}" >>"$dir/build.log" 2>&1
}

# warnings LOG: the W=1 warnings in LOG, without line and column
warnings() {
	lines -E '^[^ ]+:[0-9]+:[0-9]+: warning: ' "$1" | sed -E 's/:[0-9]+:[0-9]+: /: /' | sort -u
}

i=0 failed=0
printf '%-18s %-9s %-8s %s\n' CONFIG COMPILER RESULT DETAIL >"$results/matrix.txt"
for row in "${rows[@]}"; do
	i=$((i + 1))
	t=$(date +%s)
	read -ra targets <<<"$(directive "$row" build)"
	((${#targets[@]})) || targets=(arch/x86/kvm/)
	for d in "${extra_dirs[@]}"; do
		printf '%s\n' "${targets[@]}" | grep -qxF "$d" || targets+=("$d")
	done
	cc=$(row_cc "$row")
	dir=$CACHE/build/cfg-$row
	mkdir -p "$dir"
	stage matrix "$row: ${targets[*]} with W=1 ($cc)"
	why= detail=
	rm -f "$dir/build.log" "$dir/new-warnings.txt"
	if ! (build_row "$row" "$dir") 2>"$dir/row.err"; then
		# The harness's own error (a config that lost an option), else
		# the build's first.
		first=$(lines -E '^error: ' "$dir/row.err" | tail -1)
		[[ -n $first || ! -f $dir/build.log ]] ||
			first=$(grep -m1 -E '(error|Error)[: ]' "$dir/build.log" || true)
		why="build failed: $(cut -c1-240 <<<"${first:-see $dir/row.err}")"
	else
		w=$(warnings "$dir/build.log")
		if [[ -n $w ]]; then
			# Warnings: the same row on the base, in its own build directory.
			stage matrix "$row: $(wc -l <<<"$w") W=1 warnings; building the base to compare"
			"$REPO/scripts/apply.sh" 0 >/dev/null
			bdir=$CACHE/build/cfg-$row-base
			mkdir -p "$bdir"
			(build_row "$row" "$bdir") || true
			"$REPO/scripts/apply.sh" >/dev/null
			new=$(comm -23 <(echo "$w") <(warnings "$bdir/build.log"))
			if [[ -n $new ]]; then
				echo "$new" >"$dir/new-warnings.txt"
				why="$(wc -l <<<"$new") new W=1 warnings, first: $(head -1 <<<"$new" | cut -c1-200)"
			else
				detail="$(wc -l <<<"$w") W=1 warnings, all also on the base"
			fi
		fi
	fi
	secs=$(($(date +%s) - t))
	if [[ -z $why ]]; then
		echo "ok $i config $row # ${secs}s ${detail}"
		printf '%-18s %-9s %-8s %s\n' "$row" "$cc" ok "${detail:-W=1 clean} (${targets[*]})" >>"$results/matrix.txt"
	else
		failed=$((failed + 1))
		echo "not ok $i config $row # $why; see $dir/build.log"
		printf '%-18s %-9s %-8s %s\n' "$row" "$cc" FAILED "$why" >>"$results/matrix.txt"
	fi
done
echo
sed 's/^/# /' "$results/matrix.txt"
((failed == 0))
