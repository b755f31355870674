#!/bin/bash
# usage: scripts/mkinitramfs.sh BUILD PLANDIR OUT
#
# Pack the test initramfs OUT: busybox-static, selftests/runner.sh as /init,
# the guest plans PLANDIR/*.sh, the selftest binaries listed in
# PLANDIR/binaries (from BUILD/kselftest/kvm) with the libraries they need,
# and what PLANDIR/overlay/ holds, as it is.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[[ $# -eq 3 ]] || die "usage: scripts/mkinitramfs.sh BUILD PLANDIR OUT"
build=$1 plandir=$2 out=$3
need_tools cpio gzip ldd
busybox=/bin/busybox
[[ -x $busybox ]] || die "busybox not found (apt-get install busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is not static (apt-get install busybox-static)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests,plans}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$REPO/selftests/runner.sh" "$root/init"
chmod +x "$root/init"
cp "$plandir"/*.sh "$root/plans/"
# Files a plan adds as they are (e.g. scripts/kselftest.sh's kselftest tree).
[[ ! -d $plandir/overlay ]] || cp -a "$plandir/overlay/." "$root/"
while read -r t; do
	[[ -n $t ]] || continue
	bin=$build/kselftest/kvm/$t
	[[ -x $bin ]] || die "selftest binary $bin is missing"
	mkdir -p "$root/tests/$(dirname "$t")"
	cp "$bin" "$root/tests/$t"
	ldd "$bin" | grep -oE '/[^ ]+' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done <"$plandir/binaries"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
