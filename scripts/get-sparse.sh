#!/bin/bash
# usage: scripts/get-sparse.sh
#
# Build a sparse that Linux 7.3 accepts into $CACHE/sparse, if it is not
# there yet: Debian 12's sparse 0.6.4 fails the kernel's
# scripts/checker-valid.sh (no __typeof_unqual__), so C=1 silently checks
# nothing.  Fetches Debian's source package sparse $SPARSE_VERSION from
# $SPARSE_SUITE through a private apt configuration ($CACHE/apt-src; the
# machine's apt sources are not touched) and builds only the sparse binary
# (no LLVM, GTK or libxml).  The scripts use it where the installed sparse
# is too old (sparse_for in lib.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[[ $# -eq 0 ]] || die "usage: scripts/get-sparse.sh"
lock_cache
dest=$CACHE/sparse
if [[ -x $dest/sparse && $(cat "$dest/.version" 2>/dev/null) == "$SPARSE_VERSION" ]]; then
	stage sparse "$dest/sparse (Debian source $SPARSE_VERSION) already built"
	exit 0
fi
need_tools apt-get dpkg-source make gcc
need_space "$CACHE" 1
apt_dir=$CACHE/apt-src
apt_conf=$(private_apt "$apt_dir" "deb-src [signed-by=$DEBIAN_KEYRING] $DEBIAN_MIRROR $SPARSE_SUITE main")
stage sparse "apt-get update ($SPARSE_SUITE sources, private configuration in $apt_dir)"
apt-get -c "$apt_conf" -q update >"$apt_dir/update.log" 2>&1 ||
	die "apt-get update for $SPARSE_SUITE sources failed; see $apt_dir/update.log"
dl=$apt_dir/src
rm -rf "$dl" "$dest.tmp"
mkdir -p "$dl"
stage sparse "downloading the source of sparse $SPARSE_VERSION"
(cd "$dl" && apt-get -c "$apt_conf" -q source --download-only "sparse=$SPARSE_VERSION") \
	>"$apt_dir/download.log" 2>&1 ||
	die "download of the source of sparse=$SPARSE_VERSION failed (gone from $SPARSE_SUITE?); see $apt_dir/download.log"
dpkg-source -x "$dl/sparse_${SPARSE_VERSION}.dsc" "$dest.tmp" >"$apt_dir/unpack.log" 2>&1 ||
	die "dpkg-source -x failed; see $apt_dir/unpack.log"
# Debian's package pins gcc-16; build with the machine's gcc.
stage sparse "building sparse (about 15 seconds)"
make -C "$dest.tmp" -j"$JOBS" CC=gcc HAVE_GTK=no HAVE_LLVM=no HAVE_LIBXML=no HAVE_SQLITE=no \
	sparse >"$apt_dir/build.log" 2>&1 || die "building sparse failed; see $apt_dir/build.log"
echo "$SPARSE_VERSION" >"$dest.tmp/.version"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
stage sparse "built $dest/sparse (Debian source $SPARSE_VERSION)"
