/**
 * How long a good deploy of one service can take, phase by phase; what part of it is waiting by configuration alone;
 * how soon ECS rolls a bad one back; and the `customTimeouts` that follow.
 *
 * `waitForSteadyState` makes `pulumi up` wait until ECS calls the service deployment SUCCESSFUL, which with
 * deployment alarms is after the bake time, and fail when it ends rolled back (terraform-provider-aws
 * `statusServiceWaitForStable`: DescribeServiceDeployments). The provider gives up after 20 minutes unless told
 * otherwise; each service's timeouts are derived from its own settings instead.
 *
 * Two starts are told apart. A later deploy starts from a warm model cache on EFS and is healthy within its
 * containers' own health checks. The first start (a new file system, or an image that brings new models) downloads
 * the models first: ECS ignores its failing checks for the service's grace period, which is that start's allowance.
 * The grace period costs a good deploy nothing (ECS moves on as soon as the task is healthy), so the first start is
 * paid for only where the program cannot tell the two apart: the timeouts, and how long a task that never turns
 * healthy holds on before ECS gives up on it. Nothing that every deploy waits out (the bake time) depends on it.
 */
import * as pulumi from "@pulumi/pulumi";
import { CIRCUIT_BREAKER, MIN_TIMEOUT_MINUTES, TASK_START_SECONDS, TIMEOUT_MARGIN } from "../shared/defaults";

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
  /** Seconds ECS ignores failing target and container health after a task starts (0 without load balancing). */
  gracePeriodSeconds: number;
  /** Target-group timing; absent for a service without load balancing. */
  targets?: { intervalSeconds: number; healthyThreshold: number; deregistrationDelaySeconds: number };
  /**
   * Seconds ECS watches the deployment alarms after the new tasks are steady (the bake time): the longest
   * evaluation window of the alarms that can roll the deployment back. 0 without deployment alarms.
   */
  bakeSeconds: number;
  /** The containers' stop timeout: seconds from SIGTERM to SIGKILL. */
  stopSeconds: number;
  /** One task that stops before its successor starts (min 0 % / max 100 %); otherwise the new tasks start first. */
  singleWriter: boolean;
  /** Tasks the service runs (its autoscaling floor): the circuit breaker's threshold follows from it. */
  desiredCount: number;
}

/** The phases of one deployment's worst good case, in seconds, and their sum. */
export interface DeployTime {
  /** Placing the task, pulling the image, mounting volumes. */
  taskStartSeconds: number;
  /** A later start: the task's containers all healthy, each after those it waits for. */
  healthySeconds: number;
  /** The load balancer's healthy checks in a row before it routes to the new task. */
  targetHealthySeconds: number;
  /** The old task: connection draining, then its containers' stop timeout. */
  replaceOldSeconds: number;
  /** Of which the load balancer's draining (deregistration delay; 0 without one). */
  drainSeconds: number;
  /** Of which the containers' stop timeout. */
  stopSeconds: number;
  /** ECS watching the rollback alarms before it calls the deployment complete. */
  bakeSeconds: number;
  /** A later deploy, all phases. */
  totalSeconds: number;
  /**
   * The first start: the containers' checks, or the grace period where it is longer (models downloaded into an
   * empty cache), and the deploy with it. Counted with an old task to replace: an image that brings new models
   * starts cold on an update too.
   */
  firstStart: { healthySeconds: number; totalSeconds: number };
  /**
   * What every good deploy waits out by configuration, however fast the app: the bake time, draining, and for a
   * single writer its old task's stop timeout (its successor cannot start before).
   */
  configuredWaitSeconds: number;
  /**
   * A single writer's cutover, the configured part of its outage: draining, the stop timeout, and the load
   * balancer's healthy checks in a row on the successor. Absent for a service whose new tasks start first.
   */
  cutoverSeconds?: number;
  /**
   * Seconds a single writer can run no task in a good deploy: the old task drained and stopped, the new one started
   * and healthy (a first start's allowance included). Absent for a service whose new tasks start first.
   */
  restartSeconds?: number;
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
 * The worst good deploy of one service. A single writer stops the old task before the new one starts and a
 * stateless service starts the new tasks first (up to 200 %, all at once); the phases add up the same either way.
 */
export function deployTime(inputs: DeployTimeInputs): DeployTime {
  const healthySeconds = containersHealthySeconds(inputs.containers);
  const firstHealthySeconds = Math.max(healthySeconds, inputs.gracePeriodSeconds);
  const targetHealthySeconds = inputs.targets ? inputs.targets.healthyThreshold * inputs.targets.intervalSeconds : 0;
  const drainSeconds = inputs.targets?.deregistrationDelaySeconds ?? 0;
  const replaceOldSeconds = drainSeconds + inputs.stopSeconds;
  const phases = { taskStartSeconds: TASK_START_SECONDS, healthySeconds, targetHealthySeconds, replaceOldSeconds, bakeSeconds: inputs.bakeSeconds };
  const totalSeconds = Object.values(phases).reduce((a, b) => a + b, 0);
  return {
    ...phases,
    totalSeconds,
    drainSeconds,
    stopSeconds: inputs.stopSeconds,
    firstStart: { healthySeconds: firstHealthySeconds, totalSeconds: totalSeconds - healthySeconds + firstHealthySeconds },
    configuredWaitSeconds: inputs.bakeSeconds + drainSeconds + (inputs.singleWriter ? inputs.stopSeconds : 0),
    ...(inputs.singleWriter
      ? {
          cutoverSeconds: replaceOldSeconds + targetHealthySeconds,
          restartSeconds: replaceOldSeconds + TASK_START_SECONDS + firstHealthySeconds,
        }
      : {}),
  };
}

/**
 * Tasks that must fail before the deployment circuit breaker calls a deployment FAILED: half the desired count,
 * rounded up, between ECS's floor and ceiling (ServiceDeploymentCircuitBreaker in the ECS API reference).
 */
export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(CIRCUIT_BREAKER.maxThreshold, Math.max(CIRCUIT_BREAKER.minThreshold, Math.ceil(CIRCUIT_BREAKER.desiredFraction * desiredCount)));
}

/** What rolls a bad image back and how soon, per failure, in seconds from the start of the deploy (estimates). */
export interface RollbackTimes {
  /** Failed tasks the circuit breaker counts before it rolls back. */
  circuitBreakerThreshold: number;
  /** A container exits: each try is a task start (ECS's throttle may space tries that never reach RUNNING). */
  crashSeconds: number;
  /** A task never turns healthy: each try is a task start and the first start's allowance, then ECS stops it. */
  neverHealthySeconds: number;
  /**
   * A release that answers 5xx: the rollback alarm's window after its errors start, as long as they start while ECS
   * watches (from the first new task running to the end of the bake time). 0 without rollback alarms.
   */
  serverErrorSeconds: number;
}

/** How soon ECS rolls a bad deploy of this service back. */
export function rollbackTimes(inputs: DeployTimeInputs, t: DeployTime): RollbackTimes {
  const threshold = circuitBreakerThreshold(inputs.desiredCount);
  return {
    circuitBreakerThreshold: threshold,
    crashSeconds: threshold * t.taskStartSeconds,
    neverHealthySeconds: threshold * (t.taskStartSeconds + t.firstStart.healthySeconds),
    serverErrorSeconds: inputs.bakeSeconds,
  };
}

/** Whole minutes covering `seconds` with the margin, never below the floor. */
function minutesWithMargin(seconds: number): number {
  return Math.max(MIN_TIMEOUT_MINUTES, Math.ceil((seconds * TIMEOUT_MARGIN) / 60));
}

/**
 * The service's `customTimeouts`. Create and update cover the first start: the program cannot tell whether a deploy
 * starts cold (a new file system, or an image with new models), and a good one must never time out. Only a stuck
 * deploy waits that long: a good later one ends by its own bound. Delete covers draining and stopping the running
 * tasks (the provider waits for the service to become INACTIVE).
 */
export function serviceTimeouts(t: DeployTime): pulumi.CustomTimeouts {
  return {
    create: `${minutesWithMargin(t.firstStart.totalSeconds)}m`,
    update: `${minutesWithMargin(t.firstStart.totalSeconds)}m`,
    delete: `${minutesWithMargin(t.replaceOldSeconds)}m`,
  };
}

/** Minutes of a `customTimeouts` value as this module writes it ("44m"). */
export function timeoutMinutes(value: string): number {
  const m = /^(\d+)m$/.exec(value);
  if (!m) throw new Error(`timeout ${value} is not in whole minutes`);
  return Number(m[1]);
}
