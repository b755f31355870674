#!/bin/bash
# usage: scripts/bisect-build.sh
#
# Build the kernel with the whole series applied, in the build directory
# "patched".  Then, for each patch N of 'series': apply patches 1..N and
# build there what patch N touches: its .c files' objects with W=1,
# arch/x86/kvm/ when it touches a kernel header (with BISECT_HEADERS=series
# instead the objects of every kernel .c file the series touches, the users
# of its headers that matter: at 25 patches, 10 of them header patches, the
# per-patch builds took 15 min instead of 22 in a cold make check, which
# does that; make bisect builds each patch's whole kernel), and the
# selftests it touches (for a change to the selftest library: the x86
# selftests that include a header it changes).
# Patch N fails if that does not build, if W=1 warns about a file it
# touches, or if sparse, checking a .c file it touches, reports something
# (on that file or a header) that it did not report on the base (line
# numbers aside; the "ok" line says how many files were checked; skipped,
# saying so, when no sparse the tree accepts is available, see
# scripts/get-sparse.sh).  One "ok"/"not ok" line per patch; stops at the
# first patch that fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -eq 0 ]] || die "usage: scripts/bisect-build.sh"
load_series
patches=("${PATCHES[@]}")
((${#patches[@]} > 0)) || { echo "# bisect build: empty series, nothing to build"; exit 0; }
scripts=$REPO/scripts
# Build the whole series first: the per-patch steps below build only what
# each patch touches, and 'make run' then rebuilds the kernel at the whole
# series, which then hits ccache (a patch to a widely included header,
# such as include/linux/mmu_notifier.h, would otherwise make that a
# second build from scratch).  If the whole series does not build, build
# the base instead, and the steps below name the first patch that breaks.
wt=$("$scripts/apply.sh")
if out=$("$scripts/build-kernel.sh" "$wt" patched); then
	"$scripts/apply.sh" 0 >/dev/null
else
	echo "# the whole series does not build; building the base to find the first patch that breaks it"
	"$scripts/apply.sh" 0 >/dev/null
	out=$("$scripts/build-kernel.sh" "$wt" patched)
fi
kst=tools/testing/selftests/kvm
[[ ${BISECT_HEADERS:=all} == all || $BISECT_HEADERS == series ]] ||
	die "BISECT_HEADERS must be all or series, not '$BISECT_HEADERS'"
mapfile -t series_objs < <(awk '/^diff --git / { print substr($3, 3) }' "${patches[@]}" |
	lines -vE '^tools/' | lines -E '\.c$' | sed 's/\.c$/.o/' | sort -u)
use_ccache
kmake() { make -s -C "$wt" O="$out" ARCH=x86_64 CC="ccache gcc" "$@"; }

# sparse_of FILE.c: sparse's reports when it checks FILE.c (on FILE.c and
# the headers it includes), without line and column
sparse_of() {
	kmake C=2 CHECK="$sparse" "${1%.c}.o" 2>&1 | lines -E "^[^ ]+:[0-9]+:[0-9]+: " |
		sed -E 's/:[0-9]+:[0-9]+: /: /' | sort -u
}

# sparse's view of the base, for every .c file the series touches, with a
# sparse the kernel accepts (scripts/checker-valid.sh): the installed one,
# else the one 'make deps' built (scripts/get-sparse.sh)
declare -A base_sparse=()
sparse_ok=1
sparse=$(sparse_for "$wt")
if [[ -z $sparse ]]; then
	sparse_ok=0
	echo "# SKIP sparse: no sparse that this kernel accepts (scripts/checker-valid.sh);" \
		"run 'make deps' to build one; no sparse checks"
else
	echo "# sparse: $sparse"
fi
((sparse_ok)) && while read -r f; do
	[[ -f $wt/$f ]] || continue
	base_sparse[$f]=$(sparse_of "$f")
done < <(awk '/^diff --git / { print substr($3, 3) }' "${patches[@]}" |
	lines -vE '^tools/' | lines -E '\.c$' | sort -u)

for ((i = 1; i <= ${#patches[@]}; i++)); do
	p=$(basename "${patches[i - 1]}")
	"$scripts/apply.sh" "$i" >/dev/null
	mapfile -t files < <(git -C "$wt" diff --name-only HEAD~1 HEAD)
	objs=() tests=() cfiles=() kstlib=() hdr=0
	for f in "${files[@]}"; do
		case $f in
		$kst/lib/* | $kst/include/*) kstlib+=("$f") ;;
		$kst/*.c) tests+=("${f#"$kst"/}") ;;
		tools/* | Documentation/*) ;;
		*.c) objs+=("${f%.c}.o") cfiles+=("$f") ;;
		*.h) hdr=1 ;;
		esac
	done
	if ((hdr)) && [[ $BISECT_HEADERS == all ]]; then
		objs+=(arch/x86/kvm/)
	elif ((hdr)); then
		for o in "${series_objs[@]}"; do
			[[ ! -f $wt/${o%.o}.c ]] || objs+=("$o")
		done
		mapfile -t objs < <(printf '%s\n' "${objs[@]}" | sort -u)
	fi
	# The selftest library: the x86 selftests that include a header the
	# patch changes, or one that links the library if it changes none.
	if ((${#kstlib[@]})); then
		for h in "${kstlib[@]}"; do
			[[ $h == *.h ]] || continue
			while read -r t; do
				tests+=("${t#"$wt/$kst"/}")
			done < <(grep -lF "#include \"${h##*/}\"" "$wt/$kst"/*.c "$wt/$kst"/x86/*.c || true)
		done
		((${#tests[@]})) || tests+=(kvm_binary_stats_test.c)
		mapfile -t tests < <(printf '%s\n' "${tests[@]}" | sort -u)
	fi
	log=$out/bisect-$i.log
	: >"$log" # a patch with no kernel objects builds nothing here
	stage bisect "patch $i/${#patches[@]} $p: ${objs[*]:-no kernel objects} ${tests[*]:-}"
	why=
	if ((${#objs[@]})) && ! kmake W=1 -j"$JOBS" "${objs[@]}" >"$log" 2>&1; then
		why="does not build"
	fi
	if [[ -z $why ]]; then
		for f in "${files[@]}"; do
			if grep -q "${f//./\\.}:[0-9]*:[0-9]*: warning:" "$log"; then
				why="W=1 warns about $f"
				break
			fi
		done
	fi
	sp=
	if [[ -z $why ]] && ((sparse_ok)); then
		sp=" # sparse: 0 new in ${#cfiles[@]} files"
		for f in "${cfiles[@]}"; do
			new=$(comm -13 <(echo "${base_sparse[$f]:-}") <(sparse_of "$f" | tee -a "$log"))
			if [[ -n $new ]]; then
				echo "$new" >>"$log"
				why="sparse reports on $f what it did not on the base: $(head -1 <<<"$new")"
				break
			fi
		done
	fi
	if [[ -z $why ]] && ((${#tests[@]})); then
		kmake headers_install INSTALL_HDR_PATH="$out/usr" >>"$log" 2>&1 &&
			"$scripts/build-selftests.sh" "$wt" "$out" "${tests[@]%.c}" >>"$log" 2>&1 ||
			why="its selftests do not build"
	fi
	if [[ -z $why ]]; then
		echo "ok $i bisect-build $p$sp"
	else
		echo "not ok $i bisect-build $p # $why"
		grep -m10 -E 'error|warning' "$log" | sed 's/^/#   /' || true
		die "patch $i ($p) $why; see $log"
	fi
done
