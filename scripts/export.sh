#!/bin/bash
# usage: scripts/export.sh [BRANCH]
#
# Write the commits base..BRANCH (default: kvm-mmu-series) of the kernel
# tree to patches/ and 'series' with git format-patch, a base-commit: line
# in every patch, and a threaded mbox (cover letter from cover-letter.txt,
# then the patches) in results/export/ for b4 or git send-email.
#
# A branch that 'b4 prep' manages (BRANCH itself, or b4/BRANCH where it
# exists, as 'make import' leaves it): its cover-letter commit is not a
# patch, and its subject and body, less b4's tracking data, are written
# back to cover-letter.txt.  The patches always come from BRANCH.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -le 1 ]] || die "usage: scripts/export.sh [BRANCH]"
branch=${1:-$WORK_BRANCH}
marker='--- b4-submit-tracking ---' # b4 0.12, ez.py: MAGIC_MARKER
repo=$(src_repo)
base=$(base_rev)
git -C "$repo" rev-parse -q --verify "$branch^{commit}" >/dev/null ||
	die "no branch or commit '$branch' in $repo"
git -C "$repo" merge-base --is-ancestor "$base" "$branch" ||
	die "$branch is not based on the base $(git -C "$repo" rev-parse --short "$base")"
dir=$(cd "$SERIES_DIR" && pwd)

# cover_commit REV: b4 prep's cover-letter commit in base..REV, if any
cover_commit() {
	local c
	c=$(git -C "$repo" log -F --grep="$marker" --format=%H "$1" --not "$base")
	(($(wc -w <<<"$c") <= 1)) || die "$1 has more than one b4 cover-letter commit: $(tr '\n' ' ' <<<"$c")"
	echo "$c"
}

range=$base..$branch
b4src=
cc=$(cover_commit "$branch")
if [[ -n $cc ]]; then
	b4src=$branch
	git -C "$repo" diff --quiet "$cc^" "$cc" || die "$branch: b4's cover-letter commit $cc changes files"
	if [[ $(git -C "$repo" rev-parse "$cc^") == $(git -C "$repo" rev-parse "$base") ]]; then
		range=$cc..$branch # b4's 'commit' strategy: the cover first
	elif [[ $cc == $(git -C "$repo" rev-parse "$branch^{commit}") ]]; then
		range=$base..$cc^ # 'tip-commit': the cover last
	else
		die "$branch: b4's cover-letter commit $cc is neither the first nor the last after the base"
	fi
elif [[ $branch != b4/* ]] && git -C "$repo" rev-parse -q --verify "refs/heads/b4/$branch" >/dev/null; then
	cc=$(cover_commit "b4/$branch")
	if [[ -n $cc ]]; then
		b4src=b4/$branch
		[[ $(git -C "$repo" rev-parse "b4/$branch^{tree}") == $(git -C "$repo" rev-parse "$branch^{tree}") ]] ||
			stage export "note: b4/$branch holds other changes than $branch; the patches come from $branch (make export BRANCH=b4/$branch takes b4's)"
	fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The cover letter: b4's (written back to cover-letter.txt) or the file's.
cover=$dir/cover-letter.txt
if [[ -n $b4src ]]; then
	git -C "$repo" show -s --format=%B "$cc" |
		awk -v m="$marker" '$0 == m { exit } { print }' >"$tmp/cover.new"
	# subject, an empty line, the body; no blank lines at either end
	awk 'NR == 1 { s = $0; next } !b && /^[[:space:]]*$/ { next } { b = 1; l[++n] = $0 }
		END { while (n > 0 && l[n] ~ /^[[:space:]]*$/) n--
			print s; if (n) print ""; for (i = 1; i <= n; i++) print l[i] }' "$tmp/cover.new" >"$tmp/cover.tmp"
	mv "$tmp/cover.tmp" "$tmp/cover.new"
	[[ -n $(head -1 "$tmp/cover.new") ]] || die "$b4src: b4's cover letter has no subject line"
	! grep -q EDITME "$tmp/cover.new" || stage export "note: $b4src's cover letter still says EDITME (b4 prep --edit-cover)"
	# The text last synced between the file and the b4 branch (by import
	# or export): a file that differs from it was edited since, and is
	# only overwritten when git has its text.
	synced=$CACHE/b4-cover/$(printf '%s\n' "$repo" "$b4src" "$cover" | md5sum | cut -c1-12)
	if cmp -s "$tmp/cover.new" "$cover"; then
		stage export "cover-letter.txt: unchanged, the same as $b4src's cover letter"
	else
		if [[ -f $cover ]] && ! cmp -s "$cover" "$synced" &&
			! { git -C "$dir" ls-files --error-unmatch cover-letter.txt >/dev/null 2>&1 &&
				git -C "$dir" diff --quiet HEAD -- cover-letter.txt; }; then
			die "$cover was edited since the last make import or export, and $b4src's cover letter differs from it; to keep the file's text: make import (it puts it into $b4src); to keep b4's: commit the file, or remove it, and export again"
		fi
		cp "$tmp/cover.new" "$cover"
		stage export "cover-letter.txt: written from $b4src's cover letter"
	fi
	mkdir -p "$CACHE/b4-cover"
	cp "$cover" "$synced"
fi
[[ -f $cover ]] || cover=$REPO/cover-letter.txt
[[ -f $cover ]] || die "no cover-letter.txt"
n=$(git -C "$repo" rev-list --count "$range")

if ((n > 0)); then
	git -C "$repo" format-patch -q -M --thread=shallow --cover-letter -o "$tmp" "$range"
fi
# base-commit: in every patch, where format-patch puts it in the first.
for p in "$tmp"/*.patch; do
	[[ -e $p ]] || continue
	awk -v base="$base" '
		/^-- $/ && !done { print "base-commit: " base; print ""; done = 1 }
		{ print }' "$p" >"$p.new"
	mv "$p.new" "$p"
done
mkdir -p "$dir/patches"
rm -f "$dir"/patches/*.patch
: >"$dir/series.new"
for p in "$tmp"/*.patch; do
	[[ -e $p ]] || continue
	case $(basename "$p") in
	0000-cover-letter.patch) continue ;;
	esac
	cp "$p" "$dir/patches/"
	basename "$p" >>"$dir/series.new"
done
mv "$dir/series.new" "$dir/series"

# The mbox: the cover letter's subject and body come from cover-letter.txt.
out=$REPO/results/export
mkdir -p "$out"
if ((n > 0)); then
	subject=$(head -1 "$cover")
	awk -v subj="$subject" -v body="$cover" '
		/^Subject: / { sub(/\*\*\* SUBJECT HERE \*\*\*/, subj) }
		/^\*\*\* BLURB HERE \*\*\*$/ {
			while ((getline l < body) > 0) if (nr++ > 0 && !(nr == 2 && l == "")) print l
			next
		}
		{ print }' "$tmp/0000-cover-letter.patch" >"$tmp/cover"
	# Headers unfolded: b4 0.12 fails on a folded From: (a long name and
	# address, which format-patch folds) with "Header values may not
	# contain linefeed".
	{ cat "$tmp/cover"; for p in "$tmp"/*.patch; do
		[[ $(basename "$p") == 0000-cover-letter.patch ]] || cat "$p"
	done; } | awk '
		function flush() { if (have) print held; have = 0 }
		/^From [0-9a-f]+ Mon Sep 17 00:00:00 2001$/ { flush(); hdr = 1; print; next }
		hdr && /^[ \t]/ { sub(/^[ \t]+/, ""); held = held " " $0; next }
		hdr && /^$/ { flush(); hdr = 0; print; next }
		hdr { flush(); held = $0; have = 1; next }
		{ print }
		END { flush() }' >"$out/series.mbox"
else
	: >"$out/series.mbox"
fi
stage export "$n patches from $branch to $dir/patches (base $(git -C "$repo" rev-parse --short=12 "$base")); mbox: $out/series.mbox"
