#!/usr/bin/env bash
# The offline plan's pull-request comment: one comment per pull request, found by its marker and edited in place on
# every push, so the thread keeps one current plan. A fork's pull request gets a read-only token, so its plan goes to
# the job summary only; every run writes the job summary.
#
# Reads BODY_FILE (the comment, from `npm run plan -- --base <sha> --comment`), PR_NUMBER, SAME_REPOSITORY
# (true or false) and GITHUB_STEP_SUMMARY; uses the gh CLI with GH_TOKEN and GH_REPO.
set -euo pipefail

: "${BODY_FILE:?}" "${PR_NUMBER:?}" "${SAME_REPOSITORY:?}"
# Invisible in the rendered comment; last, so the comment's first line stays the cost line.
marker='<!-- ai-platform:offline-plan -->'

body="$(mktemp)"
trap 'rm -f "$body"' EXIT
{
  cat "$BODY_FILE"
  printf '\n%s\n' "$marker"
} >"$body"

if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  cat "$body" >>"$GITHUB_STEP_SUMMARY"
fi

if [[ "$SAME_REPOSITORY" != "true" ]]; then
  echo "#${PR_NUMBER} is from a fork: the plan is in the job summary"
  exit 0
fi

# The first comment on the pull request that carries the marker (the issue-comments API lists a PR's comments).
existing="$(gh api --paginate "repos/{owner}/{repo}/issues/${PR_NUMBER}/comments" \
  --jq ".[] | select(.body | contains(\"${marker}\")) | .id" | head -n 1)"

if [[ -n "$existing" ]]; then
  gh api --method PATCH "repos/{owner}/{repo}/issues/comments/${existing}" -F "body=@${body}" >/dev/null
  echo "#${PR_NUMBER}: updated the plan comment ${existing}"
else
  gh pr comment "$PR_NUMBER" --body-file "$body" >/dev/null
  echo "#${PR_NUMBER}: commented the plan"
fi
