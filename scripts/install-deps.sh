#!/bin/bash
# usage: scripts/install-deps.sh
#
# Install the Debian packages the build and the run need, if any is
# missing (as root; otherwise name them and stop).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[[ $# -eq 0 ]] || die "usage: scripts/install-deps.sh"
pkgs=(build-essential flex bison bc libelf-dev libssl-dev uuid-dev cpio gzip xz-utils
	ccache qemu-system-x86 busybox-static b4 sparse python3 python3-ply python3-git perl git rsync kmod
	dpkg-dev clang-19 lld-19 llvm-19)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	stage deps "all ${#pkgs[@]} packages installed"
	exit 0
fi
((EUID == 0)) || die "missing packages: ${missing[*]}; run as root: apt-get install ${missing[*]}"
stage deps "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -q update >/tmp/kvm-mmu-series-apt.log 2>&1 || die "apt-get update failed; see /tmp/kvm-mmu-series-apt.log"
apt-get -q install -y --no-install-recommends "${missing[@]}" >>/tmp/kvm-mmu-series-apt.log 2>&1 ||
	die "apt-get install failed; see /tmp/kvm-mmu-series-apt.log"
stage deps "installed ${#missing[@]} packages"
