#!/bin/bash
# usage: scripts/export.sh [BRANCH]
#
# Write the commits base..BRANCH (default: kvm-mmu-series) of the kernel
# tree to patches/ and 'series' with git format-patch, a base-commit: line
# in every patch, and a threaded mbox (cover letter from cover-letter.txt,
# then the patches) in results/export/ for b4 or git send-email.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -le 1 ]] || die "usage: scripts/export.sh [BRANCH]"
branch=${1:-$WORK_BRANCH}
repo=$(src_repo)
base=$(base_rev)
git -C "$repo" rev-parse -q --verify "$branch^{commit}" >/dev/null ||
	die "no branch or commit '$branch' in $repo"
git -C "$repo" merge-base --is-ancestor "$base" "$branch" ||
	die "$branch is not based on the base $(git -C "$repo" rev-parse --short "$base")"
[[ -f $REPO/cover-letter.txt ]] || die "no cover-letter.txt"
n=$(git -C "$repo" rev-list --count "$base..$branch")
dir=$(cd "$SERIES_DIR" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ((n > 0)); then
	git -C "$repo" format-patch -q -M --thread=shallow --cover-letter -o "$tmp" "$base..$branch"
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
	subject=$(head -1 "$REPO/cover-letter.txt")
	awk -v subj="$subject" -v body="$REPO/cover-letter.txt" '
		/^Subject: / { sub(/\*\*\* SUBJECT HERE \*\*\*/, subj) }
		/^\*\*\* BLURB HERE \*\*\*$/ {
			while ((getline l < body) > 0) if (nr++ > 0 && !(nr == 2 && l == "")) print l
			next
		}
		{ print }' "$tmp/0000-cover-letter.patch" >"$tmp/cover"
	{ cat "$tmp/cover"; for p in "$tmp"/*.patch; do
		[[ $(basename "$p") == 0000-cover-letter.patch ]] || cat "$p"
	done; } >"$out/series.mbox"
else
	: >"$out/series.mbox"
fi
stage export "$n patches from $branch to $dir/patches (base $(git -C "$repo" rev-parse --short=12 "$base")); mbox: $out/series.mbox"
