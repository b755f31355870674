#!/bin/bash
# usage: scripts/test-harness.sh [TEST...]
#
# The harness's own tests: each proves that a run turns red, with a message
# naming the cause, on what it must catch (a checkpatch error, a patch that
# does not apply or compile, a failing selftest, kernel splats and hangs in
# recorded serial logs), that bad input stops with a clear error and changes
# nothing, and that export/import round-trips.  Prints KTAP; exits non-zero
# if any test fails.  Needs the base tree and a built kernel (make run).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
scripts=$REPO/scripts
data=$REPO/scripts/testdata
tmp=$(mktemp -d)
trap 'umount "$tmp/tiny" 2>/dev/null || true; rm -rf "$tmp"' EXIT
repo=$(src_repo)
base=$(base_rev)
wt=$("$scripts/apply.sh" 0)
export GIT_AUTHOR_NAME="Harness Test" GIT_AUTHOR_EMAIL="harness@example.org"
export GIT_COMMITTER_NAME="Harness Test" GIT_COMMITTER_EMAIL="harness@example.org"

tests=(checkpatch_bad checkpatch_good apply_fails build_fails build_warns selftest_fails
	log_warn log_lockdep log_hang log_clean
	bad_kdir bad_entry no_qemu no_space bad_series bad_plan export_import)
(($# == 0)) || tests=("$@")

# throwaway DIR EDIT [SUBJECT] [SIGNOFF]: a one-patch series in DIR made from
# the base plus the shell command EDIT run in the work tree
throwaway() {
	local dir=$1 edit=$2 subject=${3:-"KVM: x86/mmu: Throwaway patch for a harness test"}
	local signoff=${4:-yes}
	mkdir -p "$dir/patches"
	git -C "$wt" checkout -q --detach -f "$base"
	(cd "$wt" && eval "$edit")
	git -C "$wt" add -A
	git -C "$wt" commit -q ${signoff:+$([[ $signoff == yes ]] && echo -s)} \
		-m "$subject" -m "A patch made by scripts/test-harness.sh for one of its tests."
	git -C "$wt" format-patch -q -1 -o "$dir/patches" HEAD
	(cd "$dir/patches" && ls) >"$dir/series"
	git -C "$wt" checkout -q --detach -f "$base"
}

# expect_fail OUT PATTERN...: the command that wrote OUT failed and OUT
# matches every PATTERN
expect() {
	local out=$1
	shift
	local p
	for p in "$@"; do
		grep -qE -- "$p" "$out" || { echo "# expected /$p/ in:"; sed 's/^/#   /' "$out" | tail -15; return 1; }
	done
}

t_checkpatch_bad() {
	throwaway "$tmp/s" "printf 'static int  kvm_harness_bad ( void ) {return 0 ;}   \n' >>arch/x86/kvm/mmu/mmu.c" \
		"KVM: x86/mmu: Throwaway patch with style errors" no
	! SERIES_DIR=$tmp/s "$scripts/check-patches.sh" >"$tmp/out" 2>&1 &&
		expect "$tmp/out" '^not ok 1 checkpatch 0001-' 'ERROR:' 'fail checkpatch'
}

t_checkpatch_good() {
	throwaway "$tmp/s" "printf '\\n/* Harness test. */\\n' >>arch/x86/kvm/mmu/mmu.c"
	SERIES_DIR=$tmp/s "$scripts/check-patches.sh" >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	expect "$tmp/out" '^ok 1 checkpatch 0001-'
}

t_apply_fails() {
	throwaway "$tmp/s" "printf '\n/* Harness test. */\n' >>arch/x86/kvm/mmu/mmu.c"
	sed -i 's/^ \(.*\)$/ \1 mangled context/' "$tmp"/s/patches/0001-*.patch
	! SERIES_DIR=$tmp/s "$scripts/apply.sh" >"$tmp/out" 2>&1 &&
		expect "$tmp/out" 'patch 1 does not apply: patches/0001-' 'arch/x86/kvm/mmu/mmu.c' &&
		[[ $(git -C "$wt" rev-parse HEAD) == "$base" ]] && git -C "$wt" diff --quiet
}

t_build_fails() {
	throwaway "$tmp/s" "printf '\nstatic int kvm_harness_broken(void) { return undeclared_harness_symbol; }\n' >>arch/x86/kvm/mmu/mmu.c"
	! SERIES_DIR=$tmp/s "$scripts/bisect-build.sh" >"$tmp/out" 2>&1 &&
		expect "$tmp/out" '^not ok 1 bisect-build 0001-' 'undeclared_harness_symbol' 'patch 1 \(0001-.*\) does not build'
}

t_build_warns() {
	throwaway "$tmp/s" "printf '\\nstatic int kvm_harness_unused(void)\\n{\\n\\treturn 0;\\n}\\n' >>arch/x86/kvm/mmu/mmu.c"
	! SERIES_DIR=$tmp/s "$scripts/bisect-build.sh" >"$tmp/out" 2>&1 &&
		expect "$tmp/out" '^not ok 1 bisect-build 0001-.*W=1 warns about arch/x86/kvm/mmu/mmu.c' 'kvm_harness_unused'
}

t_selftest_fails() {
	local kst=tools/testing/selftests/kvm
	throwaway "$tmp/s" "printf '%s\n' '// SPDX-License-Identifier: GPL-2.0-only' '#include \"test_util.h\"' '' \
'int main(void)' '{' '	TEST_ASSERT(1 + 1 == 3, \"harness test: arithmetic is broken\");' '	return 0;' '}' \
>$kst/harness_fail_test.c; sed -i '/^TEST_GEN_PROGS_x86 = /a TEST_GEN_PROGS_x86 += harness_fail_test' $kst/Makefile.kvm" \
		"KVM: selftests: Add a test that fails"
	printf '[harness_fail_test]\nfile = harness_fail_test\nmode = tdp\ntimeout = 60\n' >"$tmp/plan.cfg"
	! SERIES_DIR=$tmp/s PLAN=$tmp/plan.cfg PRESSURE=none RESULTS=$tmp/results \
		"$scripts/run.sh" >"$tmp/out" 2>&1 &&
		expect "$tmp/out" '^not ok 1 harness_fail_test' 'FAILED: harness_fail_test' \
			'arithmetic is broken' 'selftests: 0 passed, 1 failed'
}

# parse_log LOG NAMES: the parser's verdicts, name<TAB>result<TAB>secs<TAB>why
parse_log() {
	awk -F'\t' -v names="$2" -f "$scripts/parse-log.awk" "$data/$1"
}

t_log_warn() {
	parse_log warn.log "kvm_binary_stats_test set_memory_region_test" >"$tmp/out"
	expect "$tmp/out" $'^kvm_binary_stats_test\tPASS' \
		$'^set_memory_region_test\tFAIL\t.*kernel splat: WARNING: CPU: 1 PID: .* at arch/x86/kvm/mmu/mmu.c'
}

t_log_lockdep() {
	parse_log lockdep.log "kvm_binary_stats_test set_memory_region_test" >"$tmp/out"
	expect "$tmp/out" $'^kvm_binary_stats_test\tFAIL\t.*possible circular locking dependency' \
		$'^set_memory_region_test\tPASS'
}

t_log_hang() {
	parse_log hang.log "kvm_binary_stats_test set_memory_region_test" >"$tmp/out"
	expect "$tmp/out" $'^kvm_binary_stats_test\tFAIL\t.*killed at the global timeout.*while this test ran' \
		$'^set_memory_region_test\tFAIL\t-\tnot run'
}

t_log_clean() {
	parse_log clean.log "kvm_binary_stats_test set_memory_region_test" >"$tmp/out"
	expect "$tmp/out" $'^kvm_binary_stats_test\tPASS' $'^set_memory_region_test\tPASS' &&
		! grep -q FAIL "$tmp/out"
}

# unchanged CMD...: CMD fails and the work tree is where it was
unchanged() {
	local before
	before=$(git -C "$wt" rev-parse HEAD)
	! "$@" >"$tmp/out" 2>&1 && [[ $(git -C "$wt" rev-parse HEAD) == "$before" ]]
}

t_bad_kdir() {
	mkdir -p "$tmp/notgit"
	unchanged env KDIR="$tmp/notgit" "$scripts/run.sh" && expect "$tmp/out" "KDIR=$tmp/notgit is not a git tree"
}

t_bad_entry() {
	unchanged "$scripts/run.sh" no_such_entry && expect "$tmp/out" "unknown plan entry 'no_such_entry'"
}

t_no_qemu() {
	unchanged env QEMU=/nonexistent/qemu-system-x86_64 "$scripts/run.sh" &&
		expect "$tmp/out" 'QEMU \(/nonexistent/qemu-system-x86_64\) not found'
}

t_no_space() {
	mkdir -p "$tmp/tiny"
	if ! mount -t tmpfs -o size=1M tmpfs "$tmp/tiny" 2>/dev/null; then
		echo "# SKIP cannot mount a tmpfs here"
		return 0
	fi
	! CACHE=$tmp/tiny "$scripts/get-base.sh" >"$tmp/out" 2>&1 &&
		expect "$tmp/out" "no space left: $tmp/tiny has 0 GiB free" &&
		[[ -z $(ls -A "$tmp/tiny") ]]
}

t_bad_series() {
	mkdir -p "$tmp/s/patches"
	echo 0001-missing.patch >"$tmp/s/series"
	unchanged env SERIES_DIR="$tmp/s" "$scripts/apply.sh" &&
		expect "$tmp/out" 'series names patches/0001-missing.patch, which does not exist'
}

t_bad_plan() {
	printf '[x]\nfile = kvm_binary_stats_test\ncolour = blue\n' >"$tmp/plan.cfg"
	unchanged env PLAN="$tmp/plan.cfg" "$scripts/run.sh" && expect "$tmp/out" "plan.cfg:3: entry \[x\]: unknown key 'colour'"
}

t_export_import() {
	local br=harness-export-$$ tree
	git -C "$wt" checkout -q --detach -f "$base"
	printf '\n/* Harness export test 1. */\n' >>"$wt/arch/x86/kvm/mmu/mmu.c"
	git -C "$wt" commit -q -s -am "KVM: x86/mmu: Harness export test 1" -m "First commit."
	printf '\n/* Harness export test 2. */\n' >>"$wt/virt/kvm/kvm_main.c"
	git -C "$wt" commit -q -s -am "KVM: Harness export test 2" -m "Second commit."
	tree=$(git -C "$wt" rev-parse HEAD^{tree})
	git -C "$wt" branch -f "$br" HEAD
	mkdir -p "$tmp/e"
	SERIES_DIR=$tmp/e "$scripts/export.sh" "$br" >"$tmp/out" 2>&1 || { git -C "$wt" branch -D -q "$br"; return 1; }
	cp "$REPO/results/export/series.mbox" "$tmp/series.mbox"
	git -C "$wt" branch -D -q "$br"
	[[ $(wc -l <"$tmp/e/series") == 2 ]] || { echo "# series has $(wc -l <"$tmp/e/series") lines"; return 1; }
	for p in "$tmp"/e/patches/*.patch; do
		grep -qx "base-commit: $base" "$p" || { echo "# no base-commit in $p"; return 1; }
	done
	"$scripts/apply.sh" >/dev/null 2>&1 # back to the real series first
	SERIES_DIR=$tmp/e "$scripts/apply.sh" >/dev/null 2>"$tmp/out" || return 1
	[[ $(git -C "$wt" rev-parse HEAD^{tree}) == "$tree" ]] || { echo "# tree differs after the round trip"; return 1; }
	mkdir -p "$tmp/b4"
	(cd "$tmp" && b4 --offline-mode am -m series.mbox -o "$tmp/b4" >"$tmp/b4.out" 2>&1) ||
		{ sed 's/^/#   /' "$tmp/b4.out"; return 1; }
	[[ $(ls "$tmp"/b4/*.mbx 2>/dev/null | wc -l) -ge 1 ]] || { sed 's/^/#   /' "$tmp/b4.out"; return 1; }
	expect "$tmp/b4.out" 'Total patches: 2'
}

echo "KTAP version 1"
echo "1..${#tests[@]}"
i=0 failed=0
for t in "${tests[@]}"; do
	i=$((i + 1))
	declare -F "t_$t" >/dev/null || die "no harness test '$t'"
	stage harness "test $i of ${#tests[@]}: $t"
	rm -rf "$tmp/s" "$tmp/e" "$tmp/out"
	if (set -e; "t_$t"); then
		echo "ok $i $t"
	else
		failed=$((failed + 1))
		echo "not ok $i $t"
	fi
done
"$scripts/apply.sh" >/dev/null 2>&1 || true
((failed == 0)) || die "$failed of ${#tests[@]} harness tests failed"
