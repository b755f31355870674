#!/bin/bash
# usage: scripts/test-harness.sh [--quick | TEST...]
#
# The harness's own tests: each proves that a run turns red, with a message
# naming the cause, on what it must catch (a checkpatch error, a patch that
# does not apply or compile, a failing selftest, kernel splats and hangs in
# recorded serial logs), that bad input stops with a clear error and changes
# nothing, and that export/import round-trips.  Prints KTAP; exits non-zero
# if any test fails.  Needs the base tree and a built kernel (make run).
# --quick leaves out the tests that build kernels (build_fails build_warns
# sparse_new matrix_bad_row, 6 min on 2 cores): make check runs the rest,
# make ci and make test-harness run them all.
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
	bad_kdir bad_entry no_qemu no_space bad_series bad_plan export_import b4_prep empty_home
	sparse_new matrix_bad_row bisect_run_outside bisect_run_bad_entry negative_bad_config tsc_retry
	plan_nodefault bench_patch_bad bisect_from_bad)
builds=(build_fails build_warns sparse_new matrix_bad_row)
if [[ ${1:-} == --quick ]]; then
	(($# == 1)) || die "usage: scripts/test-harness.sh [--quick | TEST...]"
	mapfile -t tests < <(printf '%s\n' "${tests[@]}" | grep -vxF -f <(printf '%s\n' "${builds[@]}"))
elif (($# > 0)); then
	tests=("$@")
fi

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

# on_series DIR EDIT SUBJECT: the series, then a patch made from the shell
# command EDIT run on top of it, in DIR: the kernel under that patch is the
# series' own, which the plan's kernel build shares (ccache), where a base
# kernel would be a near-full build of its own in a cold run
on_series() {
	local dir=$1 edit=$2 subject=$3 p
	load_series
	mkdir -p "$dir/patches"
	git -C "$wt" checkout -q --detach -f "$base"
	for p in "${PATCHES[@]}"; do
		git -C "$wt" am -q --no-3way "$p"
		cp "$p" "$dir/patches/"
	done
	(cd "$wt" && eval "$edit")
	git -C "$wt" add -A
	git -C "$wt" commit -q -s -m "$subject" -m "A patch made by scripts/test-harness.sh for one of its tests."
	git -C "$wt" format-patch -q -1 --start-number $((${#PATCHES[@]} + 1)) -o "$dir/patches" HEAD
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

t_sparse_new() {
	if [[ -z $(sparse_for "$wt") ]]; then
		echo "# SKIP no sparse that the tree accepts (make deps builds one)"
		return 0
	fi
	throwaway "$tmp/s" "printf '\nint kvm_harness_sparse_var;\n' >>arch/x86/kvm/mmu/mmu.c"
	! SERIES_DIR=$tmp/s "$scripts/bisect-build.sh" >"$tmp/out" 2>&1 &&
		expect "$tmp/out" '^not ok 1 bisect-build 0001-.*sparse reports on arch/x86/kvm/mmu/mmu.c' \
			"symbol 'kvm_harness_sparse_var' was not declared"
}

t_matrix_bad_row() {
	mkdir -p "$tmp/configs"
	printf '# a row whose option does not exist\nCONFIG_KVM_HARNESS_NO_SUCH_OPTION=y\n' >"$tmp/configs/bad.config"
	! CONFIGS=$tmp/configs "$scripts/config-matrix.sh" bad >"$tmp/out" 2>&1 &&
		expect "$tmp/out" '^not ok 1 config bad # build failed' \
			'lacks.*CONFIG_KVM_HARNESS_NO_SUCH_OPTION.*bad.config' '^# bad +gcc +FAILED'
}

t_bisect_run_outside() {
	mkdir -p "$tmp/notgit"
	local st=0
	(cd "$tmp/notgit" && GIT_CEILING_DIRECTORIES=$tmp "$scripts/bisect-run.sh") >"$tmp/out" 2>&1 || st=$?
	# Misuse, not a commit to skip: the bisection stops (above 127).
	((st == 255)) && expect "$tmp/out" 'must run in a kernel git tree'
}

t_bisect_run_bad_entry() {
	local st=0
	(cd "$wt" && "$scripts/bisect-run.sh" no_such_entry) >"$tmp/out" 2>&1 || st=$?
	# A harness error stops the bisection (above 127), and nothing is built.
	((st == 255)) && expect "$tmp/out" "unknown plan entry 'no_such_entry'"
}

t_negative_bad_config() {
	mkdir -p "$tmp/neg"
	printf 'Subject: [PATCH] x\n\nFails: shrinker_test-tdp\nConfig: selftests/no-such.config\n---\n' \
		>"$tmp/neg/0001-x.patch"
	! NEGDIR=$tmp/neg "$scripts/negative.sh" >"$tmp/out" 2>&1 &&
		expect "$tmp/out" 'Config: selftests/no-such.config does not exist'
}

t_selftest_fails() {
	local kst=tools/testing/selftests/kvm
	on_series "$tmp/s" "printf '%s\n' '// SPDX-License-Identifier: GPL-2.0-only' '#include \"test_util.h\"' '' \
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

# A guest without a TSC frequency is booted again, up to twice: a fake
# QEMU whose first BAD boots write the serial log as the guest runner does
# then (the kernel's TSC message, no KTAP line).  It waits DELAY seconds
# before it writes anything, and on a bad boot LINGER seconds before it
# exits; BAD=hang: it writes one line and never exits.
fake_qemu() {
	{
		echo '#!/bin/bash'
		echo 'for a in "$@"; do case $a in file:*) log=${a#file:} ;; esac; done'
		echo "n=\$(cat '$tmp/boots' 2>/dev/null || echo 0)"
		echo "echo \$((n + 1)) >'$tmp/boots'"
		echo "printf '%s\\n' \"\$*\" >'$tmp/args'.\$n"
		echo "sleep ${2:-0}"
		echo 'exec >"$log"'
		echo 'echo "Linux version fake"'
		[[ $1 != hang ]] || echo 'exec sleep 1000'
		echo "if ((n < $1)); then"
		echo '	echo "tsc: Marking TSC unstable due to could not calculate TSC khz"'
		echo '	echo "# HARNESS: no TSC frequency (PIT calibration failed); no test run"'
		echo "	sleep ${3:-0}"
		echo '	exit 0'
		echo 'fi'
		echo 'printf "%s\n" "KTAP version 1" "1..0" "# RUNNER-END"'
	} >"$tmp/qemu"
	chmod +x "$tmp/qemu"
	rm -f "$tmp/boots"
	touch "$tmp/kernel" "$tmp/initrd"
}

t_tsc_retry() {
	fake_qemu 2
	QEMU=$tmp/qemu ACCEL=tcg "$scripts/boot.sh" "$tmp/kernel" "$tmp/initrd" "" "$tmp/log" 60 >"$tmp/out" 2>&1 ||
		{ sed 's/^/#   /' "$tmp/out"; return 1; }
	expect "$tmp/out" 'booting again with tsc_early_khz=[0-9]+ \(2 of 2' || return 1
	[[ $(cat "$tmp/boots") == 3 ]] || { echo "# $(cat "$tmp/boots") boots, expected 3"; return 1; }
	! grep -q tsc_early_khz "$tmp/args.0" && grep -q 'tsc_early_khz=[1-9]' "$tmp/args.2" ||
		{ echo "# tsc_early_khz= not on the second and third boots only"; return 1; }
	fake_qemu 1
	ICOUNT=1 QEMU=$tmp/qemu ACCEL=tcg "$scripts/boot.sh" "$tmp/kernel" "$tmp/initrd" "" "$tmp/log" 60 >"$tmp/out" 2>&1 &&
		grep -q 'tsc_early_khz=1000000 ' "$tmp/args.1" || { echo "# no tsc_early_khz=1000000 under icount"; return 1; }
	fake_qemu 3
	! QEMU=$tmp/qemu ACCEL=tcg "$scripts/boot.sh" "$tmp/kernel" "$tmp/initrd" "" "$tmp/log" 60 >"$tmp/out" 2>&1 &&
		expect "$tmp/out" 'could not calibrate its TSC in 3 boots; no test ran' || return 1
	# The same decisions when QEMU is slow to write, or lingers after the
	# bad line: boot.sh reads the log once QEMU has exited.
	fake_qemu 2 1 1
	QEMU=$tmp/qemu ACCEL=tcg "$scripts/boot.sh" "$tmp/kernel" "$tmp/initrd" "" "$tmp/log" 60 >"$tmp/out" 2>&1 &&
		[[ $(cat "$tmp/boots") == 3 ]] || { echo "# slow fake: $(cat "$tmp/boots") boots, expected 3"; return 1; }
	fake_qemu 3 1 1
	! QEMU=$tmp/qemu ACCEL=tcg "$scripts/boot.sh" "$tmp/kernel" "$tmp/initrd" "" "$tmp/log" 60 >"$tmp/out" 2>&1 &&
		expect "$tmp/out" 'could not calibrate its TSC in 3 boots; no test ran' || return 1
	# A guest that never gets to its runner is killed at the timeout, once.
	fake_qemu hang
	local rc=0
	QEMU=$tmp/qemu ACCEL=tcg "$scripts/boot.sh" "$tmp/kernel" "$tmp/initrd" "" "$tmp/log" 2 >"$tmp/out" 2>&1 || rc=$?
	((rc == 2)) && [[ $(cat "$tmp/boots") == 1 ]] && expect "$tmp/out" 'guest hung: killed at the global timeout' ||
		{ echo "# hung fake: exit status $rc, $(cat "$tmp/boots") boots"; return 1; }
	! kill -0 "$(cat "$tmp/log.pid")" 2>/dev/null || { echo "# the hung fake QEMU is still running"; return 1; }
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

# An entry in the group nodefault runs only when named.
t_plan_nodefault() {
	printf '%s\n' '[a]' 'file = kvm_binary_stats_test' '[b]' 'file = kvm_binary_stats_test' \
		'groups = bench nodefault' '[c]' 'file = kvm_binary_stats_test' 'groups = bench' >"$tmp/plan.cfg"
	(PLAN=$tmp/plan.cfg write_guest_plans "$tmp/p1" 0 1) &&
		[[ $(cat "$tmp/p1/npt.names") == "a c " ]] || { echo "# unnamed: '$(cat "$tmp/p1/npt.names")'"; return 1; }
	(PLAN=$tmp/plan.cfg write_guest_plans "$tmp/p2" 0 1 b) &&
		[[ $(cat "$tmp/p2/npt.names") == "b " ]] || { echo "# named: '$(cat "$tmp/p2/npt.names")'"; return 1; }
	printf '[x]\nfile = kvm_binary_stats_test\ngroups = Bench,x\n' >"$tmp/plan.cfg"
	unchanged env PLAN="$tmp/plan.cfg" "$scripts/run.sh" &&
		expect "$tmp/out" "entry \\[x\\]: groups must be words separated by spaces"
}

# make bisect FROM= that is not a patch number stops before it builds.
t_bisect_from_bad() {
	unchanged env FROM=x "$scripts/bisect.sh" &&
		expect "$tmp/out" "FROM must be a patch number from 0 to [0-9]+, not 'x'" || return 1
	unchanged env FROM=999 "$scripts/bisect.sh" &&
		expect "$tmp/out" "FROM must be a patch number from 0 to [0-9]+, not '999'" &&
		! grep -q "build .*kernel in" "$tmp/out"
}

# A BENCH_PATCH or TRY_PATCH that is missing or does not apply stops make
# bench before it builds anything.  (To try a patch, make bench moves the
# scratch work tree, where every command applies what it needs anyway.)
t_bench_patch_bad() {
	unchanged env BENCH_PATCH="$tmp/none.patch" "$scripts/bench.sh" dirty_log_perf_test-tdp &&
		expect "$tmp/out" "BENCH_PATCH=$tmp/none.patch: no such file" || return 1
	printf '%s\n' '--- a/no/such/file.c' '+++ b/no/such/file.c' '@@ -1 +1 @@' '-a' '+b' >"$tmp/bad.patch"
	! BENCH_PATCH="$tmp/bad.patch" "$scripts/bench.sh" dirty_log_perf_test-tdp >"$tmp/out" 2>&1 &&
		expect "$tmp/out" "bad.patch does not apply to the base kernel's tree" &&
		! grep -q "build .*kernel in" "$tmp/out" || return 1
	unchanged env TRY_PATCH="$tmp/bad.patch" FROM=1 "$scripts/bench.sh" dirty_log_perf_test-tdp &&
		expect "$tmp/out" "FROM= cannot go with it" || return 1
	! TRY_PATCH="$tmp/bad.patch" "$scripts/bench.sh" dirty_log_perf_test-tdp >"$tmp/out" 2>&1 &&
		expect "$tmp/out" "bad.patch does not apply to the patched kernel's tree" &&
		! grep -q "build .*kernel in" "$tmp/out"
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

# b4_worktree DIR BRANCH: a work tree at DIR with BRANCH checked out, clean
# for b4, without files (HEAD's index, every entry skip-worktree)
b4_worktree() {
	git -C "$repo" worktree add -q --no-checkout "$1" "$2" &&
		git -C "$1" read-tree HEAD &&
		git -C "$1" ls-files -z | git -C "$1" update-index -z --skip-worktree --stdin
}

# A branch -> patches -> import (branch and b4 prep branch) -> b4 prep,
# b4 send --dry-run, a cover letter edited with b4 -> export round trip.
t_b4_prep() {
	local n=${GIT_CONFIG_COUNT:-0} tree f
	local marker='--- b4-submit-tracking ---' subj='KVM: Harness b4 round trip'
	# Not local: the EXIT trap of this test's subshell removes them (and
	# what export and import remember of the cover letter).
	b4t_br=harness-b4-$$ b4t_wt=$tmp/b4wt
	b4t_synced=$CACHE/b4-cover/$(printf '%s\n' "$repo" "b4/$b4t_br" "$tmp/e/cover-letter.txt" | md5sum | cut -c1-12)
	trap 'git -C "$repo" worktree remove --force "$b4t_wt" >/dev/null 2>&1 || true
		git -C "$repo" branch -D -q "$b4t_br" "b4/$b4t_br" >/dev/null 2>&1 || true
		rm -f "$b4t_synced"' EXIT
	git -C "$wt" checkout -q --detach -f "$base"
	printf '\n/* Harness b4 test 1. */\n' >>"$wt/arch/x86/kvm/mmu/mmu.c"
	git -C "$wt" commit -q -s -am "KVM: x86/mmu: Harness b4 test 1" -m "First commit."
	printf '\n/* Harness b4 test 2. */\n' >>"$wt/virt/kvm/kvm_main.c"
	git -C "$wt" commit -q -s -am "KVM: Harness b4 test 2" -m "Second commit."
	tree=$(git -C "$wt" rev-parse 'HEAD^{tree}')
	git -C "$wt" branch -f "$b4t_br" HEAD
	mkdir -p "$tmp/e"
	printf '%s\n' "$subj" "" "The cover letter of a harness test." "" "Its second paragraph." \
		>"$tmp/e/cover-letter.txt"
	cp "$tmp/e/cover-letter.txt" "$tmp/cover.orig"

	# A plain branch with no b4 branch: patches out, cover letter untouched.
	SERIES_DIR=$tmp/e "$scripts/export.sh" "$b4t_br" >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	cmp -s "$tmp/cover.orig" "$tmp/e/cover-letter.txt" || { echo "# export of a plain branch changed cover-letter.txt"; return 1; }
	git -C "$wt" branch -D -q "$b4t_br"

	# Import: the branch again, and b4/BRANCH with b4's cover commit first.
	SERIES_DIR=$tmp/e "$scripts/import.sh" "$b4t_br" >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	[[ $(git -C "$repo" rev-parse "$b4t_br^{tree}") == "$tree" ]] || { echo "# $b4t_br: not the tree exported"; return 1; }
	[[ $(git -C "$repo" rev-list --count "$base..b4/$b4t_br") == 3 &&
		$(git -C "$repo" rev-parse "b4/$b4t_br~3") == "$base" ]] ||
		{ echo "# b4/$b4t_br is not 3 commits on the base:"; git -C "$repo" log --oneline -4 "b4/$b4t_br" | sed 's/^/#   /'; return 1; }
	[[ $(git -C "$repo" rev-parse "b4/$b4t_br^{tree}") == "$tree" ]] || { echo "# b4/$b4t_br: not the tree exported"; return 1; }
	git -C "$repo" show -s --format=%B "b4/$b4t_br~2" >"$tmp/cover.msg"
	{ cat "$tmp/cover.orig"; echo; echo "$marker"; } | cmp -s - <(head -7 "$tmp/cover.msg") &&
		expect "$tmp/cover.msg" '^# This section is used internally by b4 prep' '"change-id": "[0-9]{8}-' '"revision": 1' ||
		{ echo "# b4/$b4t_br's cover commit:"; sed 's/^/#   /' "$tmp/cover.msg"; return 1; }

	# b4 takes it for its own (0.12 has no 'b4 prep --check').
	b4_worktree "$b4t_wt" "b4/$b4t_br" >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	(cd "$b4t_wt" && b4 --offline-mode prep --show-info) >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	expect "$tmp/out" "^cover-subject: $subj\$" '^cover-strategy: commit$' "^base-commit: $base\$" \
		'^commit-[0-9a-f]+: KVM: x86/mmu: Harness b4 test 1$' '^commit-[0-9a-f]+: KVM: Harness b4 test 2$' || return 1
	# b4 send --dry-run: an SMTP server set, or b4 0.12 picks the kernel.org
	# web endpoint, which needs a patatt key; nothing is sent in a dry run.
	(cd "$b4t_wt" && env GIT_CONFIG_COUNT=$((n + 1)) "GIT_CONFIG_KEY_$n=sendemail.smtpserver" "GIT_CONFIG_VALUE_$n=localhost" \
		b4 --offline-mode send --dry-run --no-sign --to harness@example.org -o "$tmp/send") >"$tmp/out" 2>&1 ||
		{ sed 's/^/#   /' "$tmp/out"; return 1; }
	expect "$tmp/out" 'DRYRUN: Would have sent 3 messages' || return 1
	cat "$tmp"/send/0000-*.eml >"$tmp/c.eml" 2>/dev/null || { echo "# b4 send wrote no cover letter"; ls "$tmp/send" | sed 's/^/#   /'; return 1; }
	expect "$tmp/c.eml" "^Subject: \\[PATCH 0/2\\] $subj\$" '^The cover letter of a harness test\.$' \
		"^base-commit: $base\$" '^change-id: ' '^To: harness@example.org' || return 1
	! grep -qF -- "$marker" "$tmp/c.eml" || { echo "# b4's tracking data went out in the cover letter"; return 1; }
	for f in "1/2\\] KVM: x86/mmu: Harness b4 test 1" "2/2\\] KVM: Harness b4 test 2"; do
		grep -qE "^Subject: \\[PATCH $f\$" "$tmp"/send/000[12]-*.eml 2>/dev/null ||
			{ echo "# no patch with subject /$f/ from b4 send:"; ls "$tmp/send" | sed 's/^/#   /'; return 1; }
	done

	# The cover letter edited in b4 (as an editor would) comes back to
	# cover-letter.txt, with b4's cover commit left out of the patches.
	(cd "$b4t_wt" && EDITOR="sed -i 's/^Its second paragraph\.\$/Its second paragraph, edited in b4./'" \
		b4 --offline-mode prep --edit-cover) >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	sed 's/^Its second paragraph\.$/Its second paragraph, edited in b4./' "$tmp/cover.orig" >"$tmp/cover.want"
	rm -rf "$tmp/e/patches" "$tmp/e/series"
	SERIES_DIR=$tmp/e "$scripts/export.sh" "b4/$b4t_br" >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	cmp -s "$tmp/cover.want" "$tmp/e/cover-letter.txt" ||
		{ echo "# cover-letter.txt after the round trip:"; diff "$tmp/cover.want" "$tmp/e/cover-letter.txt" | sed 's/^/#   /'; return 1; }
	[[ $(wc -l <"$tmp/e/series") == 2 ]] || { echo "# series has $(wc -l <"$tmp/e/series") lines, not 2"; return 1; }
	! grep -qF -e "$marker" -e "$subj" "$tmp"/e/patches/*.patch || { echo "# b4's cover commit went into patches/"; return 1; }
	expect "$REPO/results/export/series.mbox" "^Subject: \\[PATCH 0/2\\] $subj\$" '^Its second paragraph, edited in b4\.$' || return 1
	# The plain branch's export takes the cover letter from b4/BRANCH too,
	# but not over an edit made to the file since.
	echo "Edited in the file." >>"$tmp/e/cover-letter.txt"
	(cd "$b4t_wt" && EDITOR="sed -i 's/^The cover letter of/The b4 cover letter of/'" \
		b4 --offline-mode prep --edit-cover) >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	cp "$tmp/e/cover-letter.txt" "$tmp/cover.edited"
	! SERIES_DIR=$tmp/e "$scripts/export.sh" "$b4t_br" >"$tmp/out" 2>&1 &&
		expect "$tmp/out" "cover-letter.txt was edited since the last make import or export" &&
		cmp -s "$tmp/cover.edited" "$tmp/e/cover-letter.txt" || { echo "# export overwrote an edited cover-letter.txt"; return 1; }
	rm "$tmp/e/cover-letter.txt"
	SERIES_DIR=$tmp/e "$scripts/export.sh" "$b4t_br" >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	expect "$tmp/e/cover-letter.txt" '^The b4 cover letter of a harness test\.$' || return 1

	# The patches exported apply to the tree of the branch.
	"$scripts/apply.sh" >/dev/null 2>&1 # back to the real series first
	SERIES_DIR=$tmp/e "$scripts/apply.sh" >/dev/null 2>"$tmp/out" || { sed 's/^/#   /' "$tmp/out"; return 1; }
	[[ $(git -C "$wt" rev-parse 'HEAD^{tree}') == "$tree" ]] || { echo "# tree differs after the round trip"; return 1; }
}

# What a newcomer's run does with git and b4 (git am of the series, import
# with its b4 prep branch, export, b4 am of the mbox) works with an empty
# HOME and no system git configuration, i.e. no git identity, and writes
# no git configuration there.
t_empty_home() {
	local home=$tmp/home br=harness-home-$$
	local -a clean=(env -i PATH="$PATH" HOME="$home" GIT_CONFIG_NOSYSTEM=1 CACHE="$CACHE"
		KVM_MMU_SERIES_LOCKED=1 T0="$T0" ${KDIR:+KDIR="$KDIR"} ${BASE:+BASE="$BASE"})
	mkdir -p "$home" "$tmp/e" "$tmp/e2" "$tmp/b4"
	# shellcheck disable=SC2064 # expanded now: the locals are gone at exit
	trap "git -C '$repo' branch -D -q '$br' 'b4/$br' >/dev/null 2>&1 || true" EXIT
	! "${clean[@]}" git config user.email >/dev/null 2>&1 || { echo "# the empty HOME has a git identity"; return 1; }
	cp -r "$SERIES_DIR/series" "$SERIES_DIR/patches" "$REPO/cover-letter.txt" "$tmp/e/"
	"${clean[@]}" SERIES_DIR="$tmp/e" "$scripts/apply.sh" >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	"${clean[@]}" SERIES_DIR="$tmp/e" "$scripts/import.sh" "$br" >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	cp "$tmp/e/cover-letter.txt" "$tmp/e2/"
	"${clean[@]}" SERIES_DIR="$tmp/e2" "$scripts/export.sh" "b4/$br" >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	diff -q "$tmp/e/series" "$tmp/e2/series" >/dev/null || { echo "# the series changed on the round trip"; return 1; }
	cp "$REPO/results/export/series.mbox" "$tmp/series.mbox"
	# b4 as the harness runs it: with the identity lib.sh provides.
	(cd "$tmp" && "${clean[@]}" bash -c '. "$1"; b4 --offline-mode am -m series.mbox -o "$2"' \
		- "$REPO/scripts/lib.sh" "$tmp/b4") >"$tmp/out" 2>&1 || { sed 's/^/#   /' "$tmp/out"; return 1; }
	expect "$tmp/out" "Total patches: $(wc -l <"$tmp/e/series")" || return 1
	[[ ! -e $home/.gitconfig && ! -e $home/.config/git/config ]] || { echo "# a git configuration was written to HOME"; return 1; }
	"$scripts/apply.sh" >/dev/null 2>&1 # back to the real series
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
