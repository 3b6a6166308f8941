#!/usr/bin/env bash
# Wakes a sleeping stack now (awakeHours): gives each service's scalable target the bounds of its own wake
# action, so ECS starts its tasks at once. The stack sleeps again at its next sleep time.
#
#   scripts/wake-stack.sh staging
#
# Needs the Pulumi CLI (logged in to the stack's backend), the AWS CLI with credentials for its account, and jq.
set -euo pipefail

stack="${1:?usage: scripts/wake-stack.sh <stack>}"
cluster="$(pulumi stack output clusterName --stack "$stack")"

pulumi stack output serviceNames --stack "$stack" --json | jq -r '.[]' | while read -r service; do
  resource="service/${cluster}/${service}"
  bounds="$(aws application-autoscaling describe-scheduled-actions \
    --service-namespace ecs --resource-id "$resource" \
    --query "ScheduledActions[?contains(ScheduledActionName, '-wake-')] | [0].ScalableTargetAction.[MinCapacity, MaxCapacity]" \
    --output text)"
  if [[ -z "$bounds" || "$bounds" == "None" ]]; then
    echo "${service}: no wake action (the stack does not sleep); left as it is"
    continue
  fi
  read -r min max <<<"$bounds"
  aws application-autoscaling register-scalable-target \
    --service-namespace ecs --scalable-dimension ecs:service:DesiredCount --resource-id "$resource" \
    --min-capacity "$min" --max-capacity "$max"
  echo "${service}: awake, ${min} to ${max} tasks"
done
