/**
 * A service's deployment state from its records: the rollout under way, whether the circuit breaker or an alarm
 * rolled it back, running against desired, and whether it sleeps. A service is unhealthy when it does not run
 * what it should: fewer tasks than desired, a deployment that failed or rolled back, a target the load balancer
 * refuses, or no service at all. A sleeping service is healthy.
 */
import { ScheduledAction } from "@aws-sdk/client-application-auto-scaling";
import { ServiceDeployment } from "@aws-sdk/client-ecs";
import { ServiceRecords } from "./collect";

export interface ServiceState {
  healthy: boolean;
  /** Scaled to 0 by its sleep schedule. */
  asleep: boolean;
  /** Running against desired, in words: `1 of 1 running`. */
  counts: string;
  /** What the deployments say, one line each. */
  deployment: string[];
  /** Why it is unhealthy, one line each (empty when healthy). */
  problems: string[];
}

/** Service deployment states that mean the revision `pulumi up` asked for is not what runs. */
const FAILED_DEPLOYMENT = new Set(["ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED", "STOP_REQUESTED"]);

/** The scheduled action that puts the service to sleep: both bounds to 0 (components/service/sleep-schedule.ts). */
export function sleepAction(actions: ScheduledAction[]): ScheduledAction | undefined {
  return actions.find((a) => a.ScalableTargetAction?.MaxCapacity === 0);
}

/** The one that wakes it: any other bounds. */
export function wakeAction(actions: ScheduledAction[]): ScheduledAction | undefined {
  return actions.find((a) => (a.ScalableTargetAction?.MaxCapacity ?? 0) > 0);
}

export function serviceState(records: ServiceRecords): ServiceState {
  const { service } = records;
  if (!service) {
    return {
      healthy: false,
      asleep: false,
      counts: "no service",
      deployment: [],
      problems: [`ECS has no service ${records.serviceName} in the cluster (${records.missing}): the deploy never created it, or it was deleted; \`pulumi up\` creates it`],
    };
  }
  const desired = service.desiredCount ?? 0;
  const running = service.runningCount ?? 0;
  const pending = service.pendingCount ?? 0;
  const asleep = desired === 0 && running === 0 && sleepAction(records.scheduledActions) !== undefined;
  const counts = `${running} of ${desired} running${pending ? `, ${pending} pending` : ""}`;

  const deployment = [...(service.deployments ?? [])].map(
    (d) =>
      `${d.status?.toLowerCase() ?? "deployment"} ${d.id ?? ""} (${revisionOf(d.taskDefinition)}): ${d.rolloutState ?? "no rollout state"}` +
      `${d.rolloutStateReason ? ` — ${sentence(d.rolloutStateReason)}` : ""}; ${d.runningCount ?? 0} of ${d.desiredCount ?? 0} running` +
      `${d.failedTasks ? `, ${d.failedTasks} failed to start` : ""}`,
  );
  if (records.deployment) deployment.unshift(describeDeployment(records.deployment));

  const problems: string[] = [];
  if (running < desired) problems.push(`${running} of ${desired} tasks running`);
  if (desired === 0 && !asleep) problems.push("scaled to 0 tasks, and not by a sleep schedule");
  const failed = (service.deployments ?? []).filter((d) => d.rolloutState === "FAILED");
  for (const d of failed) problems.push(`deployment ${d.id} failed${d.rolloutStateReason ? `: ${d.rolloutStateReason}` : ""}`);
  if (records.deployment?.status && FAILED_DEPLOYMENT.has(records.deployment.status)) {
    problems.push(`the latest deployment ended ${records.deployment.status}: what \`pulumi up\` asked for is not what runs`);
  }
  const refused = records.targetGroups.flatMap((g) => g.targets.filter((t) => t.TargetHealth?.State === "unhealthy" || t.TargetHealth?.State === "unavailable"));
  if (refused.length) problems.push(`${refused.length} target${refused.length > 1 ? "s" : ""} failing the load balancer's health check`);
  return { healthy: problems.length === 0, asleep, counts, deployment, problems };
}

/** `gateway:12` from a task definition ARN. */
const revisionOf = (arn: string | undefined): string => arn?.split("/").pop() ?? "unknown revision";

/** The latest service deployment in one line: its status, and what rolled it back. */
function describeDeployment(d: ServiceDeployment): string {
  const monitors: string[] = [];
  if (d.deploymentCircuitBreaker?.status === "TRIGGERED") {
    monitors.push(`triggered by the circuit breaker (${d.deploymentCircuitBreaker.failureCount ?? "?"} of ${d.deploymentCircuitBreaker.threshold ?? "?"} tasks failed)`);
  }
  const breaker = d.deploymentCircuitBreaker;
  if (breaker?.status === "MONITORING" && breaker.failureCount) monitors.push(`the circuit breaker counts ${breaker.failureCount} of ${breaker.threshold ?? "?"} failed tasks so far`);
  if (d.alarms?.status === "TRIGGERED") monitors.push(`triggered by alarms ${(d.alarms.triggeredAlarmNames ?? []).map((n) => `\`${n}\``).join(", ") || "(unnamed)"}`);
  const started = d.startedAt ?? d.createdAt;
  const rollbackReason = d.rollback?.reason && d.rollback.reason !== d.statusReason ? ` (${sentence(d.rollback.reason)})` : "";
  const rolledBack = d.rollback ? `; rolled back${d.rollback.startedAt ? ` at ${iso(d.rollback.startedAt)}` : ""}${rollbackReason}` : "";
  return (
    `latest deployment${started ? ` (started ${iso(started)})` : ""}: ${d.status ?? "unknown"}` +
    `${monitors.length ? `, ${monitors.join(" and ")}` : ""}${d.statusReason ? ` — ${sentence(d.statusReason)}` : ""}${rolledBack}`
  );
}

/** AWS's sentence without its full stop, to go on within a line. */
const sentence = (text: string): string => text.trim().replace(/\.$/, "");

/** A timestamp to the second, in UTC. */
export const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");
