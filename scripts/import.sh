#!/bin/bash
# usage: scripts/import.sh [BRANCH]
#
# Apply 'series' to the base and point the kernel tree's branch BRANCH
# (default: kvm-mmu-series) at the result, to edit with git and export back.
# Also create or refresh b4/BRANCH, a branch that 'b4 prep' manages: b4's
# cover-letter commit (subject and body from cover-letter.txt, then b4's
# tracking data), then the series, with the base as b4's fork point; 'b4
# send' works on it.  Enrolled by 'b4 prep -e' in a temporary work tree; a
# b4 branch that exists keeps its change-id, revision and history.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_cache
[[ $# -le 1 ]] || die "usage: scripts/import.sh [BRANCH]"
branch=${1:-$WORK_BRANCH}
git check-ref-format --branch "$branch" >/dev/null 2>&1 || die "'$branch' is not a valid branch name"
[[ $branch != b4/* ]] || die "BRANCH=$branch: name the plain branch; its b4 prep branch is b4/BRANCH"
need_tools b4
marker='--- b4-submit-tracking ---' # b4 0.12, ez.py: MAGIC_MARKER
b4br=b4/$branch
cover=$(cd "$SERIES_DIR" && pwd)/cover-letter.txt
[[ -f $cover ]] || cover=$REPO/cover-letter.txt
[[ -f $cover ]] || die "no cover-letter.txt in $SERIES_DIR or $REPO"
# b4 reads the first line as the subject, and needs the second one empty.
[[ -n $(sed -n '1{/[^[:space:]]/p}' "$cover") && -z $(sed -n '2{/[^[:space:]]/p}' "$cover") ]] ||
	die "$cover: the first line must be the subject and the second one empty (b4's cover letter format)"
! grep -qxF -- "$marker" "$cover" || die "$cover contains b4's tracking marker line '$marker'"
repo=$(src_repo)
"$(dirname "$0")/get-base.sh"
base=$(base_rev)

# A b4 branch that a work tree has checked out is not moved under it.
used=$(git -C "$repo" worktree list --porcelain |
	awk -v ref="refs/heads/$b4br" '/^worktree / { w = substr($0, 10) } $0 == "branch " ref { print w }')
[[ -z $used ]] || die "$b4br is checked out in $used; check out another branch there, then import again"

wt=$("$(dirname "$0")/apply.sh")
head=$(git -C "$wt" rev-parse HEAD)

# The tracking data (change-id, revision, history) of the b4 branch, if any.
old=$(git -C "$repo" rev-parse -q --verify "refs/heads/$b4br" || true)
tracking=
if [[ -n $old ]]; then
	c=$(git -C "$repo" log -F --grep="$marker" --format=%H -1 "$old" --not "$base")
	[[ -z $c ]] || tracking=$(git -C "$repo" show -s --format=%B "$c" | awk -v m="$marker" '$0 == m { on = 1 } on')
fi

tw=$(mktemp -d "$CACHE/b4-import.XXXXXX")
ok=0
cleanup() {
	git -C "$repo" worktree remove --force "$tw" >/dev/null 2>&1 || rm -rf "$tw"
	git -C "$repo" worktree prune
	rm -f "$tw.log" "$tw.msg"
	if ((!ok)); then
		if [[ -n $old ]]; then
			git -C "$repo" branch -f "$b4br" "$old" >/dev/null 2>&1 || true
		else
			git -C "$repo" branch -D -q "$b4br" >/dev/null 2>&1 || true
		fi
	fi
}
trap cleanup EXIT
# b4 wants the branch checked out in a clean work tree, but nothing here
# needs the files: the work tree has the base's index, every entry marked
# skip-worktree, and no files.
git -C "$repo" worktree add -q --no-checkout -B "$b4br" "$tw" "$base" 2>"$tw.log" ||
	die "cannot make $b4br at the base: $(tail -1 "$tw.log")"
git -C "$tw" read-tree HEAD
git -C "$tw" ls-files -z | git -C "$tw" update-index -z --skip-worktree --stdin
# b4 makes its cover commit on the base (no commits to track yet), with
# its cover strategy 'commit' whatever the user's b4 configuration says ...
n=${GIT_CONFIG_COUNT:-0}
(cd "$tw" && env GIT_CONFIG_COUNT=$((n + 2)) \
	"GIT_CONFIG_KEY_$n=b4.prep-cover-strategy" "GIT_CONFIG_VALUE_$n=commit" \
	"GIT_CONFIG_KEY_$((n + 1))=branch.$b4br.b4-prep-cover-strategy" "GIT_CONFIG_VALUE_$((n + 1))=commit" \
	b4 --offline-mode --no-stdin prep -e "$base") >"$tw.log" 2>&1 ||
	{ sed 's/^/    /' "$tw.log" >&2; die "b4 prep -e $base failed in a work tree of $b4br"; }
if ! [[ $(git -C "$tw" rev-parse HEAD^) == "$base" ]] ||
	! git -C "$tw" show -s --format=%B HEAD | grep -qxF -- "$marker"; then
	sed 's/^/    /' "$tw.log" >&2
	die "b4 prep -e made no cover-letter commit on the base"
fi
[[ -n $tracking ]] ||
	tracking=$(git -C "$tw" show -s --format=%B HEAD | awk -v m="$marker" '$0 == m { on = 1 } on')
# ... whose message becomes cover-letter.txt, then b4's tracking data, as
# b4's store_cover() writes it (git commit -F: whitespace clean-up) ...
printf '%s\n\n%s\n' "$(cat "$cover")" "$tracking" >"$tw.msg"
git -C "$tw" commit -q --amend --allow-empty --no-verify --cleanup=whitespace -F "$tw.msg"
# ... and the series follows it: the same trees, authors and messages (the
# cover commit's tree is the base's).
cc=$(git -C "$tw" rev-parse HEAD)
top=$cc
for c in $(git -C "$repo" rev-list --reverse "$base..$head"); do
	{ read -r an; read -r ae; read -r ad; } < <(git -C "$repo" show -s --format='%an%n%ae%n%ad' --date=raw "$c")
	git -C "$repo" cat-file commit "$c" | sed '1,/^$/d' >"$tw.msg"
	top=$(GIT_AUTHOR_NAME=$an GIT_AUTHOR_EMAIL=$ae GIT_AUTHOR_DATE=$ad \
		git -C "$repo" commit-tree "$c^{tree}" -p "$top" -F "$tw.msg")
done
git -C "$repo" update-ref -m "import: series on b4's cover letter" "refs/heads/$b4br" "$top" "$cc"
[[ $(git -C "$repo" rev-parse "$b4br^{tree}") == $(git -C "$repo" rev-parse "$head^{tree}") ]] ||
	die "$b4br does not hold the series' tree"
git -C "$wt" branch -f "$branch" HEAD
ok=1
# What export compares cover-letter.txt with, to tell edits to it.
mkdir -p "$CACHE/b4-cover"
cp "$cover" "$CACHE/b4-cover/$(printf '%s\n' "$repo" "$b4br" "$cover" | md5sum | cut -c1-12)"
change_id=$(awk -F'"' '$2 == "change-id" { print $4; exit }' <<<"$tracking")
stage import "branch $branch in $repo: $(git -C "$wt" rev-list --count "$base..HEAD") patches on the base"
stage import "branch $b4br (b4 prep, change-id ${change_id:-?}): cover letter from $cover, then the series"
