# Read a guest serial log and print one line per expected test:
#   name <TAB> PASS|FAIL|SKIP <TAB> seconds <TAB> detail
# The expected names come in -v names="a b c" (the boot's plan, in order).
# A test fails on its runner verdict, on a kernel splat in the log while it
# ran (or after it ended, before the next began), or if it never finished.
function splat(line) {
	return line ~ /(WARNING:|BUG:|kernel BUG at|Oops|Kernel panic|general protection fault|INFO: task .* blocked|DEBUG_LOCKS_WARN_ON|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU usage|UBSAN:|KASAN:|stack-protector|rcu: INFO:)/
}
BEGIN {
	n = split(names, order, " ")
	cur = "(boot)"
}
{ sub(/\r$/, "") }
/^# START / { cur = substr($0, 9); started[cur] = 1; next }
/^# END / { next }
/^# HARNESS: / { harness = substr($0, 12); next }
/^# RUNNER-END/ { finished = 1; cur = "(shutdown)"; next }
/^(not )?ok [0-9]+ / {
	line = $0
	ok = (line !~ /^not /)
	sub(/^(not )?ok [0-9]+ /, "", line)
	tname = line
	sub(/ .*/, "", tname)
	detail = line
	if (index(detail, " # ") > 0)
		detail = substr(detail, index(detail, " # ") + 3)
	else
		detail = ""
	secs = "-"
	if (match(detail, /time=[0-9]+s/))
		secs = substr(detail, RSTART + 5, RLENGTH - 6)
	gsub(/time=[0-9]+s ?/, "", detail)
	res[tname] = ok ? (detail ~ /^SKIP/ ? "SKIP" : "PASS") : "FAIL"
	why[tname] = detail
	sec[tname] = secs
	next
}
/^# / { next }
splat($0) {
	if (!(cur in firstsplat))
		firstsplat[cur] = $0
}
END {
	for (i = 1; i <= n; i++) {
		t = order[i]
		if (!(t in res)) {
			res[t] = "FAIL"
			sec[t] = "-"
			if (t in started)
				why[t] = (harness != "" ? harness : "the guest died") " while this test ran"
			else
				why[t] = "not run: " (harness != "" ? harness : "the guest stopped before it")
		}
		if ((t in firstsplat) && res[t] != "FAIL") {
			res[t] = "FAIL"
			why[t] = "kernel splat: " firstsplat[t]
		}
		printf "%s\t%s\t%s\t%s\n", t, res[t], sec[t], why[t]
	}
	for (w in firstsplat)
		if (w ~ /^\(/)
			printf "%s\tFAIL\t-\tkernel splat: %s\n", w, firstsplat[w]
}
