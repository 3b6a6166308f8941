#!/usr/bin/env bash
# Puts third-party keys into Secrets Manager, where alone they live (components/resources/operator-secrets.ts): for each key,
# one line of standard input (a prompt without echo at a terminal) becomes the secret's new current value. The
# first time, the secret is created under its fixed name, <project>/<stack>/<key>. The value never appears in an
# argument, a log or the output: it goes to the AWS CLI through a file only this user can read, removed at exit.
#
#   scripts/stack-secrets.sh staging geminiApiKey googleApiKey supabaseJwtSecret
#   pulumi config get geminiApiKey | scripts/stack-secrets.sh staging geminiApiKey    # moving a stack secret
#   printf '%s\n' "$NEW_KEY" | scripts/stack-secrets.sh prod googleApiKey           # a rotation
#
# Then `pulumi up`: the services that read a changed secret roll to its new version. Needs the AWS CLI with
# credentials for the stack's account and region (AWS_REGION or the profile's).
set -euo pipefail

readonly PROJECT=ai-platform
readonly KEYS=(geminiApiKey googleApiKey supabaseJwtSecret)

usage() {
  echo "usage: scripts/stack-secrets.sh <stack> <key>... (keys: ${KEYS[*]})" >&2
  exit 2
}

(($# >= 2)) || usage
stack="$1"
shift
[[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "error: \"$stack\" is not a stack name" >&2; exit 2; }
for key in "$@"; do
  [[ " ${KEYS[*]} " == *" $key "* ]] || { echo "error: $key is not an operator secret; use one of ${KEYS[*]}" >&2; exit 2; }
done

umask 077
value_file="$(mktemp)"
trap 'rm -f "$value_file"' EXIT

for key in "$@"; do
  name="${PROJECT}/${stack}/${key}"
  if [[ -t 0 ]]; then
    read -r -s -p "${key} for ${stack}: " value
    echo >&2
  elif ! IFS= read -r value; then
    value=""
  fi
  if [[ -z "$value" ]]; then
    echo "error: no value for ${key} on standard input; nothing was changed for it or the keys after it" >&2
    exit 1
  fi
  printf '%s' "$value" >"$value_file"
  unset value

  if aws secretsmanager describe-secret --secret-id "$name" --query Name --output text >/dev/null 2>&1; then
    version="$(aws secretsmanager put-secret-value --secret-id "$name" --secret-string "file://${value_file}" --query VersionId --output text)"
    echo "${name}: new current version ${version}"
  else
    version="$(aws secretsmanager create-secret --name "$name" \
      --description "${PROJECT} ${stack}: ${key} (put by scripts/stack-secrets.sh; read by the stack's containers only)" \
      --tags "Key=${PROJECT}:stack,Value=${stack}" "Key=${PROJECT}:secret,Value=${key}" \
      --secret-string "file://${value_file}" --query VersionId --output text)"
    echo "${name}: created, current version ${version}"
  fi
  : >"$value_file"
done
echo "Run \`pulumi up --stack ${stack}\`: the services that read these secrets roll to their new versions."
