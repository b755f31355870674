# shellcheck shell=bash
# Shared helpers for the scripts in this directory.  Sourced, never run.
#
# Variables a user may set (all optional):
#   CACHE    where the base tree, build trees and downloads live
#            (default: ~/.cache/kvm-mmu-series)
#   KDIR     a kernel git tree to use instead of Debian's linux-source-7.3
#   BASE     the base revision in KDIR (default: the tag kvm-mmu-base, else HEAD)
#   RESULTS  the results directory of this run (default: results/<date>-<name>)
#   JOBS     make -j (default: nproc + 1)

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Where 'series' and 'patches/' are (the harness tests point it elsewhere).
SERIES_DIR=${SERIES_DIR:-$REPO}
CACHE=${CACHE:-$HOME/.cache/kvm-mmu-series}
JOBS=${JOBS:-$(($(nproc) + 1))}
DEB_PKG=linux-source-7.3
DEB_VERSION=${DEB_VERSION:-7.3.4-1~bpo13+1}
DEB_SUITE=trixie-backports
BASE_TAG=kvm-mmu-base
DEBIAN_MIRROR=http://deb.debian.org/debian
DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# sparse: Debian 12's 0.6.4 is too old for 7.3 (no __typeof_unqual__);
# unstable's source package builds one that is not (scripts/get-sparse.sh)
SPARSE_SUITE=unstable
SPARSE_VERSION=0.6.5~rc1-2
WORK_BRANCH=kvm-mmu-series
T0=${T0:-$(date +%s)}
export T0

# No automatic git gc in the harness's repositories: a daemonized gc would
# inherit the CACHE lock (lock_cache) and hold it after the run, and steal
# CPU from the next build.
if [[ $(git config gc.auto 2>/dev/null) != 0 ]]; then
	_n=${GIT_CONFIG_COUNT:-0}
	export "GIT_CONFIG_KEY_$_n=gc.auto" "GIT_CONFIG_VALUE_$_n=0" GIT_CONFIG_COUNT=$((_n + 1))
	unset _n
fi

# The harness's own git identity, for the commits it makes (git am, test
# patches) and for b4, when the caller's git has none: passed through the
# environment (GIT_CONFIG_COUNT), never written to anyone's configuration.
if ! git config user.name >/dev/null 2>&1 || ! git config user.email >/dev/null 2>&1; then
	_n=${GIT_CONFIG_COUNT:-0}
	export "GIT_CONFIG_KEY_$_n=user.name" "GIT_CONFIG_VALUE_$_n=kvm-mmu-series"
	export "GIT_CONFIG_KEY_$((_n + 1))=user.email" "GIT_CONFIG_VALUE_$((_n + 1))=kvm-mmu-series@localhost"
	export GIT_CONFIG_COUNT=$((_n + 2))
	unset _n
fi

# die MESSAGE: stop with "error: MESSAGE", exit status DIE_STATUS (default 1)
die() {
	echo "error: $*" >&2
	exit "${DIE_STATUS:-1}"
}

elapsed() {
	local s=$(($(date +%s) - T0))
	printf '%d:%02d' $((s / 60)) $((s % 60))
}

# stage NAME MESSAGE...: one progress line, with the time since the run began
stage() {
	local name=$1
	shift
	printf '[%6s] %-9s %s\n' "$(elapsed)" "$name" "$*" >&2
}

need_tools() {
	local t missing=()
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	((${#missing[@]} == 0)) ||
		die "missing tool(s): ${missing[*]} (run 'make deps' as root to install them)"
}

# need_space DIR GIB: stop unless DIR's file system has GIB free
need_space() {
	local dir=$1 gib=$2 avail
	mkdir -p "$dir"
	avail=$(df -Pk "$dir" | awk 'NR == 2 { print int($4 / 1048576) }')
	((avail >= gib)) ||
		die "no space left: $dir has ${avail} GiB free, this step needs ${gib} GiB (set CACHE= to another disk)"
}

# private_apt DIR LINE: an apt configuration in DIR whose only source is
# the sources.list LINE; prints its path, for apt-get -c.  The machine's
# own apt sources and state are never touched, and the hooks its apt
# configuration runs after an update (packagekit, appstream) do not run.
private_apt() {
	local dir=$1 line=$2
	mkdir -p "$dir"/{lists/partial,cache/archives/partial,etc/preferences.d,etc/sources.list.d}
	echo "$line" >"$dir/etc/sources.list"
	cat >"$dir/apt.conf" <<CONF
Dir::State "$dir";
Dir::State::Lists "$dir/lists";
Dir::State::status "/var/lib/dpkg/status";
Dir::Cache "$dir/cache";
Dir::Etc::SourceList "$dir/etc/sources.list";
Dir::Etc::SourceParts "$dir/etc/sources.list.d";
Dir::Etc::Preferences "$dir/etc/preferences";
Dir::Etc::PreferencesParts "$dir/etc/preferences.d";
APT::Sandbox::User "root";
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled "false";
CONF
	echo "$dir/apt.conf"
}

# sparse_for TREE: the sparse that TREE's scripts/checker-valid.sh accepts,
# the installed one first, then the one scripts/get-sparse.sh built; prints
# nothing if neither is.
sparse_for() {
	local s
	for s in sparse "$CACHE/sparse/sparse"; do
		command -v "$s" >/dev/null 2>&1 || continue
		[[ $(tree=$(cd "$1" && pwd) && cd /tmp && sh "$tree/scripts/checker-valid.sh" "$s" -m64 2>/dev/null) == 1 ]] || continue
		command -v "$s"
		return 0
	done
}

# use_ccache: one compiler cache under $CACHE for every build and config
use_ccache() {
	export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache} CCACHE_BASEDIR=$CACHE CCACHE_NOHASHDIR=1
	ccache -M 8G >/dev/null
}

# make_config SRC DIR LOG FRAGMENT...: DIR/.config for tree SRC (x86_64):
# tinyconfig, the FRAGMENTs merged in order, olddefconfig.  Then every
# option the fragments set (the last word on each) is checked: "=y"/"=m"
# must be there as written, "is not set" must not be set; a missing
# dependency stops with the options' names.  MAKEARGS (an array the caller
# sets, e.g. (LLVM=-19); empty if unset) goes to make.
make_config() {
	local src=$1 dir=$2 log=$3 missing
	shift 3
	mkdir -p "$dir"
	make -s -C "$src" O="$dir" ARCH=x86_64 "${MAKEARGS[@]}" tinyconfig >"$log" 2>&1 ||
		die "make tinyconfig failed; see $log"
	KCONFIG_CONFIG=$dir/.config "$src/scripts/kconfig/merge_config.sh" -m -O "$dir" \
		"$dir/.config" "$@" >>"$log" 2>&1 ||
		die "merging $* failed; see $log"
	make -s -C "$src" O="$dir" ARCH=x86_64 "${MAKEARGS[@]}" olddefconfig >>"$log" 2>&1 ||
		die "make olddefconfig failed; see $log"
	missing=$(cat "$@" | sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1=n/p; /^CONFIG_[A-Z0-9_]*=/p' |
		awk -F= '{ v[$1] = $0; if (!($1 in seen)) { seen[$1] = 1; o[++n] = $1 } } END { for (i = 1; i <= n; i++) print v[o[i]] }' |
		while read -r line; do
			if [[ $line == *=n ]]; then
				! grep -q "^${line%=n}=" "$dir/.config" || echo "${line%=n}(=n)"
			else
				grep -qxF "$line" "$dir/.config" || echo "${line%%=*}"
			fi
		done)
	[[ -z $missing ]] || die "kernel config lacks (a dependency is missing): $(echo $missing); asked for by: $(for f in "$@"; do basename "$f"; done | tr '\n' ' ')"
}

# The kernel repository the series applies to (Debian's tree or KDIR).
src_repo() {
	if [[ -n ${KDIR:-} ]]; then
		git -C "$KDIR" rev-parse --git-dir >/dev/null 2>&1 ||
			die "KDIR=$KDIR is not a git tree"
		(cd "$KDIR" && pwd)
	else
		echo "$CACHE/linux"
	fi
}

# The base commit, as a full hash.
base_rev() {
	local repo rev
	repo=$(src_repo)
	if [[ -n ${BASE:-} ]]; then
		rev=$BASE
	elif git -C "$repo" rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null; then
		rev=$BASE_TAG
	else
		rev=HEAD
	fi
	git -C "$repo" rev-parse -q --verify "$rev^{commit}" ||
		die "BASE=$rev is not a commit in $repo"
}

# "7.3.4 (Debian linux-source-7.3 7.3.4-1~bpo13+1, base 1234abcd)"
base_desc() {
	local repo ver
	repo=$(src_repo)
	ver=$(git -C "$repo" show "$(base_rev):Makefile" |
		awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3}
		     /^EXTRAVERSION =/{e=$3} END {printf "%s.%s.%s%s", v, p, s, e}')
	if [[ -z ${KDIR:-} && -f $CACHE/linux.version ]]; then
		echo "$ver (Debian $DEB_PKG $(cat "$CACHE/linux.version"), base $(base_rev | cut -c1-12))"
	else
		echo "$ver ($repo, base $(base_rev | cut -c1-12))"
	fi
}

# The worktree where the series is applied, one per source repository;
# never the user's own checkout.
work_tree() {
	echo "$CACHE/work-$(echo "$1" | md5sum | cut -c1-8)"
}

# load_series: PATCHES=( patch files in series order, absolute paths ).
# Not in a subshell, so that a bad series stops the script.
load_series() {
	local out
	out=$(series_patches) || exit "${DIE_STATUS:-1}"
	PATCHES=()
	[[ -z $out ]] || mapfile -t PATCHES <<<"$out"
}

# patch_field FILE KEY: the value of the first "KEY: value" line of a
# throwaway patch's message (Fails:, Config:, Run:, Bisect:)
patch_field() {
	sed -n "s/^$2: *//p" "$1" | head -1
}

# load_plan: PLAN_ENTRIES=( the plan's entries, see plan_entries )
load_plan() {
	local out
	out=$(plan_entries) || die "bad test plan ${PLAN:-selftests/plan.cfg}"
	PLAN_ENTRIES=()
	[[ -z $out ]] || mapfile -t PLAN_ENTRIES <<<"$out"
}

# Patch files in series order, as absolute paths.
series_patches() {
	local p
	local dir
	dir=$(cd "$SERIES_DIR" && pwd)
	[[ -f $dir/series ]] || die "no series file in $dir"
	while read -r p; do
		p=${p%%#*}
		p=${p//[[:space:]]/}
		[[ -n $p ]] || continue
		[[ -f $dir/patches/$p ]] || die "series names patches/$p, which does not exist"
		echo "$dir/patches/$p"
	done <"$dir/series"
}

# Plan entries (selftests/plan.cfg), one a line, fields separated by \037:
# name file args mode patch timeout setup cleanup check metric debug groups
plan_entries() {
	awk -f "$REPO/scripts/plan.awk" "${PLAN:-$REPO/selftests/plan.cfg}"
}

new_results_dir() {
	local name=$1
	RESULTS=${RESULTS:-$REPO/results/$(date +%Y%m%d-%H%M%S)-$name}
	mkdir -p "$RESULTS"
	echo "$RESULTS"
}

# sq STRING: STRING single-quoted for sh
sq() {
	local q="'\\''"
	printf "'%s'" "${1//\'/$q}"
}

# The boot a test mode needs: modes with the same kernel command line share one.
boot_of_mode() {
	case $1 in
	tdp | nested) echo npt ;;
	shadow) echo shadow ;;
	*) die "unknown MMU mode '$1'" ;;
	esac
}

boot_cmdline() {
	case $1 in
	npt) echo "kvm_amd.npt=1" ;;
	shadow) echo "kvm_amd.npt=0" ;;
	*) die "unknown boot '$1'" ;;
	esac
}

# in_group GROUP "GROUPS": GROUP is one of the words of GROUPS
in_group() {
	[[ " $2 " == *" $1 "* ]]
}

# write_guest_plans DIR N REPEAT [ENTRY...]: for the plan entries that apply
# to patches 0..N (only the ENTRY names if given, else all but those in the
# group nodefault, and in the group long when PLAN_SKIP_LONG=1, and with
# PLAN_DEBUG_ONLY=1 only those marked "debug = yes"), write the guest plans
# DIR/<boot>.sh, and DIR/binaries, DIR/<boot>.names, DIR/<boot>.timeout,
# DIR/modes (name TAB mode) and DIR/metrics (name TAB metric).  With
# REPEAT > 1 each entry runs that many times, named NAME.1, NAME.2, ...
write_guest_plans() {
	local dir=$1 n=$2 repeat=$3
	shift 3
	local e ename file args mode patch timeout setup cleanup check metric debug groups boot r rname
	load_plan
	mkdir -p "$dir"
	rm -f "$dir"/*.sh "$dir"/*.names "$dir"/*.timeout
	: >"$dir/binaries.all"
	: >"$dir/modes"
	: >"$dir/metrics"
	while IFS=$'\037' read -r ename file args mode patch timeout setup cleanup check metric debug groups; do
		((patch <= n)) || continue
		if (($# > 0)); then
			printf '%s\n' "$@" | grep -qxF "$ename" || continue
		elif in_group nodefault "$groups"; then
			continue
		elif [[ ${PLAN_SKIP_LONG:-0} == 1 ]] && in_group long "$groups"; then
			continue
		elif [[ ${PLAN_DEBUG_ONLY:-0} == 1 && $debug != yes ]]; then
			continue
		fi
		boot=$(boot_of_mode "$mode")
		for ((r = 1; r <= repeat; r++)); do
			rname=$ename
			((repeat == 1)) || rname=$ename.$r
			printf 't %s %s %s %s %s %s %s\n' "$(sq "$rname")" "$(sq "$file")" "$(sq "$args")" \
				"$timeout" "$(sq "$setup")" "$(sq "$cleanup")" "$(sq "$check")" >>"$dir/$boot.sh"
			printf '%s ' "$rname" >>"$dir/$boot.names"
			echo "$timeout" >>"$dir/$boot.timeout"
			printf '%s\t%s\n' "$rname" "$mode" >>"$dir/modes"
			printf '%s\t%s\n' "$rname" "$metric" >>"$dir/metrics"
		done
		echo "$file" >>"$dir/binaries.all"
	done < <(printf '%s\n' "${PLAN_ENTRIES[@]}")
	sort -u "$dir/binaries.all" >"$dir/binaries"
	rm -f "$dir/binaries.all"
	[[ -s $dir/binaries ]] || die "no plan entry applies to patches 0..$n${1:+ with the names given}"
}

# plan_boots DIR: the boots that DIR's guest plans need
plan_boots() {
	local f
	for f in "$1"/*.sh; do basename "$f" .sh; done
}

# kvm_text_range BUILD: "0xSTART-0xEND", where the .text of the built-in
# KVM objects (arch/x86/kvm, with virt/kvm) lies in BUILD's vmlinux, from
# System.map: for a kernel booted with nokaslr.  From the lowest of their
# global functions to the first global function after the highest that is
# not theirs.
kvm_text_range() {
	local build=$1 range
	[[ -f $build/System.map && -f $build/arch/x86/kvm/built-in.a ]] ||
		die "$build has no System.map or no built-in KVM (arch/x86/kvm/built-in.a)"
	range=$(cd "$build" && objdump -t arch/x86/kvm/built-in.a 2>/dev/null |
		awk '$2 == "g" && $3 == "F" && $4 == ".text" { print $NF }' | sort -u |
		awk 'NR == FNR { kvm[$1] = 1; next }
		     $2 == "T" {
			if ($3 in kvm) { if (lo == "") lo = $1; hi = $1; after = "" }
			else if (hi != "" && after == "") after = $1
		     }
		     END { if (lo != "" && after != "") printf "0x%s-0x%s\n", lo, after }' - System.map)
	[[ -n $range ]] || die "no KVM text found in $build/System.map"
	echo "$range"
}

# boot_plan BUILD INITRD DIR BOOT LOG: boot one plan and print the parser's
# verdicts as name TAB mode TAB result TAB seconds TAB detail TAB log
boot_plan() {
	local build=$1 initrd=$2 dir=$3 boot=$4 log=$5 timeout
	timeout=$(awk '{ s += $1 } END { print s + 180 }' "$dir/$boot.timeout")
	stage boot "$boot: $(wc -w <"$dir/$boot.names") tests, $(boot_cmdline "$boot"), pressure ${PRESSURE:-none}"
	"$REPO/scripts/boot.sh" "$build/arch/x86/boot/bzImage" "$initrd" \
		"$(boot_cmdline "$boot") kvmtest.plan=$boot kvmtest.pressure=${PRESSURE:-none} ${KCMDLINE:-}" \
		"$log" "$timeout" || true
	awk -F'\t' -v names="$(cat "$dir/$boot.names")" -f "$REPO/scripts/parse-log.awk" "$log" |
		awk -F'\t' -v OFS='\t' -v lg="$log" -v boot="$boot" '
			NR == FNR { mode[$1] = $2; next }
			{ print $1, ($1 in mode ? mode[$1] : boot), $2, $3, $4, lg }' "$dir/modes" -
}

# lines ARGS...: grep that is not an error when nothing matches (for
# pipelines under pipefail, where a silent grep would end the script)
lines() {
	grep "$@" || [[ $? == 1 ]]
}

# lock_cache: one harness run at a time per CACHE (they share the work tree
# and the build directories).  Taken by the first script of a run; the
# scripts it starts inherit the lock.
lock_cache() {
	[[ -z ${KVM_MMU_SERIES_LOCKED:-} ]] || return 0
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock -n 9 || die "another harness run is using $CACHE (pid $(cat "$CACHE/.lock.pid" 2>/dev/null || echo ?)); wait for it, or set CACHE= to another directory"
	echo $$ >"$CACHE/.lock.pid"
	export KVM_MMU_SERIES_LOCKED=1
}

# For the scripts that run steps and total them (check.sh, ci.sh), with
# the globals results (the results directory), passed and failed.
# step NAME COMMAND...: run COMMAND, its output also in $results/NAME.log,
# and add its "ok N"/"not ok N" lines to the totals (a step that prints
# none counts as one, passed if it exits 0).
step() {
	local name=$1 st=0
	shift
	stage "${STEP_PREFIX:-check}" "== $name"
	"$@" 2>&1 | tee "$results/$name.log" || st=${PIPESTATUS[0]}
	step_count "$name" "$results/$name.log" "$st"
	return "$st"
}

step_count() {
	local name=$1 log=$2 st=$3 ok nok
	ok=$(grep -cE '^ok [0-9]+ ' "$log" || true)
	nok=$(grep -cE '^not ok [0-9]+ ' "$log" || true)
	if ((st == 0 && ok + nok == 0)); then
		ok=1
	elif ((st != 0 && nok == 0)); then
		nok=1
		echo "not ok - $name: $(lines -E '^error: ' "$log" | tail -1)"
	fi
	passed=$((passed + ok)) failed=$((failed + nok))
	stage "${STEP_PREFIX:-check}" "$name: $ok passed, $nok failed"
}
