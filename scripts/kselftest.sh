#!/bin/bash
# usage: scripts/kselftest.sh NAME pass|skip
#
# Run the KVM selftests the series adds as KernelCI runs kselftest: laid
# out as 'make -C tools/testing/selftests TARGETS=kvm install' does
# (run_kselftest.sh, kselftest/runner.sh, kselftest-list.txt, the kvm
# collection's settings timeout, no arguments), on the whole series built
# in $CACHE/build/NAME (FRAGMENT=<file> adds a config fragment to the test
# config).  Then check each test's KTAP result: "pass" wants "ok", "skip"
# wants "ok ... # SKIP" and a reason in the test's output (a kernel without
# what the test needs), or, from a test of several parts, "ok" and a line
# "PART: skipped, REASON" in its output.  With "skip", FRAGMENT must name
# the tests that need what it takes away, on a line "# Skips: TEST...";
# the others need nothing it lacks, and want "ok" as with "pass".  One
# ok/not ok line per test.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -eq 2 && ($2 == pass || $2 == skip) ]] || die "usage: scripts/kselftest.sh NAME pass|skip"
name=$1 want=$2
skips=
if [[ $want == skip ]]; then
	[[ -n ${FRAGMENT:-} && -f $FRAGMENT ]] ||
		die "kselftest.sh skip needs FRAGMENT=<config fragment> with a '# Skips: TEST...' line"
	skips=" $(sed -n 's/^# Skips: *//p' "$FRAGMENT" | tr '\n' ' ') "
	[[ -n ${skips// /} ]] || die "$FRAGMENT has no '# Skips: TEST...' line naming the tests it makes skip"
fi
load_series
# The selftests the series adds: new files under tools/testing/selftests/kvm
# (not its library).
mapfile -t tests < <(awk '
	/^diff --git / { path = substr($3, 3); next }
	/^new file mode/ && path ~ /^tools\/testing\/selftests\/kvm\/.*\.c$/ &&
		path !~ /\/lib\// { sub(/^tools\/testing\/selftests\/kvm\//, "", path); sub(/\.c$/, "", path); print path }
	' "${PATCHES[@]}" /dev/null | sort -u)
((${#tests[@]})) || { echo "# the series adds no KVM selftest; nothing to run"; exit 0; }
need_tools cpio gzip
results=$(new_results_dir "kselftest-$name")
"$REPO/scripts/get-base.sh"
wt=$("$REPO/scripts/apply.sh")
build=$("$REPO/scripts/build-kernel.sh" "$wt" "$name")
"$REPO/scripts/build-selftests.sh" "$wt" "$build" "${tests[@]}"

# The installed kselftest tree, in the initramfs's /kselftest.
plandir=$results/plans
ksft=$plandir/overlay/kselftest
kst=$wt/tools/testing/selftests
mkdir -p "$ksft/kselftest" "$ksft/kvm" "$plandir/overlay/usr/bin"
cp "$kst/run_kselftest.sh" "$ksft/"
cp "$kst/kselftest/runner.sh" "$kst/kselftest/ktap_helpers.sh" "$ksft/kselftest/"
cp "$kst/kvm/settings" "$ksft/kvm/"
: >"$ksft/kselftest-list.txt"
printf '%s\n' "${tests[@]}" >"$plandir/binaries"
for t in "${tests[@]}"; do
	ln -sfn "/tests/$t" "$ksft/kvm/$(basename "$t")"
	echo "kvm:$(basename "$t")" >>"$ksft/kselftest-list.txt"
done
# kselftest's runner times tests out with "timeout --foreground", which
# busybox's timeout does not know.
cat >"$plandir/overlay/usr/bin/timeout" <<'EOF'
#!/bin/sh
[ "$1" != --foreground ] || shift
exec /bin/busybox timeout "$@"
EOF
chmod +x "$plandir/overlay/usr/bin/timeout"
: >"$plandir/kselftest.sh"
"$REPO/scripts/mkinitramfs.sh" "$build" "$plandir" "$results/initramfs.gz"

timeout=$(($(sed -n 's/^timeout=//p' "$ksft/kvm/settings") * ${#tests[@]} + 180))
log=$results/serial.log
stage kselftest "$name: run_kselftest.sh with ${tests[*]} (want $want)"
"$REPO/scripts/boot.sh" "$build/arch/x86/boot/bzImage" "$results/initramfs.gz" \
	"$(boot_cmdline npt) kvmtest.kselftest=1" "$log" "$timeout" || true
tr -d '\r' <"$log" >"$results/ktap.txt"
i=0 bad=0
splat=$(sed -n 's/^# KERNEL-SPLAT: //p' "$results/ktap.txt" | head -1)
for t in "${tests[@]}"; do
	i=$((i + 1))
	b=$(basename "$t")
	want=$2
	[[ $want == pass || $skips == *" $b "* ]] || want=pass
	res=$(lines -E "^(not )?ok [0-9]+ selftests: kvm: $b( |$)" "$results/ktap.txt" | head -1)
	# The test's own skip line, between its header and its result.
	reason=$(awk -v h="# selftests: kvm: $b" '$0 == h { on = 1; next }
		on && /^(not )?ok [0-9]+ selftests: / { exit }
		on && sub(/^# (1\.\.0|ok [0-9]+[^#]*) # SKIP +(- *)?/, "") && $0 != "" { print; exit }' "$results/ktap.txt")
	# Or, for a test of several parts, a part's skip line ("PART: skipped,
	# REASON") in the output of a test that passed.
	part=$(awk -v h="# selftests: kvm: $b" '$0 == h { on = 1; next }
		on && /^(not )?ok [0-9]+ selftests: / { exit }
		on && /^# [^#]*: skipped, ./ { sub(/^# /, ""); print; exit }' "$results/ktap.txt")
	if [[ -z $res ]]; then
		why="no KTAP result (see $log)"
	elif [[ -n $splat ]]; then
		why="kernel splat while the tests ran: $splat"
	elif [[ $want == pass && $res == ok* && $res != *'# SKIP'* ]]; then
		why=
	elif [[ $want == skip && $res == ok*'# SKIP'* && -n $reason ]]; then
		why=
	elif [[ $want == skip && $res == ok* && -n $part ]]; then
		why= reason="passed, but $part"
	else
		why="want $want, got: $res${reason:+ ($reason)}"
	fi
	if [[ -z $why ]]; then
		echo "ok $i kselftest-$name $b # $want${reason:+: $reason}"
	else
		bad=$((bad + 1))
		echo "not ok $i kselftest-$name $b # $why"
	fi
done
((bad == 0))
