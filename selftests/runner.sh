#!/bin/sh
# Guest-side runner: /init of the test initramfs (busybox sh).
#
# Reads the plan that scripts/mkinitramfs.sh wrote for this boot
# (/plans/<kvmtest.plan>.sh, a list of
# "t NAME FILE ARGS TIMEOUT SETUP CLEANUP CHECK" calls), runs each test under
# a timeout and prints KTAP on the console.  A test fails on a non-zero exit,
# a timeout, a CHECK (shell, run after the test) that fails, or any kernel
# splat (WARN, BUG, lockdep, KVM MMU assertion) that dmesg shows while it ran.
#
# Kernel command line options:
#   kvmtest.plan=NAME        which plan to run (default: tdp)
#   kvmtest.pressure=MODE    none (default), or shrinker: scan every x86-mmu
#                            shrinker (drop_caches where there is none) in
#                            a loop in the background while the tests run
#   kvmtest.hugepages=N      2 MiB hugetlb pages to reserve (default 64)
#   kvmtest.kselftest=1      no plan: run /kselftest/run_kselftest.sh (the
#                            installed kselftest tree scripts/kselftest.sh
#                            packs) and print its KTAP
#   kvmtest.debug=1          the debug kernel's checks (selftests/debug.config):
#                            after each test, once its VMs are gone, the
#                            shrinker's count of cached MMU pages must be 0;
#                            after the last, kmemleak must report nothing (a
#                            last KTAP line "kmemleak-<plan>")
#   kvmtest.inject=P         fail P% of the slab and page allocations of the
#                            test processes (failslab, fail_page_alloc with
#                            task-filter, ignore-gfp-wait=N, min-order=0),
#                            after the first kvmtest.inject_space bytes
#                            (default 640 KiB) of each kind in each test;
#                            a test's own exit status and check are then
#                            only reported: the kernel's checks decide
#   kvmtest.inject_range=START-END
#                            inject only into allocations with a caller in
#                            [START, END) (KVM's text; needs nokaslr)

/bin/busybox --install -s /bin
export PATH=/bin:/tests
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# What udev makes on a real system, and kselftest's runner writes the
# tests' output to (devtmpfs has no /dev/stdout: it became a file).
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t debugfs debugfs /sys/kernel/debug
# lru_gen_aging_test counts kvm:kvm_age_hva through perf: the event id is in tracefs
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo +memory >/sys/fs/cgroup/cgroup.subtree_control

plan=tdp pressure=none hugepages=64 debug=0 inject=0 inject_range= inject_space=655360 kselftest=0
for opt in $(cat /proc/cmdline); do
	case $opt in
	kvmtest.plan=*) plan=${opt#*=} ;;
	kvmtest.pressure=*) pressure=${opt#*=} ;;
	kvmtest.hugepages=*) hugepages=${opt#*=} ;;
	kvmtest.debug=*) debug=${opt#*=} ;;
	kvmtest.inject=*) inject=${opt#*=} ;;
	kvmtest.inject_range=*) inject_range=${opt#*=} ;;
	kvmtest.inject_space=*) inject_space=${opt#*=} ;;
	kvmtest.kselftest=*) kselftest=${opt#*=} ;;
	esac
done
# A kernel that could not calibrate its TSC (PIT calibration under
# emulation can fail) gives KVM no TSC frequency, and tests then fail for
# a reason that is not theirs.  Stop before the first KTAP line: if
# scripts/boot.sh has not yet seen it, the guest's end makes it look, and
# boot again.
if dmesg | grep -q 'tsc: Marking TSC unstable due to could not calculate TSC khz'; then
	echo "# HARNESS: no TSC frequency (PIT calibration failed); no test run"
	reboot -f
fi
echo "$hugepages" >/proc/sys/vm/nr_hugepages
echo 0 >/proc/sys/kernel/panic_on_warn 2>/dev/null

SPLAT='WARNING:|BUG:|kernel BUG at|Oops|Kernel panic|general protection fault|INFO: task .* blocked|DEBUG_LOCKS_WARN_ON|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU usage|UBSAN:|KASAN:|stack-protector|rcu: INFO:'

if [ "$kselftest" = 1 ]; then
	# (The KTAP line tells scripts/boot.sh that the runner started.)
	echo "KTAP version 1"
	echo "# kselftest: run_kselftest.sh, kernel $(uname -r): $(tr '\n' ' ' </kselftest/kselftest-list.txt)"
	dmesg -c >/dev/null
	(cd /kselftest && ./run_kselftest.sh)
	splat=$(dmesg | grep -E "$SPLAT" | head -1)
	[ -z "$splat" ] || echo "# KERNEL-SPLAT: $splat"
	echo "# RUNNER-END"
	reboot -f
fi


pressure_loop() {
	while :; do
		# Paused while a test that drives the shrinker itself runs.
		if [ -e /tmp/pressure.pause ]; then
			sleep 1
			continue
		fi
		found=0
		for f in /sys/kernel/debug/shrinker/x86-mmu-*/scan; do
			[ -e "$f" ] || continue
			found=1
			echo "0 0 1000" >"$f" 2>/dev/null
		done
		[ $found = 1 ] || echo 2 >/proc/sys/vm/drop_caches
		sleep 1
	done
}

# For SETUP and CLEANUP: pause the background pressure while a test that
# scans the shrinker itself and asserts exact counts runs (its own scans
# are the pressure); resume it after.  The pause waits out a scan under way.
pressure_pause() {
	touch /tmp/pressure.pause
	sleep 2
}
pressure_resume() { rm -f /tmp/pressure.pause; }

# For SETUP and CHECK: sample a number, the output of the shell command
# $1, every 0.2 s while a test runs.
sample_start() {
	(while :; do v=$(eval "$1" 2>/dev/null); echo "${v:--1}"; sleep 0.2; done) >/tmp/samples &
	echo $! >/tmp/sampler.pid
}
sample_stop() {
	kill "$(cat /tmp/sampler.pid)"
	echo "# samples (count x value): $(sort -n /tmp/samples | uniq -c | tr -s ' \n' ' ')"
}
sample_max() { sort -n /tmp/samples | tail -1; }
sample_min() { sort -n /tmp/samples | head -1; }

# The shrinker's count of cached MMU pages, summed (0 when it reports none).
mmu_count() {
	cat /sys/kernel/debug/shrinker/x86-mmu-*/count 2>/dev/null |
		awk '{ s += $2 } END { print s + 0 }'
}

# After a test, its VMs are gone: the count must come back to 0 (a VM's
# last reference may drop a moment after the process exits).  Without the
# shrinker in debugfs there is nothing to read: that fails too.
count_back_to_zero() {
	ls -d /sys/kernel/debug/shrinker/x86-mmu-* >/dev/null 2>&1 || return 1
	tries=0
	while [ "$(mmu_count)" != 0 ] && [ $tries -lt 50 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	[ "$(mmu_count)" = 0 ]
}

# In-use shadow page headers (kvm_mmu_page_header, a cache of its own with
# slab_nomerge; "objects" needs SLUB_DEBUG), after "shrink" returns the
# objects kept per CPU to their slabs; empty if the cache has no sysfs.
sp_headers() {
	d=/sys/kernel/slab/kvm_mmu_page_header
	[ -r $d/objects ] || return 0
	echo 1 >$d/shrink 2>/dev/null
	cut -d' ' -f1 $d/objects
}

# After a test, no shadow page header outlives its VMs.  kmemleak cannot
# see one that is lost: the page table page's private field points to it.
# TDP MMU pages are freed after an RCU grace period: wait up to 10 s.
headers_back_to_zero() {
	tries=0
	while h=$(sp_headers) && [ -n "$h" ] && [ "$h" != 0 ]; do
		[ $tries -lt 100 ] || return 1
		sleep 0.1
		tries=$((tries + 1))
	done
}

FI=/sys/kernel/debug
# Fault injection for the processes that set /proc/self/make-it-fail, with
# a large budget of failures whose remainder tells how many were injected.
inject_setup() {
	for d in $FI/failslab $FI/fail_page_alloc; do
		echo Y >$d/task-filter
		echo "$inject" >$d/probability
		echo 1 >$d/interval
		echo 1000000000 >$d/times
		echo 0 >$d/verbose
		echo N >$d/ignore-gfp-wait
	done
	echo 0 >$FI/fail_page_alloc/min-order
	# Only allocations made on behalf of KVM's code (a caller in its text,
	# kvmtest.inject_range=START-END from System.map, booted nokaslr):
	# not exec, the dynamic loader or the test's own page faults.
	if [ -n "$inject_range" ]; then
		for d in $FI/failslab $FI/fail_page_alloc; do
			echo "${inject_range%-*}" >$d/require-start
			echo "${inject_range#*-}" >$d/require-end
		done
	fi
}
injected() {
	echo $((2000000000 - $(cat $FI/failslab/times) - $(cat $FI/fail_page_alloc/times)))
}

# Count the plan's entries first, for the KTAP plan line.
n=0
t() { n=$((n + 1)); }
. "/plans/$plan.sh"
total=$n
[ "$debug" = 0 ] || total=$((total + 1))
if [ "$inject" != 0 ]; then
	if [ -e $FI/failslab/task-filter ] && [ -e $FI/fail_page_alloc/task-filter ]; then
		inject_setup
	else
		echo "# inject: this kernel has no failslab/fail_page_alloc in debugfs; nothing is injected"
		inject=0
	fi
fi
if [ "$debug" != 0 ] && [ -e $FI/kmemleak ]; then
	# Only what the tests leak counts, not what boot left behind: report
	# it (an object must look unreferenced in two scans, 5 s apart at
	# least), then mark it as seen.
	echo scan >$FI/kmemleak
	sleep 6
	echo scan >$FI/kmemleak
	echo "# kmemleak: $(grep -c '^unreferenced object' $FI/kmemleak) objects left by boot, cleared"
	echo clear >$FI/kmemleak
fi

echo "KTAP version 1"
echo "# kvm-mmu-series runner: kernel $(uname -r), plan $plan, pressure $pressure, hugepages $(cat /proc/sys/vm/nr_hugepages)"
echo "# kvm params: $(cd /sys/module/kvm/parameters && for p in tdp_mmu eager_page_split nx_huge_pages; do printf '%s=%s ' $p "$(cat $p 2>/dev/null)"; done)$(cd /sys/module/kvm_amd/parameters 2>/dev/null && printf 'npt=%s nested=%s' "$(cat npt)" "$(cat nested)")"
echo "1..$total"

if [ "$pressure" = shrinker ]; then
	ls -d /sys/kernel/debug/shrinker/x86-mmu-* >/dev/null 2>&1 &&
		echo "# pressure: scanning $(ls -d /sys/kernel/debug/shrinker/x86-mmu-*) every second" ||
		echo "# pressure: no x86-mmu shrinker in this kernel; drop_caches (slab) every second instead"
	pressure_loop &
	pressure_pid=$!
fi

dmesg -c >/dev/null
n=0
t() {
	n=$((n + 1))
	name=$1 file=$2 args=$3 timeout=$4 setup=$5 cleanup=$6 check=$7
	echo "# START $name"
	[ -z "$setup" ] || eval "$setup"
	start=$(date +%s)
	if [ "$inject" != 0 ]; then
		# Each test's first 640 KiB of KVM allocations (of each kind:
		# slab, and pages, whose budget counts pages) never fail, so that
		# its first VM, vCPUs and memslots mostly get created and most
		# failures land in the MMU's work that follows: at 3% per
		# allocation, creating a VM would otherwise almost never succeed.
		echo "$inject_space" >$FI/failslab/space
		echo $((inject_space / 4096)) >$FI/fail_page_alloc/space
		inj0=$(injected)
	fi
	# shellcheck disable=SC2086
	{
		if [ "$inject" = 0 ]; then
			timeout -s KILL "$timeout" "/tests/$file" $args 2>&1
		else
			timeout -s KILL "$timeout" sh -c 'echo 1 >/proc/self/make-it-fail && exec "$@"' \
				- "/tests/$file" $args 2>&1
		fi
		echo $? >/tmp/rc
	} | sed 's/^/# /'
	rc=$(cat /tmp/rc)
	secs=$(($(date +%s) - start))
	checked=ok
	if [ -n "$check" ] && ! (eval "$check"); then
		checked=failed
	fi
	[ -z "$cleanup" ] || eval "$cleanup"
	counted=ok
	if [ "$debug" != 0 ] && ! count_back_to_zero; then
		if ls -d /sys/kernel/debug/shrinker/x86-mmu-* >/dev/null 2>&1; then
			counted="MMU cache count $(mmu_count), not 0, after the test's VMs are gone"
		else
			counted="no x86-mmu shrinker in debugfs: the MMU cache count cannot be checked"
		fi
	fi
	if [ "$debug" != 0 ] && [ "$counted" = ok ] && ! headers_back_to_zero; then
		counted="$(sp_headers) shadow page headers (kvm_mmu_page_header) still allocated after the test's VMs are gone"
	fi
	if [ "$inject" != 0 ]; then
		echo "# injected: $(($(injected) - inj0)) allocation failures; the test exited with $rc, its check $checked; budget left: slab $(cat $FI/failslab/space), pages $(cat $FI/fail_page_alloc/space)"
		[ "$rc" = 137 ] || rc=0
		checked=ok
	fi
	dmesg -c >/tmp/dmesg.test
	cat /tmp/dmesg.test >>/tmp/dmesg.all
	splat=$(grep -E "$SPLAT" /tmp/dmesg.test | head -1)
	if [ -n "$splat" ]; then
		echo "not ok $n $name # time=${secs}s kernel splat: $splat"
	elif [ "$rc" = 137 ] && [ "$secs" -ge "$timeout" ]; then
		echo "not ok $n $name # time=${secs}s TIMEOUT after ${timeout}s"
	elif [ "$checked" != ok ]; then
		echo "not ok $n $name # time=${secs}s check failed: $check"
	elif [ "$counted" != ok ]; then
		echo "not ok $n $name # time=${secs}s $counted"
	elif [ "$rc" = 4 ]; then
		echo "ok $n $name # SKIP time=${secs}s"
	elif [ "$rc" = 0 ]; then
		echo "ok $n $name # time=${secs}s"
	else
		echo "not ok $n $name # time=${secs}s exit status $rc"
	fi
	echo "# END $name"
}
. "/plans/$plan.sh"

[ -z "${pressure_pid:-}" ] || kill "$pressure_pid"
if [ "$debug" != 0 ]; then
	n=$((n + 1))
	echo "# START kmemleak-$plan"
	if [ -e $FI/kmemleak ]; then
		# Twice: an object is reported only once it looked unreferenced
		# in two scans.
		scanned=ok
		echo scan >$FI/kmemleak || scanned=failed
		sleep 6
		echo scan >$FI/kmemleak || scanned=failed
		cat $FI/kmemleak >/tmp/leaks
		sed 's/^/# /' /tmp/leaks | head -60
		leaks=$(grep -c '^unreferenced object' /tmp/leaks)
		dmesg >>/tmp/dmesg.all
		# (An injected failure of kmemleak's own allocations only makes
		# it scan a whole object, or take its metadata from its memory
		# pool; it stops only once that pool is used up.)
		off=$(grep -E 'kmemleak: .*(detector disabled|Cannot allocate a kmemleak_object)' /tmp/dmesg.all | head -1)
		if [ "$scanned" != ok ] || [ -n "$off" ]; then
			echo "not ok $n kmemleak-$plan # kmemleak did not scan: ${off:-echo scan failed}"
		elif [ "$leaks" = 0 ]; then
			echo "ok $n kmemleak-$plan # nothing leaked"
		else
			echo "not ok $n kmemleak-$plan # $leaks unreferenced objects"
		fi
	else
		echo "not ok $n kmemleak-$plan # no kmemleak in this kernel (CONFIG_DEBUG_KMEMLEAK)"
	fi
	echo "# END kmemleak-$plan"
fi
echo "# RUNNER-END"
reboot -f
