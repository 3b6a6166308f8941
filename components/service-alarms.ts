/**
 * A service's alarms, all notifying the stack's topic. Per target group: unhealthy targets and target 5xx,
 * which also roll a deployment back (Copilot keeps these in a partial of their own). Per service: tasks missing
 * (desired − running), CPU and memory, which only notify.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ALARM_PERIOD_SECONDS } from "./defaults";
import { Target } from "./load-balancing";
import { stackScoped } from "./naming";

export interface AlarmArgs {
  /** SNS topic every alarm notifies. */
  topicArn: pulumi.Input<string>;
  /** Percent of the task's CPU reservation above which the CPU alarm fires. */
  cpuPercent: number;
  /** Percent of the task's memory reservation above which the memory alarm fires. */
  memoryPercent: number;
  /** Target 5xx answers per minute above which the 5xx alarm fires. */
  target5xxCount: number;
  /** One-minute periods in a row before an alarm fires. */
  evaluationPeriods: number;
}

/** An alarm that rolls the service's deployment back, and the window (seconds) ECS bakes the deployment for it. */
export interface RollbackAlarm {
  alarm: aws.cloudwatch.MetricAlarm;
  windowSeconds: number;
}

/** One-minute evaluation periods: at least the configured number, and enough to outlast a start's grace period. */
export function minutesCoveringGrace(configuredPeriods: number, gracePeriodSeconds: number): number {
  return Math.max(configuredPeriods, Math.ceil(gracePeriodSeconds / ALARM_PERIOD_SECONDS));
}

/** The rollback alarms of one target group. They exist before the service, which names them. */
export function createTargetAlarms(
  target: Target,
  args: { alarms: AlarmArgs; loadBalancer: aws.lb.LoadBalancer; gracePeriodSeconds: number },
  parent: pulumi.Resource,
): RollbackAlarm[] {
  const { alarms } = args;
  const { port, name } = target;
  const actions = { alarmActions: [alarms.topicArn], okActions: [alarms.topicArn] };
  const dimensions = { TargetGroup: target.targetGroup.arnSuffix, LoadBalancer: args.loadBalancer.arnSuffix };
  // A starting task fails target checks until its grace period is over; the alarm must not fire before that.
  const unhealthyPeriods = minutesCoveringGrace(alarms.evaluationPeriods, args.gracePeriodSeconds);
  const unhealthy = new aws.cloudwatch.MetricAlarm(
    `${name}-unhealthy`,
    {
      name: stackScoped(`${name}-unhealthy-targets`),
      alarmDescription: `${port.endpoint.name}: targets behind port ${port.containerPort} fail ${port.healthCheckPath}`,
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions,
      statistic: "Maximum",
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: unhealthyPeriods,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      ...actions,
    },
    { parent },
  );
  const errors = new aws.cloudwatch.MetricAlarm(
    `${name}-5xx`,
    {
      name: stackScoped(`${name}-target-5xx`),
      alarmDescription: `${port.endpoint.name}: more than ${alarms.target5xxCount} 5xx answers a minute from port ${port.containerPort}`,
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_Target_5XX_Count",
      dimensions,
      statistic: "Sum",
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: alarms.evaluationPeriods,
      threshold: alarms.target5xxCount,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      ...actions,
    },
    { parent },
  );
  return [
    { alarm: unhealthy, windowSeconds: unhealthyPeriods * ALARM_PERIOD_SECONDS },
    { alarm: errors, windowSeconds: alarms.evaluationPeriods * ALARM_PERIOD_SECONDS },
  ];
}

/** The service's own alarms: tasks missing, CPU and memory. */
export function createServiceAlarms(
  name: string,
  args: {
    alarms: AlarmArgs;
    clusterName: pulumi.Input<string>;
    service: aws.ecs.Service;
    minimumTasks: number;
    gracePeriodSeconds: number;
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
      // A single-writer deploy stops the old task first; allow the grace period before alarming.
      evaluationPeriods: minutesCoveringGrace(alarms.evaluationPeriods, args.gracePeriodSeconds),
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
