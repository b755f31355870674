#!/bin/bash
# usage: scripts/build-selftests.sh SRC BUILD TEST...
#
# Build the named KVM selftests (e.g. dirty_log_perf_test x86/shrinker_test)
# of source tree SRC against the UAPI headers installed in BUILD/usr.  The
# binaries land in BUILD/kselftest/kvm.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[[ $# -ge 3 ]] || die "usage: scripts/build-selftests.sh SRC BUILD TEST..."
src=$1 out=$2
shift 2
[[ -d $out/usr/include/linux ]] || die "$out has no installed headers; build the kernel first"
kst=$src/tools/testing/selftests/kvm
targets=()
for t in "$@"; do
	[[ -f $kst/$t.c ]] || die "no selftest source $kst/$t.c (a plan entry names '$t')"
	targets+=("$out/kselftest/kvm/$t")
done
stage selftest "building ${#targets[@]} KVM selftests"
if ! make -s -C "$kst" -j"$JOBS" OUTPUT="$out/kselftest/kvm" \
	KHDR_INCLUDES="-isystem $out/usr/include" "${targets[@]}" >"$out/selftests.log" 2>&1; then
	lines -E 'error' "$out/selftests.log" | head -20 >&2
	die "selftests build failed; see $out/selftests.log"
fi
