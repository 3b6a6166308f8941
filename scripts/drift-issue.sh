#!/usr/bin/env bash
# The drift workflow's bookkeeping: one open issue per drifted stack, titled "Drift: <stack>" and labelled
# `drift`. A failed preview that proposed changes opens it (or comments the new diff on it); a clean preview
# closes it; a preview that failed for another reason (credentials, a program error) fails the job instead.
#
# Reads STACK, OUTCOME (success/failure of the preview), PREVIEW_FILE (its output) and RUN_URL; uses the gh CLI
# with GH_TOKEN and GH_REPO.
set -euo pipefail

: "${STACK:?}" "${OUTCOME:?}" "${RUN_URL:?}"
preview=""
if [[ -n "${PREVIEW_FILE:-}" && -f "$PREVIEW_FILE" ]]; then
  preview="$(cat "$PREVIEW_FILE")"
fi
title="Drift: ${STACK}"
# GitHub refuses issue bodies above 65536 characters.
limit=60000

existing="$(gh issue list --state open --label drift --search "in:title \"${title}\"" --json number,title \
  --jq ".[] | select(.title == \"${title}\") | .number" | head -n 1)"

if [[ "$OUTCOME" == "success" ]]; then
  if [[ -n "$existing" ]]; then
    gh issue close "$existing" --comment "The stack is clean again: ${RUN_URL}"
    echo "${STACK}: clean; closed #${existing}"
  else
    echo "${STACK}: clean"
  fi
  exit 0
fi

if ! grep -q "no changes were expected but changes were proposed" <<<"$preview"; then
  echo "${STACK}: the preview failed without proposing changes; see ${RUN_URL}" >&2
  exit 1
fi

body="$(mktemp)"
{
  echo "\`pulumi preview --refresh\` of \`${STACK}\` proposes changes: the stack in AWS differs from the program."
  echo "Run: ${RUN_URL}"
  echo
  echo '```'
  printf '%s\n' "${preview:0:$limit}"
  echo '```'
} >"$body"

if [[ -n "$existing" ]]; then
  gh issue comment "$existing" --body-file "$body"
  echo "${STACK}: drift; commented on #${existing}"
else
  gh label create drift --color B60205 --description "The stack differs from the program" --force >/dev/null
  gh issue create --title "$title" --label drift --body-file "$body"
  echo "${STACK}: drift; opened an issue"
fi
