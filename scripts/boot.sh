#!/bin/bash
# usage: scripts/boot.sh KERNEL INITRD APPEND LOG TIMEOUT
#
# Boot KERNEL with INITRD under QEMU (SMP vCPUs, default 2; 3 GiB), the
# serial console going to LOG, and print progress as the guest runner starts
# each test.  One socket per vCPU: the kernel has no ACPI, and SeaBIOS's MP
# table lists only the first CPU of each package.  ICOUNT=1 adds -icount shift=0,sleep=off (TCG only): guest time
# is then a count of instructions executed, so that times taken in the
# guest vary far less from run to run, and mean nothing in seconds.
# TCG (single-threaded) unless the host can really run KVM: vmx/svm in the
# CPU flags and a usable /dev/kvm, and even then TCG if the guest prints
# nothing within 30 seconds.  A boot whose kernel could not calibrate its
# TSC (PIT calibration under emulation can fail; KVM then has no TSC
# frequency and selftests fail for a reason that is not theirs; the guest
# runner then stops before its first KTAP line) is booted again, up to
# twice, with tsc_early_khz= set to the guest's TSC frequency (1 GHz under
# icount; else the host's, which TCG and KVM guests read, from the host's
# "cpu MHz"), so that it needs no calibration, and the log says so.  Exit status: 0 the runner finished, 2 the
# guest was killed at TIMEOUT seconds, 3 the guest stopped early (or never
# got a TSC frequency).  Every boot has slab_nomerge, so that each slab
# cache, KVM's pte_list_desc among them, has counters of its own in
# /sys/kernel/slab, and oops=panic panic=-1: an oops ends the boot at once
# (the test it killed fails, the later ones did not run), where it used to
# leave a guest that waited on the dead task's locks until the timeout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[[ $# -eq 5 ]] || die "usage: scripts/boot.sh KERNEL INITRD APPEND LOG TIMEOUT"
kernel=$1 initrd=$2 append=$3 log=$4 timeout=$5
QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || die "QEMU ($QEMU) not found (apt-get install qemu-system-x86)"
[[ -f $kernel ]] || die "no kernel image $kernel"
[[ -f $initrd ]] || die "no initramfs $initrd"
[[ ${SMP:-2} =~ ^[1-9][0-9]*$ ]] || die "SMP must be a number of vCPUs, not '$SMP'"
[[ ${ICOUNT:-0} == [01] ]] || die "ICOUNT must be 0 or 1, not '$ICOUNT'"

can_kvm() {
	[[ ${ACCEL:-} != tcg && ${ICOUNT:-0} != 1 ]] && [[ -w /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo &&
		grep -qsE '^(Y|1)$' /sys/module/kvm_intel/parameters/nested /sys/module/kvm_amd/parameters/nested
}

# guest_tsc_khz: the frequency of the guest's TSC in kHz, or nothing if
# the host does not say
guest_tsc_khz() {
	if [[ ${ICOUNT:-0} == 1 ]]; then
		echo 1000000 # shift=0: one instruction, one ns, one TSC tick
		return
	fi
	awk -F: '/^cpu MHz/ { if ($2 + 0 > 0) printf "%d\n", $2 * 1000 + 0.5; exit }' /proc/cpuinfo
}

# QEMU runs under a subshell that waits for it and then creates $log.exit:
# that file says QEMU has exited and the log holds all it wrote, and QEMU's
# pid ($log.pid) cannot be reused while it is absent (the subshell has not
# reaped QEMU yet).  Decisions below read the log only then, or look for a
# line that a finished guest runner leaves, never for the absence of a line
# in a log that QEMU may still be writing.
qemu_pid=
qemu_sub=
tsc=
start_qemu() {
	local accel=$1
	local -a cpu=(-accel tcg,thread=single -cpu EPYC-Rome,+svm,+npt)
	[[ ${ICOUNT:-0} == 1 ]] && cpu+=(-icount shift=0,sleep=off)
	[[ $accel == kvm ]] && cpu=(-accel kvm -cpu host)
	: >"$log"
	rm -f "$log.pid" "$log.exit"
	(
		"$QEMU" "${cpu[@]}" -smp "${SMP:-2},sockets=${SMP:-2},cores=1,threads=1" -m 3G -nographic -no-reboot \
			-monitor none -serial "file:$log" -kernel "$kernel" -initrd "$initrd" \
			-append "console=ttyS0 oops=panic panic=-1 slab_nomerge $tsc$append" </dev/null >"$log.qemu" 2>&1 &
		echo $! >"$log.pid"
		rc=0
		wait $! || rc=$?
		echo "$rc" >"$log.exit"
	) &
	qemu_sub=$!
	until [[ -s $log.pid ]]; do
		kill -0 "$qemu_sub" 2>/dev/null || die "QEMU ($QEMU) could not be started"
		sleep 0.1
	done
	qemu_pid=$(<"$log.pid")
}

# qemu_exited: QEMU has exited, and the log is complete
qemu_exited() {
	[[ -e $log.exit ]]
}

# stop_qemu: kill QEMU unless it has exited, and wait until it is reaped
stop_qemu() {
	[[ -n $qemu_sub ]] || return 0
	qemu_exited || kill -9 "$qemu_pid" 2>/dev/null || true
	wait "$qemu_sub" 2>/dev/null || true
	qemu_sub=
}
trap stop_qemu EXIT

accel=tcg
if can_kvm; then
	start_qemu kvm
	for _ in $(seq 30); do
		grep -q 'Linux version' "$log" 2>/dev/null && break
		sleep 1
	done
	if grep -q 'Linux version' "$log"; then
		accel=kvm
	else
		stop_qemu
		stage boot "KVM acceleration printed nothing in 30 s; falling back to TCG"
	fi
fi
[[ $accel == kvm ]] || start_qemu tcg

# bad_boot: the guest kernel booted without a usable TSC frequency
bad_boot() {
	grep -aq 'tsc: Marking TSC unstable due to could not calculate TSC khz' "$log"
}

# Each boot: wait until the guest runner has printed its first KTAP line
# (the runner checks the TSC before it), or QEMU has exited, or TIMEOUT
# seconds; then boot again if the complete log of an exited QEMU says the
# guest had no TSC frequency.
retries=0
while :; do
	boot_start=$(date +%s)
	until qemu_exited || grep -aq '^KTAP version' "$log"; do
		(($(date +%s) - boot_start < timeout)) || break
		sleep 0.5
	done
	qemu_exited && bad_boot && ((retries < 2)) || break
	retries=$((retries + 1))
	stop_qemu
	cp "$log" "$log.bad-tsc-$retries"
	khz=$(guest_tsc_khz)
	[[ -z $khz ]] || tsc="tsc_early_khz=$khz "
	stage boot "guest could not calibrate its TSC (emulation timing); booting again${khz:+ with tsc_early_khz=$khz} ($retries of 2, log kept in $log.bad-tsc-$retries)"
	start_qemu "$accel"
done

start=$(date +%s)
seen=0
total=?
while ! qemu_exited; do
	if (($(date +%s) - start >= timeout)); then
		stop_qemu
		echo "# HARNESS: guest killed at the global timeout (${timeout}s)" >>"$log"
		stage boot "guest hung: killed at the global timeout of ${timeout}s"
		exit 2
	fi
	[[ $total != '?' ]] || total=$(grep -a -m1 -oE '^1\.\.[0-9]+' "$log" | cut -c4- || echo '?')
	[[ -n $total ]] || total='?'
	mapfile -t started < <(grep -a -oE '^# START [^ ]+' "$log" | cut -c9-)
	while ((seen < ${#started[@]})); do
		seen=$((seen + 1))
		stage boot "[$accel] test $seen of $total: ${started[seen - 1]}"
	done
	sleep 2
done
stop_qemu
grep -aq '^# RUNNER-END' "$log" && exit 0
if bad_boot; then
	stage boot "guest could not calibrate its TSC in $((retries + 1)) boots; no test ran (see $log)"
else
	stage boot "guest stopped before the runner finished (see $log)"
fi
exit 3
