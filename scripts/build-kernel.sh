#!/bin/bash
# usage: scripts/build-kernel.sh SRC NAME
#
# Build the test kernel of source tree SRC out of tree in $CACHE/build/NAME:
# tinyconfig plus selftests/kernel.config (plus the fragment FRAGMENT=<file>
# names, whose lines override it), with ccache, then install the UAPI
# headers there for the selftests.  Prints the build directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -eq 2 ]] || die "usage: scripts/build-kernel.sh SRC NAME"
src=$1 name=$2
[[ -f $src/Makefile && -d $src/arch/x86/kvm ]] || die "$src is not a kernel source tree"
need_tools make gcc ccache flex bison bc
out=$CACHE/build/$name
need_space "$CACHE" 4
mkdir -p "$out"

use_ccache
kmake() { make -s -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" "$@"; }

# Make the config in a scratch directory, and only replace the build's
# .config when it changes, so that incremental builds stay incremental.
cfgdir=$out/.cfg
frags=("$REPO/selftests/kernel.config")
if [[ -n ${FRAGMENT:-} ]]; then
	[[ -f $FRAGMENT ]] || die "FRAGMENT=$FRAGMENT: no such file"
	frags+=("$(realpath "$FRAGMENT")")
fi
MAKEARGS=()
make_config "$src" "$cfgdir" "$out/config.log" "${frags[@]}"
if ! cmp -s "$cfgdir/.config" "$out/.config"; then
	cp "$cfgdir/.config" "$out/.config"
fi

stage build "kernel in $out (make -j$JOBS; about 8 minutes from scratch)"
if ! kmake -j"$JOBS" olddefconfig bzImage >"$out/build.log" 2>&1; then
	lines -E 'error|Error' "$out/build.log" | head -20 >&2
	die "kernel build failed; see $out/build.log"
fi
kmake headers_install INSTALL_HDR_PATH="$out/usr" >>"$out/build.log" 2>&1 ||
	die "headers_install failed; see $out/build.log"
stage build "kernel $(cat "$out/include/config/kernel.release") built"
echo "$out"
