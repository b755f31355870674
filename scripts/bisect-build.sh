#!/bin/bash
# usage: scripts/bisect-build.sh
#
# For each patch N of 'series': apply patches 1..N and build what patch N
# touches (its .c files' objects with W=1; arch/x86/kvm/ when it touches a
# header; the selftests it touches), in the build directory "patched".
# Prints one "ok"/"not ok" line per patch; exits non-zero on the first
# patch that does not build.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -eq 0 ]] || die "usage: scripts/bisect-build.sh"
load_series
patches=("${PATCHES[@]}")
((${#patches[@]} > 0)) || { echo "# bisect build: empty series, nothing to build"; exit 0; }
scripts=$REPO/scripts
wt=$("$scripts/apply.sh" 0)
out=$("$scripts/build-kernel.sh" "$wt" patched)
kst=tools/testing/selftests/kvm
for ((i = 1; i <= ${#patches[@]}; i++)); do
	p=$(basename "${patches[i - 1]}")
	"$scripts/apply.sh" "$i" >/dev/null
	mapfile -t files < <(git -C "$wt" diff --name-only HEAD~1 HEAD)
	objs=() tests=() hdr=0
	for f in "${files[@]}"; do
		case $f in
		$kst/*.c) [[ $f == $kst/lib/* ]] && hdr=1 || tests+=("${f#"$kst"/}") ;;
		tools/* | Documentation/*) ;;
		*.c) objs+=("${f%.c}.o") ;;
		*.h) hdr=1 ;;
		esac
	done
	((hdr == 0)) || objs+=(arch/x86/kvm/)
	log=$out/bisect-$i.log
	stage bisect "patch $i/${#patches[@]} $p: ${objs[*]:-no kernel objects} ${tests[*]:-}"
	ok=1
	if ((${#objs[@]})); then
		make -s -C "$wt" O="$out" ARCH=x86_64 CC="ccache gcc" W=1 -j"$JOBS" "${objs[@]}" >"$log" 2>&1 || ok=0
	fi
	if ((ok && ${#tests[@]})); then
		make -s -C "$wt" O="$out" ARCH=x86_64 headers_install INSTALL_HDR_PATH="$out/usr" >>"$log" 2>&1 &&
			"$scripts/build-selftests.sh" "$wt" "$out" "${tests[@]%.c}" >>"$log" 2>&1 || ok=0
	fi
	if ((ok)); then
		echo "ok $i bisect-build $p"
	else
		echo "not ok $i bisect-build $p"
		lines -E 'error|Error' "$log" | head -10 | sed 's/^/#   /'
		die "patch $i ($p) does not build on its own; see $log"
	fi
done
