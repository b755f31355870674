# The table of 'make bench': read lines "entry TAB metric TAB kernel TAB
# value" and print, per entry and metric in first-seen order, the median,
# min and max of each kernel and the patched/base ratio of the medians.
function median(a, n,   i, j, x) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { x = a[j]; a[j] = a[j - 1]; a[j - 1] = x }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function num(x) {
	# %.0f, not %d: mawk's %d stops at 2^31 - 1 (guest instruction counts pass it)
	return x == int(x) ? sprintf("%.0f", x) : sprintf("%.4g", x)
}
# "median [min-max]" of the n values of a, or n/a
function cell(a, n,   i, lo, hi) {
	if (!n)
		return "n/a"
	lo = hi = a[1]
	for (i = 2; i <= n; i++) {
		if (a[i] < lo) lo = a[i]
		if (a[i] > hi) hi = a[i]
	}
	return lo == hi ? num(lo) : num(median(a, n)) " [" num(lo) "-" num(hi) "]"
}
BEGIN { FS = "\t" }
!(($1 SUBSEP $2) in seen) { seen[$1, $2] = 1; order[++no] = $1 SUBSEP $2 }
{ k = $1 SUBSEP $2; n[k, $3]++; v[k, $3, n[k, $3]] = $4 }
END {
	printf "%-27s %-49s %-25s %-25s %7s %s\n", "ENTRY", "METRIC", "BASE median [min-max]",
		"PATCHED median [min-max]", "RATIO", "N"
	for (o = 1; o <= no; o++) {
		k = order[o]
		split(k, parts, SUBSEP)
		nb = n[k, "base"] + 0
		np = n[k, "patched"] + 0
		delete b
		delete p
		for (i = 1; i <= nb; i++) b[i] = v[k, "base", i]
		for (i = 1; i <= np; i++) p[i] = v[k, "patched", i]
		cb = cell(b, nb)
		cp = cell(p, np)
		ratio = "n/a"
		if (nb && np && median(b, nb))
			ratio = sprintf("%.3f", median(p, np) / median(b, nb))
		printf "%-27s %-49s %-25s %-25s %7s %d\n", parts[1], parts[2], cb, cp, ratio, np
	}
}
