/**
 * A service's alarms, all notifying the stack's topic. Per target group: unhealthy targets and target 5xx, which
 * page, and a one-minute target 5xx alarm that rolls a deployment back (Copilot keeps rollback alarms in a partial of
 * their own). Per service: tasks missing (desired − running), CPU and memory, which only notify.
 *
 * The rollback alarms are kept apart from the paging ones because ECS bakes every deployment for the longest window
 * among the alarms that roll it back: a paging alarm may wait out a slow start (the unhealthy-targets alarm outlasts
 * the grace period), a rollback alarm must be short, and must watch only what no good deploy produces.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ALARM_PERIOD_SECONDS, DEPLOYMENT_ALARM } from "../shared/defaults";
import { Target } from "./load-balancing";
import { stackScoped } from "../shared/naming";

export interface AlarmArgs {
  /** SNS topic every alarm notifies. */
  topicArn: pulumi.Input<string>;
  /** Percent of the task's CPU reservation above which the CPU alarm fires. */
  cpuPercent: number;
  /** Percent of the task's memory reservation above which the memory alarm fires. */
  memoryPercent: number;
  /** Target 5xx answers per minute above which the 5xx alarms fire (paging and rollback). */
  target5xxCount: number;
  /** One-minute periods in a row before a paging alarm fires. */
  evaluationPeriods: number;
}

/** An alarm that rolls the service's deployment back, and the window (seconds) ECS bakes the deployment for it. */
export interface RollbackAlarm {
  alarm: aws.cloudwatch.MetricAlarm;
  windowSeconds: number;
}

/** One-minute evaluation periods: at least the configured number, and enough to outlast `seconds`. */
export function minutesCovering(configuredPeriods: number, seconds: number): number {
  return Math.max(configuredPeriods, Math.ceil(seconds / ALARM_PERIOD_SECONDS));
}

/**
 * The alarms of one target group: unhealthy targets and target 5xx, which page, and the target 5xx alarm that rolls a
 * deployment back, which is returned. They exist before the service, which names the rollback alarm.
 */
export function createTargetAlarms(
  target: Target,
  args: { alarms: AlarmArgs; loadBalancer: aws.lb.LoadBalancer; gracePeriodSeconds: number },
  parent: pulumi.Resource,
): RollbackAlarm {
  const { alarms } = args;
  const { port, name } = target;
  const actions = { alarmActions: [alarms.topicArn], okActions: [alarms.topicArn] };
  const dimensions = { TargetGroup: target.targetGroup.arnSuffix, LoadBalancer: args.loadBalancer.arnSuffix };
  const serverErrors = { namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", dimensions, statistic: "Sum", period: ALARM_PERIOD_SECONDS };
  // A starting task fails target checks until its grace period is over; the alarm must not page before that.
  new aws.cloudwatch.MetricAlarm(
    `${name}-unhealthy`,
    {
      name: stackScoped(`${name}-unhealthy-targets`),
      alarmDescription: `${port.endpoint.name}: targets behind port ${port.containerPort} fail ${port.healthCheckPath}`,
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions,
      statistic: "Maximum",
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: minutesCovering(alarms.evaluationPeriods, args.gracePeriodSeconds),
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      ...actions,
    },
    { parent },
  );
  new aws.cloudwatch.MetricAlarm(
    `${name}-5xx`,
    {
      name: stackScoped(`${name}-target-5xx`),
      alarmDescription: `${port.endpoint.name}: more than ${alarms.target5xxCount} 5xx answers a minute from port ${port.containerPort}`,
      ...serverErrors,
      evaluationPeriods: alarms.evaluationPeriods,
      threshold: alarms.target5xxCount,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      ...actions,
    },
    { parent },
  );
  // No traffic is no datapoint: a single writer's cutover (no target at all; the load balancer answers 503 itself,
  // which is not a target's 5xx) and a night asleep leave it OK.
  const rollback = new aws.cloudwatch.MetricAlarm(
    `${name}-deploy-5xx`,
    {
      name: stackScoped(`${name}-deploy-5xx`),
      alarmDescription: `${port.endpoint.name}: rolls a deployment back on more than ${alarms.target5xxCount} 5xx answers in a minute from port ${port.containerPort}`,
      ...serverErrors,
      evaluationPeriods: DEPLOYMENT_ALARM.evaluationPeriods,
      threshold: alarms.target5xxCount,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      ...actions,
    },
    { parent },
  );
  return { alarm: rollback, windowSeconds: DEPLOYMENT_ALARM.evaluationPeriods * ALARM_PERIOD_SECONDS };
}

/** The service's own alarms: tasks missing, CPU and memory. */
export function createServiceAlarms(
  name: string,
  args: {
    alarms: AlarmArgs;
    clusterName: pulumi.Input<string>;
    service: aws.ecs.Service;
    minimumTasks: number;
    /** Seconds a good deploy or start may leave the service short of its tasks: no alarm before they have passed. */
    startSeconds: number;
    /** The service is scaled to 0 at night: 0 tasks desired is no alarm, and neither is silence. */
    sleeps?: boolean;
  },
  parent: pulumi.Resource,
): void {
  const { alarms } = args;
  const dimensions = { ClusterName: args.clusterName, ServiceName: args.service.name };
  const common = { evaluationPeriods: alarms.evaluationPeriods, alarmActions: [alarms.topicArn], okActions: [alarms.topicArn] };
  const metric = (metricName: string, stat: string) => ({ namespace: "ECS/ContainerInsights", metricName, dimensions, stat, period: ALARM_PERIOD_SECONDS });
  // Desired minus running, both from Container Insights: catches a service below its desired count at any
  // scale (an autoscaled console whose extra tasks fail to start included).
  new aws.cloudwatch.MetricAlarm(
    `${name}-running-tasks`,
    {
      ...common,
      name: stackScoped(`${name}-running-tasks`),
      alarmDescription: `${name}: fewer tasks running than desired (at least ${args.minimumTasks})`,
      metricQueries: [
        { id: "running", metric: metric("RunningTaskCount", "Minimum") },
        { id: "desired", metric: metric("DesiredTaskCount", "Maximum") },
        // No running datapoints while no task reports is as bad as none running; without a desired datapoint
        // the service's floor stands in. A service that sleeps has a floor of 0 at night, and Container Insights
        // may report nothing for a service without tasks: then both stand-ins are 0 and silence is no alarm.
        { id: "missing", expression: `FILL(desired, ${args.sleeps ? 0 : args.minimumTasks}) - FILL(running, 0)`, label: "Tasks missing", returnData: true },
      ],
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: args.sleeps ? "notBreaching" : "breaching",
      // A single writer's deploy stops the old task before its successor starts: no page while it restarts.
      evaluationPeriods: minutesCovering(alarms.evaluationPeriods, args.startSeconds),
    },
    { parent },
  );
  const utilization = [
    ["cpu", "CPU", "CPUUtilization", alarms.cpuPercent],
    ["memory", "memory", "MemoryUtilization", alarms.memoryPercent],
  ] as const;
  for (const [id, label, metricName, percent] of utilization) {
    new aws.cloudwatch.MetricAlarm(
      `${name}-${id}`,
      {
        ...common,
        name: stackScoped(`${name}-${id}-high`),
        alarmDescription: `${name}: ${label} above ${percent}% of the task's reservation`,
        namespace: "AWS/ECS",
        metricName,
        period: ALARM_PERIOD_SECONDS,
        dimensions,
        statistic: "Average",
        threshold: percent,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      },
      { parent },
    );
  }
}
