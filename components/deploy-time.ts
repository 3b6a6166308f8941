/**
 * How long a good deploy of one service can take, phase by phase, and the `customTimeouts` that follow from it.
 *
 * `waitForSteadyState` makes `pulumi up` wait for ECS to finish the deployment, and the provider gives up after
 * 20 minutes unless told otherwise. A fixed figure is wrong both ways: the security stack's first start (models
 * downloaded inside a 900 s grace period, then the alarm bake time) legitimately takes longer, and a console
 * that is broken should not hold a deploy for 20 minutes. Each service's timeout is therefore derived from its
 * own settings: a good deploy never times out, and a broken one fails within the margin below.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_STOP_SECONDS, MIN_TIMEOUT_MINUTES, TASK_START_SECONDS, TIMEOUT_MARGIN } from "./defaults";

/** A container's health-check timing with ECS's defaults applied, and what it waits for. */
export interface ContainerTiming {
  name: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  startPeriodSeconds: number;
  /** Containers that must be HEALTHY before this one starts. */
  waitsForHealthy: string[];
}

export interface DeployTimeInputs {
  containers: ContainerTiming[];
  /** Seconds ECS ignores failing target health after a task starts (0 without load balancing). */
  gracePeriodSeconds: number;
  /** Target-group timing; absent for a service without load balancing. */
  targets?: { intervalSeconds: number; healthyThreshold: number; deregistrationDelaySeconds: number };
  /**
   * Seconds ECS watches the deployment alarms after the new tasks are steady (the bake time): the longest
   * evaluation window of the alarms that can roll the deployment back. 0 without deployment alarms.
   */
  bakeSeconds: number;
}

/** The phases of one deployment's worst good case, in seconds, and their sum. */
export interface DeployTime {
  /** Placing the task, pulling the image, mounting volumes. */
  taskStartSeconds: number;
  /** The task's containers all healthy, each after those it waits for, or the grace period if longer. */
  healthySeconds: number;
  /** The load balancer's healthy checks in a row before it routes to the new task. */
  targetHealthySeconds: number;
  /** The old task: connection draining, then its containers' stop timeout. */
  replaceOldSeconds: number;
  /** ECS watching the rollback alarms before it calls the deployment complete. */
  bakeSeconds: number;
  totalSeconds: number;
}

/** Seconds within which a good container passes its health check: failures before then do not mark it unhealthy. */
export function containerHealthySeconds(c: ContainerTiming): number {
  return c.startPeriodSeconds + c.retries * c.intervalSeconds + c.timeoutSeconds;
}

/** Seconds until every container of the task is healthy, along the longest chain of HEALTHY dependencies. */
export function containersHealthySeconds(containers: ContainerTiming[]): number {
  const byName = new Map(containers.map((c) => [c.name, c]));
  const memo = new Map<string, number>();
  const ready = (name: string, path: string[]): number => {
    if (path.includes(name)) throw new Error(`containers ${[...path, name].join(" -> ")} wait for each other in a cycle`);
    const known = memo.get(name);
    if (known !== undefined) return known;
    const c = byName.get(name);
    if (!c) return 0;
    const after = Math.max(0, ...c.waitsForHealthy.map((d) => ready(d, [...path, name])));
    const seconds = after + containerHealthySeconds(c);
    memo.set(name, seconds);
    return seconds;
  };
  return Math.max(0, ...containers.map((c) => ready(c.name, [])));
}

/**
 * The worst good deploy of one service. Single-writer services stop the old task before the new one starts and
 * stateless ones start the new tasks first (up to 200 %, all at once); the phases add up the same either way.
 */
export function deployTime(inputs: DeployTimeInputs): DeployTime {
  const healthySeconds = Math.max(containersHealthySeconds(inputs.containers), inputs.gracePeriodSeconds);
  const targetHealthySeconds = inputs.targets ? inputs.targets.healthyThreshold * inputs.targets.intervalSeconds : 0;
  const replaceOldSeconds = (inputs.targets?.deregistrationDelaySeconds ?? 0) + CONTAINER_STOP_SECONDS;
  const phases = {
    taskStartSeconds: TASK_START_SECONDS,
    healthySeconds,
    targetHealthySeconds,
    replaceOldSeconds,
    bakeSeconds: inputs.bakeSeconds,
  };
  return { ...phases, totalSeconds: Object.values(phases).reduce((a, b) => a + b, 0) };
}

/** Whole minutes covering `seconds` with the margin, never below the floor. */
function minutesWithMargin(seconds: number): number {
  return Math.max(MIN_TIMEOUT_MINUTES, Math.ceil((seconds * TIMEOUT_MARGIN) / 60));
}

/**
 * The service's `customTimeouts`: create and update cover the worst good deploy; delete covers draining and
 * stopping the running tasks (the provider waits for the service to become INACTIVE).
 */
export function serviceTimeouts(t: DeployTime): pulumi.CustomTimeouts {
  return {
    create: `${minutesWithMargin(t.totalSeconds)}m`,
    update: `${minutesWithMargin(t.totalSeconds)}m`,
    delete: `${minutesWithMargin(t.replaceOldSeconds)}m`,
  };
}

/** Minutes of a `customTimeouts` value as this module writes it ("44m"). */
export function timeoutMinutes(value: string): number {
  const m = /^(\d+)m$/.exec(value);
  if (!m) throw new Error(`timeout ${value} is not in whole minutes`);
  return Number(m[1]);
}
