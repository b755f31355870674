#!/bin/bash
# usage: scripts/get-base.sh
#
# Make sure the base kernel tree exists and print what it is.  Without KDIR,
# download Debian's linux-source-7.3 ($DEB_VERSION, trixie-backports) with a
# private apt configuration (the machine's apt sources are not touched),
# unpack it under $CACHE and make it a git repository whose base commit is
# tagged kvm-mmu-base.  With KDIR=<git tree>, check that tree and BASE.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[[ $# -eq 0 ]] || die "usage: scripts/get-base.sh (no arguments; see KDIR, BASE, CACHE)"

if [[ -n ${KDIR:-} ]]; then
	src_repo >/dev/null
	stage base "using KDIR: $(base_desc)"
	exit 0
fi

if git -C "$CACHE/linux" rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null 2>&1; then
	stage base "$(base_desc)"
	exit 0
fi

need_tools apt-get apt-cache dpkg-deb dpkg-parsechangelog tar xz gzip git
need_space "$CACHE" 8
apt_dir=$CACHE/apt
apt_conf=$(private_apt "$apt_dir" "deb [signed-by=$DEBIAN_KEYRING] $DEBIAN_MIRROR $DEB_SUITE main")

stage base "apt-get update ($DEB_SUITE, private configuration in $apt_dir)"
apt-get -c "$apt_conf" -q update >"$apt_dir/update.log" 2>&1 ||
	die "apt-get update for $DEB_SUITE failed; see $apt_dir/update.log"

version=$DEB_VERSION
if ! apt-cache -c "$apt_conf" madison "$DEB_PKG" | awk '{print $3}' | grep -qxF "$version"; then
	newest=$(apt-cache -c "$apt_conf" madison "$DEB_PKG" | awk '{print $3}' | sort -V | tail -1)
	[[ -n $newest ]] || die "$DEB_PKG is not in $DEB_SUITE any more; set KDIR= to a kernel git tree"
	echo "warning: $DEB_PKG $version is gone from $DEB_SUITE; using the newest, $newest" >&2
	version=$newest
fi

dl=$CACHE/dl
mkdir -p "$dl"
stage base "downloading $DEB_PKG $version"
(cd "$dl" && apt-get -c "$apt_conf" -q download "$DEB_PKG=$version" >"$apt_dir/download.log" 2>&1) ||
	die "download of $DEB_PKG=$version failed; see $apt_dir/download.log"
deb=$(ls -t "$dl"/"${DEB_PKG}"_*.deb | head -1)

tmp=$CACHE/linux.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
stage base "unpacking $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" | tar -x -O "./usr/src/$DEB_PKG.tar.xz" |
	tar -xJ -C "$tmp" --strip-components=1
[[ -f $tmp/Makefile && -d $tmp/arch/x86/kvm ]] || die "$deb did not hold a kernel tree"

# Debian's .gitignore ends with a packaging block that ignores every
# top-level entry; cut it off so that new files can be added.
awk '/^# Debian packaging/ { exit } { print }' "$tmp/.gitignore" |
	sed -e '${/^#$/d}' >"$tmp/.gitignore.new"
mv "$tmp/.gitignore.new" "$tmp/.gitignore"

# The same commit on every machine: a fixed identity, the date of the
# package's changelog entry, and no configuration of the caller's.
dpkg-deb --fsys-tarfile "$deb" | tar -x -O "./usr/share/doc/$DEB_PKG/changelog.Debian.gz" |
	gzip -dc >"$tmp.changelog" || die "no changelog in $(basename "$deb")"
date=$(dpkg-parsechangelog -l "$tmp.changelog" -S Date) && [[ -n $date ]] ||
	die "no date in the changelog of $(basename "$deb")"
rm -f "$tmp.changelog"
stage base "creating the git repository (a few minutes)"
git -C "$tmp" init -q -b base
git -C "$tmp" -c core.autocrlf=false -c core.fileMode=true add -A -f .
GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
	GIT_AUTHOR_NAME=kvm-mmu-series GIT_AUTHOR_EMAIL=kvm-mmu-series@localhost GIT_AUTHOR_DATE="$date" \
	GIT_COMMITTER_NAME=kvm-mmu-series GIT_COMMITTER_EMAIL=kvm-mmu-series@localhost GIT_COMMITTER_DATE="$date" \
	git -C "$tmp" commit -q --no-gpg-sign -m "Linux $version (Debian $DEB_PKG)" \
	-m "Unpacked from $(basename "$deb"); the Debian packaging block at the end of .gitignore removed."
git -C "$tmp" tag "$BASE_TAG"
echo "$version" >"$tmp/../linux.version"
rm -rf "$CACHE/linux"
mv "$tmp" "$CACHE/linux"
stage base "$(base_desc)"
