/**
 * A service's deploy time and rollback guarantees, recomputed from what the program registered (task definition,
 * target groups, the alarms the service names, its deployment settings), never from the component's own arithmetic:
 * the tests hold the component, the plan and docs/architecture.md to these, for every service a run has, a fourth one included.
 */
import { ALARM_PERIOD_SECONDS, CIRCUIT_BREAKER, DEPLOYMENT_ALARM, TASK_START_SECONDS } from "../../components/shared/defaults";
import { Captured, ProgramRun, containerDefinitions } from "./harness";

const T = {
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
};

/** The figures of one service, in seconds, as the graph gives them. */
export interface GraphDeployTime {
  singleWriter: boolean;
  bake: number;
  drain: number;
  stop: number;
  /** The containers healthy along their HEALTHY dependencies, each within its own check's patience. */
  containersHealthy: number;
  grace: number;
  targetHealthy: number;
  configuredWait: number;
  later: number;
  firstStart: number;
  cutover?: number;
  circuitBreakerThreshold: number;
  crash: number;
  neverHealthy: number;
}

/** The target groups a service registers its tasks with. */
export function targetGroupsOf(run: ProgramRun, service: Captured): Captured[] {
  const arns = new Set((service.inputs.loadBalancers ?? []).map((lb: { targetGroupArn: string }) => lb.targetGroupArn));
  return run.ofType(T.targetGroup).filter((tg) => arns.has(tg.state.arn));
}

/** The alarms a service's deployments roll back on. */
export function rollbackAlarmsOf(run: ProgramRun, service: Captured): Captured[] {
  const names = new Set<string>(service.inputs.alarms?.enable ? service.inputs.alarms.alarmNames : []);
  return run.ofType(T.alarm).filter((a) => names.has(a.state.name));
}

function taskDefinitionOf(run: ProgramRun, service: Captured): Captured {
  return run.ofType(T.taskDefinition).find((t) => t.state.arn === service.inputs.taskDefinition)!;
}

/** A service that runs one task and stops it before its successor starts. */
export function isSingleWriter(service: Captured): boolean {
  return service.inputs.deploymentMaximumPercent === 100 && service.inputs.deploymentMinimumHealthyPercent === 0;
}

export function graphDeployTime(run: ProgramRun, service: Captured): GraphDeployTime {
  const defs = containerDefinitions(taskDefinitionOf(run, service));
  const byName = new Map(defs.map((c: any) => [c.name, c]));
  const healthy = (name: string): number => {
    const c = byName.get(name);
    const h = c.healthCheck;
    const after = Math.max(0, ...(c.dependsOn ?? []).filter((d: any) => d.condition === "HEALTHY").map((d: any) => healthy(d.containerName)));
    return after + (h.startPeriod ?? 0) + h.retries * h.interval + h.timeout;
  };
  const containersHealthy = Math.max(...defs.map((c: any) => healthy(c.name)));
  const tgs = targetGroupsOf(run, service);
  const grace = service.inputs.healthCheckGracePeriodSeconds ?? 0;
  const targetHealthy = Math.max(0, ...tgs.map((t) => t.inputs.healthCheck.healthyThreshold * t.inputs.healthCheck.interval));
  const drain = Math.max(0, ...tgs.map((t) => t.inputs.deregistrationDelay));
  const stop = Math.max(...defs.map((c: any) => c.stopTimeout));
  const bake = Math.max(0, ...rollbackAlarmsOf(run, service).map((a) => a.inputs.evaluationPeriods * (a.inputs.period ?? ALARM_PERIOD_SECONDS)));
  const singleWriter = isSingleWriter(service);
  const later = TASK_START_SECONDS + containersHealthy + targetHealthy + drain + stop + bake;
  const firstHealthy = Math.max(containersHealthy, grace);
  const desired = service.inputs.desiredCount ?? 1;
  const threshold = Math.min(CIRCUIT_BREAKER.maxThreshold, Math.max(CIRCUIT_BREAKER.minThreshold, Math.ceil(desired * CIRCUIT_BREAKER.desiredFraction)));
  return {
    singleWriter,
    bake,
    drain,
    stop,
    containersHealthy,
    grace,
    targetHealthy,
    configuredWait: bake + drain + (singleWriter ? stop : 0),
    later,
    firstStart: later - containersHealthy + firstHealthy,
    cutover: singleWriter ? drain + stop + targetHealthy : undefined,
    circuitBreakerThreshold: threshold,
    crash: threshold * TASK_START_SECONDS,
    neverHealthy: threshold * (TASK_START_SECONDS + firstHealthy),
  };
}

/**
 * What a reviewer checks before trusting that a bad image rolls back by itself and that nothing a good deploy does
 * rolls it back, for every service of the run: the problems found, none expected.
 *
 * - a container that crashes: every container essential (its exit stops the task), the circuit breaker on with rollback;
 * - a task that never turns healthy: every container has a health check, every target group checks its port, and the
 *   circuit breaker counts the tasks ECS stops for failing them;
 * - a release that answers 5xx: each target group has a rollback alarm on its target 5xx, within one minute;
 * - no false rollback: the rollback alarms watch target 5xx and nothing else (not target health, which a slow start or
 *   a single writer's cutover fails, nor the task count, nor load), and no traffic is no alarm.
 */
export function rollbackProblems(run: ProgramRun): string[] {
  const problems: string[] = [];
  const [loadBalancer] = run.ofType(T.loadBalancer);
  for (const service of run.ofType("aws:ecs/service:Service")) {
    const report = (p: string) => problems.push(`${service.name}: ${p}`);
    const cb = service.inputs.deploymentCircuitBreaker;
    if (!(cb?.enable && cb?.rollback)) report("the circuit breaker does not roll back");
    for (const c of containerDefinitions(taskDefinitionOf(run, service))) {
      if (c.essential !== true) report(`container ${c.name} is not essential: its crash would not stop the task`);
      if (!c.healthCheck?.command?.length) report(`container ${c.name} has no health check`);
    }
    const alarms = rollbackAlarmsOf(run, service);
    if (alarms.length && !service.inputs.alarms.rollback) report("its deployment alarms do not roll back");
    for (const tg of targetGroupsOf(run, service)) {
      if (!tg.inputs.healthCheck?.enabled) report(`target group ${tg.name} checks nothing`);
      const own = alarms.filter((a) => a.inputs.dimensions?.TargetGroup === tg.state.arnSuffix && a.inputs.dimensions?.LoadBalancer === loadBalancer.state.arnSuffix);
      if (own.length !== 1) report(`target group ${tg.name} has ${own.length} rollback alarms, not one`);
    }
    for (const a of alarms) {
      const { namespace, metricName, statistic, treatMissingData, evaluationPeriods, period } = a.inputs;
      if (namespace !== "AWS/ApplicationELB" || metricName !== "HTTPCode_Target_5XX_Count" || statistic !== "Sum") {
        report(`rollback alarm ${a.name} watches ${metricName ?? "metric math"}, which a good deploy can trip`);
      }
      if (treatMissingData !== "notBreaching") report(`rollback alarm ${a.name} treats no traffic as ${treatMissingData}`);
      if (evaluationPeriods * period > DEPLOYMENT_ALARM.evaluationPeriods * ALARM_PERIOD_SECONDS) report(`rollback alarm ${a.name} bakes every deploy for ${evaluationPeriods * period} s`);
    }
  }
  return problems;
}
