#!/usr/bin/env bash
# Before `pulumi up`: an on-demand AWS Backup recovery point of each single writer's file system whose data the deploy
# may migrate forward, that is, whose image the plan changes (the app's own, or ChromaDB's: Chroma migrates its schema
# when it starts, and an older image panics on a newer schema, so a rollback after a migration crash-loops). The
# deploy waits for the recovery point and stops if it fails. A deploy that changes no single writer's image takes none.
#
#   scripts/pre-migration-backup.sh <stack>
#
# The recovery point carries the file system as it is when the job runs, its writer directory with the last
# consistent snapshot (state-snapshot, before the backup window) among it; the old task is still running then, so
# the live files are as consistent as an EFS backup gets (AWS: not point-in-time).
#
# Environment: BACKUP_TIMEOUT_MINUTES (default 25: the deploy job's budget, lib/deploy-budget.ts), POLL_SECONDS
# (default 30), RETENTION_DAYS (default 35). Needs the Pulumi CLI (logged in to the stack's backend), the AWS CLI with
# the deploy role, and jq.
set -euo pipefail

stack="${1:?usage: scripts/pre-migration-backup.sh <stack>}"
timeout_minutes="${BACKUP_TIMEOUT_MINUTES:-25}"
poll="${POLL_SECONDS:-30}"
retention="${RETENTION_DAYS:-35}"

outputs="$(pulumi stack output --stack "$stack" --json)"
if [[ "$(jq -r '.backupVaultName // empty' <<<"$outputs")" == "" ]]; then
  echo "${stack}: no backup vault yet (a first deploy, or no stateful system): nothing to protect"
  exit 0
fi

# The systems whose image the plan creates, updates or replaces: an image's component is a child of its system's
# (ai-platform:system:Gateway → the output key gateway, SecurityStack → securityStack).
plan="$(mktemp)"
trap 'rm -f "$plan"' EXIT
pulumi preview --stack "$stack" --json --non-interactive >"$plan"
image_parent="ai-platform:system:([A-Za-z]+)[$]ai-platform:image:Image::"
mapfile -t systems < <(
  jq -r '.steps[]? | select(.op != "same" and .op != "read") | (.newState // .oldState) | select(.type == "docker-build:index:Image") | .parent // empty' "$plan" |
    sed -nE "s/.*${image_parent}.*/\1/p" |
    awk '{ print tolower(substr($0, 1, 1)) substr($0, 2) }' | sort -u
)

vault="$(jq -r '.backupVaultName' <<<"$outputs")"
role="$(jq -r '.backupRoleArn' <<<"$outputs")"
started=()
for system in "${systems[@]}"; do
  fs="$(jq -r --arg s "$system" '.efsFileSystemIds[$s] // empty' <<<"$outputs")"
  if [[ -z "$fs" ]]; then
    echo "${system}: a new image, and no file system to protect"
    continue
  fi
  arn="$(aws efs describe-file-systems --file-system-id "$fs" --query 'FileSystems[0].FileSystemArn' --output text)"
  job="$(aws backup start-backup-job --backup-vault-name "$vault" --resource-arn "$arn" --iam-role-arn "$role" \
    --lifecycle "DeleteAfterDays=${retention}" --start-window-minutes 60 --complete-window-minutes "$timeout_minutes" \
    --query BackupJobId --output text)"
  echo "${system}: a new image may migrate ${fs}; recovery point job ${job} started"
  started+=("${system}=${job}")
done

deadline=$((SECONDS + timeout_minutes * 60))
for entry in "${started[@]}"; do
  system="${entry%%=*}"
  job="${entry#*=}"
  while :; do
    read -r state message < <(aws backup describe-backup-job --backup-job-id "$job" --query '[State, StatusMessage]' --output text)
    case "$state" in
      COMPLETED)
        echo "${system}: recovery point ready (job ${job})"
        break
        ;;
      FAILED | ABORTED | EXPIRED | PARTIAL)
        echo "error: ${system}: the recovery point before the deploy ${state} (job ${job}): ${message}; not deploying" >&2
        exit 1
        ;;
    esac
    if ((SECONDS >= deadline)); then
      echo "error: ${system}: no recovery point after ${timeout_minutes} minutes (job ${job} is ${state}); not deploying" >&2
      exit 1
    fi
    sleep "$poll"
  done
done
