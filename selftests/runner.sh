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

/bin/busybox --install -s /bin
export PATH=/bin:/tests
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo +memory >/sys/fs/cgroup/cgroup.subtree_control

plan=tdp pressure=none hugepages=64
for opt in $(cat /proc/cmdline); do
	case $opt in
	kvmtest.plan=*) plan=${opt#*=} ;;
	kvmtest.pressure=*) pressure=${opt#*=} ;;
	kvmtest.hugepages=*) hugepages=${opt#*=} ;;
	esac
done
echo "$hugepages" >/proc/sys/vm/nr_hugepages
echo 0 >/proc/sys/kernel/panic_on_warn 2>/dev/null

SPLAT='WARNING:|BUG:|kernel BUG at|Oops|Kernel panic|general protection fault|INFO: task .* blocked|DEBUG_LOCKS_WARN_ON|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU usage|UBSAN:|KASAN:|stack-protector|rcu: INFO:'

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

# Count the plan's entries first, for the KTAP plan line.
n=0
t() { n=$((n + 1)); }
. "/plans/$plan.sh"
total=$n

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
	# shellcheck disable=SC2086
	{ timeout -s KILL "$timeout" "/tests/$file" $args 2>&1; echo $? >/tmp/rc; } | sed 's/^/# /'
	rc=$(cat /tmp/rc)
	secs=$(($(date +%s) - start))
	checked=ok
	if [ -n "$check" ] && ! (eval "$check"); then
		checked=failed
	fi
	[ -z "$cleanup" ] || eval "$cleanup"
	splat=$(dmesg -c | grep -E "$SPLAT" | head -1)
	if [ -n "$splat" ]; then
		echo "not ok $n $name # time=${secs}s kernel splat: $splat"
	elif [ "$rc" = 137 ] && [ "$secs" -ge "$timeout" ]; then
		echo "not ok $n $name # time=${secs}s TIMEOUT after ${timeout}s"
	elif [ "$checked" != ok ]; then
		echo "not ok $n $name # time=${secs}s check failed: $check"
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
echo "# RUNNER-END"
reboot -f
