#!/usr/bin/env bash
# The app revision the workflows hand from one stack to the next, and what a deploy changed (docs/delivery.md).
#
#   scripts/release.sh deploy-ref <stack>        the app commit a deploy or preview of <stack> checks out
#   scripts/release.sh running-ref <stack>       the app commit <stack> runs (what the drift check builds)
#   scripts/release.sh record <stack> <file>     saves what <stack> runs now: its appRevision and imageTags outputs
#   scripts/release.sh summary <stack> <file>    Markdown for the job summary: what <stack> runs now, against <file>
#
# deploy-ref and running-ref print `ref=`, `revision=` and `source=` lines for $GITHUB_OUTPUT: `ref` is what
# actions/checkout checks out; `revision` is the commit the program is told to expect (APP_REVISION), empty when
# `ref` is a branch (the program then reads the commit from the checkout).
#
# A deploy checks out, in this order: the commit the person running it named (REQUESTED_REVISION); for a stack
# that promotes from another (its promoteFrom config), the commit that stack runs (its appRevision output); else
# the branch DEFAULT_REF. Other environment: APP_DIR (summary: the app checkout, whose history lists the commits
# between the revisions), APP_REPOSITORY (summary: owner/name, for a compare link without that history),
# UP_OUTCOME (summary: the outcome of the `pulumi up` step).
#
# Needs the Pulumi CLI logged in to the stacks' backend and run in the project directory, jq, and git (summary).
set -euo pipefail

die() {
  echo "scripts/release.sh: $*" >&2
  exit 1
}

full_commit() {
  [[ "$1" =~ ^[0-9a-f]{40}$ ]]
}

# A config key of a stack, or nothing when the stack file does not set it.
config() {
  pulumi config get "$2" --stack "$1" 2>/dev/null || true
}

# What a stack records it runs, as JSON ({appRevision, imageTags}); fails when the stack cannot be read.
record_of() {
  local outputs
  outputs="$(pulumi stack output --json --stack "$1")" || return 1
  jq '{appRevision: (.appRevision // null), imageTags: (.imageTags // null)}' <<<"$outputs"
}

emit() {
  printf 'ref=%s\nrevision=%s\nsource=%s\n' "$1" "$2" "$3"
}

deploy_ref() {
  local stack="$1" from record revision
  if [[ -n "${REQUESTED_REVISION:-}" ]]; then
    full_commit "$REQUESTED_REVISION" ||
      die "app_revision \"${REQUESTED_REVISION}\" is not a full commit hash (40 lowercase hex digits); a branch or a short hash can move or name two commits"
    emit "$REQUESTED_REVISION" "$REQUESTED_REVISION" "requested"
    return
  fi
  from="$(config "$stack" promoteFrom)"
  if [[ -n "$from" ]]; then
    record="$(record_of "$from")" || die "${stack} promotes from ${from}, which cannot be read: deploy ${from} first (a merge to main does)"
    revision="$(jq -r '.appRevision // ""' <<<"$record")"
    full_commit "$revision" ||
      die "${stack} promotes from ${from}, which records no app commit to promote (appRevision: \"${revision:-none}\"): deploy ${from} first, or name a commit (app_revision) and say why ${stack} may run what ${from} does not (promotion_override)"
    emit "$revision" "$revision" "promoted from ${from}"
    return
  fi
  emit "${DEFAULT_REF:?set DEFAULT_REF to the app branch to build}" "" "branch ${DEFAULT_REF}"
}

running_ref() {
  local stack="$1" revision
  revision="$(record_of "$stack" | jq -r '.appRevision // ""')"
  if full_commit "$revision"; then
    emit "$revision" "$revision" "what ${stack} runs"
  else
    # A stack deployed before it recorded its revision: the branch is the best guess, and its images may differ.
    emit "${DEFAULT_REF:?set DEFAULT_REF to the app branch to build}" "" "branch ${DEFAULT_REF} (${stack} records no app commit)"
  fi
}

record() {
  local stack="$1" file="$2"
  record_of "$stack" >"$file"
}

# The commits from one revision to the next: from the app checkout's history, or a link to GitHub's comparison.
changes() {
  local before="$1" after="$2" log
  if [[ -d "${APP_DIR:-}" ]] && git -C "$APP_DIR" cat-file -e "${before}^{commit}" 2>/dev/null &&
    log="$(git -C "$APP_DIR" log --format="- %h %s" "${before}..${after}")"; then
    if [[ -n "$log" ]]; then
      printf 'Commits since the last deploy (%s):\n\n%s\n' "$(grep -c '' <<<"$log")" "$log"
    else
      printf 'No commit since the last deploy: %s is not ahead of %s (a rollback?)\n' "$after" "$before"
    fi
  elif [[ -n "${APP_REPOSITORY:-}" ]]; then
    printf 'Commits since the last deploy: https://github.com/%s/compare/%s...%s\n' "$APP_REPOSITORY" "$before" "$after"
  fi
}

summary() {
  local stack="$1" before_file="$2" after from source override before_rev after_rev
  after="$(record_of "$stack")"
  from="$(config "$stack" promoteFrom)"
  source='{}'
  if [[ -n "$from" ]]; then source="$(record_of "$from" || echo '{}')"; fi
  override="$(config "$stack" promotionOverride)"
  before_rev="$(jq -r '.appRevision // "none"' "$before_file")"
  after_rev="$(jq -r '.appRevision // "none"' <<<"$after")"

  echo "## \`${stack}\`: what it runs now"
  echo
  if [[ "${UP_OUTCOME:-success}" != "success" ]]; then
    echo "> \`pulumi up\` did not succeed (${UP_OUTCOME}): the stack's outputs still say what its last successful deploy runs."
    echo
  fi
  if [[ "$before_rev" == "$after_rev" ]]; then
    echo "- App revision: \`${after_rev}\` (unchanged)"
  else
    echo "- App revision: \`${after_rev}\` (before: \`${before_rev}\`)"
  fi
  if [[ -n "$from" ]]; then echo "- Promotes from \`${from}\`, which runs app revision \`$(jq -r '.appRevision // "none"' <<<"$source")\`"; fi
  if [[ -n "$override" ]]; then echo "- **Promotion override:** \"${override}\": this deploy may run images \`${from}\` does not"; fi
  echo
  jq -rn --argjson before "$(cat "$before_file")" --argjson after "$after" --argjson source "$source" --arg from "$from" '
    def cell: if . == null then "—" else "`\(.)`" end;
    ($before.imageTags // {}) as $b | ($after.imageTags // {}) as $a | ($source.imageTags // {}) as $s |
    (if $from == "" then "" else " \($from) runs |" end) as $extra |
    "| system | image tag now | before | changed |\($extra)",
    "|---|---|---|---|\(if $from == "" then "" else "---|" end)",
    ((($b | keys) + ($a | keys) + ($s | keys) | unique)[] as $k |
      "| \($k) | \($a[$k] | cell) | \($b[$k] | cell) | \(if $a[$k] == $b[$k] then "no" else "**yes**" end) |" +
      (if $from == "" then "" else " \($s[$k] | cell) |" end))'
  echo
  if full_commit "$before_rev" && full_commit "$after_rev" && [[ "$before_rev" != "$after_rev" ]]; then
    changes "$before_rev" "$after_rev"
  fi
}

command="${1:-}"
case "$command" in
  deploy-ref | running-ref) [[ $# -eq 2 ]] || die "usage: scripts/release.sh ${command} <stack>" ;;
  record | summary) [[ $# -eq 3 ]] || die "usage: scripts/release.sh ${command} <stack> <file>" ;;
  *) die "usage: scripts/release.sh deploy-ref|running-ref <stack> | record|summary <stack> <file>" ;;
esac
"${command//-/_}" "${@:2}"
