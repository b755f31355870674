# Parse selftests/plan.cfg (unittests.cfg style) into one line per entry,
# fields separated by \037: name file args mode patch timeout setup cleanup
# check metric debug groups
# Errors go to stderr and make awk exit 1.
function flush() {
	if (name == "")
		return
	if (f["file"] == "")
		err("entry [" name "] has no file")
	if (f["mode"] !~ /^(tdp|shadow|nested)$/)
		err("entry [" name "]: mode must be tdp, shadow or nested, not '" f["mode"] "'")
	if (f["patch"] !~ /^[0-9]+$/)
		err("entry [" name "]: patch must be a number, not '" f["patch"] "'")
	if (f["timeout"] !~ /^[0-9]+$/)
		err("entry [" name "]: timeout must be seconds, not '" f["timeout"] "'")
	if (f["debug"] !~ /^(yes|no)$/)
		err("entry [" name "]: debug must be yes or no, not '" f["debug"] "'")
	if (f["groups"] !~ /^([a-z_]+( [a-z_]+)*)?$/)
		err("entry [" name "]: groups must be words separated by spaces, not '" f["groups"] "'")
	printf "%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\n", name,
		f["file"], f["extra_params"], f["mode"], f["patch"], f["timeout"],
		f["setup"], f["cleanup"], f["check"], f["metric"], f["debug"], f["groups"]
}
function err(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	bad = 1
	exit 1
}
BEGIN {
	split("file extra_params mode patch timeout setup cleanup check metric debug groups", k, " ")
	for (i in k)
		known[k[i]] = 1
}
/^[ \t]*(#|$)/ { next }
/^\[.*\]$/ {
	flush()
	name = substr($0, 2, length($0) - 2)
	if (name !~ /^[A-Za-z0-9_.+-]+$/)
		err("bad entry name '" name "'")
	if (name in seen)
		err("entry [" name "] is defined twice")
	seen[name] = 1
	delete f
	f["mode"] = "tdp"
	f["patch"] = "0"
	f["timeout"] = "300"
	f["debug"] = "no"
	next
}
{
	eq = index($0, "=")
	if (eq == 0 || name == "")
		err("expected '[name]' or 'key = value', got '" $0 "'")
	key = substr($0, 1, eq - 1)
	val = substr($0, eq + 1)
	gsub(/^[ \t]+|[ \t]+$/, "", key)
	gsub(/^[ \t]+|[ \t]+$/, "", val)
	if (!(key in known))
		err("entry [" name "]: unknown key '" key "'")
	f[key] = val
}
END {
	if (!bad)
		flush()
}
