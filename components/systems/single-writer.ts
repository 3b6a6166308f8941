/**
 * One writer by construction, whatever ECS or an operator does: every container of a stateful system runs its
 * command under writer-lock (dockerfiles/writer/), a lock of its task on the volume's writer directory held for
 * the life of the process; a second task's processes wait and never write. The container that owns a directory
 * takes its consistent snapshot there before the backup window, inside the task that holds the lock (another task
 * would be a second writer). Alarms say when a second task runs, when one waits for the lock, and when a snapshot
 * fails.
 *
 * ECS's own settings (minimum 0 %, maximum 100 %) stay: they keep the cutover short. They are not what keeps the
 * writer single: ECS starts a successor while the old task is still inside its stop timeout (aws/containers-roadmap
 * #959), a Spot replacement at the warning, and nothing stops a second `run-task` of the family.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AwakeSchedule } from "../../config";
import { ContainerSpec } from "../service/container-definition";
import { ALARM_PERIOD_SECONDS, BACKUP_SCHEDULE, CRON_DAYS, SINGLE_WRITER_ALARM } from "../shared/defaults";
import { FargateService } from "../service/fargate-service";
import { stackScoped } from "../shared/naming";
import { WRITER_ACCESS_POINT } from "../resources/volume";

/** Where every container of a single writer mounts its volume's writer directory (lock, owner, snapshots). */
export const WRITER_DIR = "/var/lib/writer";

/** What writer-lock logs while it waits, once a minute (dockerfiles/writer/writer-lock). */
export const LOCK_WAIT_LOG = "waiting for the writer lock";
/** What state-snapshot logs when a copy fails (dockerfiles/writer/state-snapshot). */
export const SNAPSHOT_FAILED_LOG = "state-snapshot: FAILED";

/** What a container of a single writer copies every day, and how. */
export interface WriterSnapshots {
  /** The directories it copies: the volume's access point name → where the container mounts it. */
  directories: Record<string, string>;
  /** Freeze the command while copying: for a server with no online backup (ChromaDB). @default false */
  freeze?: boolean;
  /** UTC time of day, `HH:MM` (snapshotTimeUtc). */
  at: string;
}

/**
 * A container of a single writer: its command runs under the writer lock (the image's ENTRYPOINT is writer-lock),
 * with the writer directory mounted, and the snapshots it takes.
 */
export function underWriterLock(container: ContainerSpec, snapshots?: WriterSnapshots): ContainerSpec {
  const snapshotEnvironment = snapshots
    ? {
        STATE_SNAPSHOT_AT: snapshots.at,
        STATE_SNAPSHOTS: Object.entries(snapshots.directories)
          .map(([name, dir]) => `${name}=${dir}`)
          .join(" "),
        ...(snapshots.freeze ? { STATE_SNAPSHOT_FREEZE: "1" } : {}),
      }
    : {};
  return {
    ...container,
    environment: { ...container.environment, WRITER_DIR, ...snapshotEnvironment },
    mounts: [...(container.mounts ?? []), { volume: WRITER_ACCESS_POINT, containerPath: WRITER_DIR }],
  };
}

/** Minutes since midnight UTC of a `cron(M H ...)` expression. */
function cronMinutes(cron: string): number {
  const [minute, hour] = cron.replace(/^cron\(/, "").split(" ").map(Number);
  return hour * 60 + minute;
}

const hhmm = (minutes: number): string => {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
};

/** A time zone's offset from UTC in minutes at an instant (+120 for Europe/Berlin in summer). */
export function utcOffsetMinutes(timeZone: string, at: Date): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  );
  return (Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute) - Math.floor(at.getTime() / 60000) * 60000) / 60000;
}

/**
 * When the single writers take their snapshot, UTC `HH:MM`: `SNAPSHOT_LEAD_MINUTES` before the daily backup. A stack
 * that sleeps has no writer running then (the backup finds its files at rest); its snapshot is taken before it goes
 * to sleep instead, in summer and winter time alike, so the next backups carry it.
 */
export function snapshotTimeUtc(schedule?: AwakeSchedule): string {
  if (!schedule) return hhmm(cronMinutes(BACKUP_SCHEDULE.daily) - BACKUP_SCHEDULE.snapshotLeadMinutes);
  const year = new Date().getUTCFullYear();
  const offsets = [0, 6].map((month) => utcOffsetMinutes(schedule.timezone, new Date(Date.UTC(year, month, 15))));
  const sleepUtc = schedule.sleep.hour * 60 + schedule.sleep.minute - Math.max(...offsets);
  return hhmm(sleepUtc - BACKUP_SCHEDULE.snapshotLeadMinutes);
}

/**
 * The oldest a snapshot may be when the restore test checks it: a day, the days in a row the stack sleeps (no
 * snapshot is taken then), and the hours from the snapshot to the test with room for the jobs in between.
 */
export function maxSnapshotAgeHours(schedule?: AwakeSchedule): number {
  const day = (d: string) => CRON_DAYS.indexOf(d as (typeof CRON_DAYS)[number]);
  const awake = schedule ? day(schedule.days[1]) - day(schedule.days[0]) + 1 : CRON_DAYS.length;
  return 24 * (1 + CRON_DAYS.length - awake) + SINGLE_WRITER_ALARM.snapshotAgeSlackHours;
}

/**
 * A single writer's alarms: a second task running, a process waiting for the writer lock (which also catches a
 * `run-task` outside the service: it logs to the same group), and a snapshot that failed. Returns the names of the
 * metrics counted from its log (namespace SINGLE_WRITER_ALARM.namespace), for the dashboard.
 */
export function createWriterAlarms(
  name: string,
  args: { service: FargateService; clusterName: pulumi.Input<string>; topicArn: pulumi.Input<string> },
  parent: pulumi.Resource,
): string[] {
  const actions = { alarmActions: [args.topicArn], okActions: [args.topicArn], treatMissingData: "notBreaching" };
  new aws.cloudwatch.MetricAlarm(
    `${name}-second-task`,
    {
      ...actions,
      name: stackScoped(`${name}-second-task`),
      alarmDescription:
        `${name}: more than one task of a single writer runs. The second waits for the writer lock and writes nothing, ` +
        `but something started it (a desired count above 1, a run-task, a stuck deployment): find it in the service's events`,
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensions: { ClusterName: args.clusterName, ServiceName: args.service.service.name },
      statistic: "Maximum",
      period: ALARM_PERIOD_SECONDS,
      // A cutover may overlap the old task's stop timeout: only a second task that stays is one too many.
      evaluationPeriods: SINGLE_WRITER_ALARM.overlapMinutes,
      threshold: 1,
      comparisonOperator: "GreaterThanThreshold",
    },
    { parent },
  );
  const logged = [
    {
      id: "writer-lock-waits",
      pattern: LOCK_WAIT_LOG,
      periods: SINGLE_WRITER_ALARM.overlapMinutes,
      period: ALARM_PERIOD_SECONDS,
      description: `${name}: a process has waited for the writer lock for ${SINGLE_WRITER_ALARM.overlapMinutes} minutes: a second task of the family (the service's, or a run-task) is up and held off; it never writes`,
    },
    {
      id: "snapshot-failed",
      pattern: SNAPSHOT_FAILED_LOG,
      periods: 1,
      period: SINGLE_WRITER_ALARM.snapshotFailedPeriodSeconds,
      description: `${name}: the consistent snapshot before the backup window failed; the next backup carries the previous one (the log line says why)`,
    },
  ];
  for (const alarm of logged) {
    const metricName = stackScoped(`${name}-${alarm.id}`);
    new aws.cloudwatch.LogMetricFilter(
      `${name}-${alarm.id}`,
      {
        logGroupName: args.service.logGroup.name,
        pattern: `"${alarm.pattern}"`,
        metricTransformation: { name: metricName, namespace: SINGLE_WRITER_ALARM.namespace, value: "1", defaultValue: "0" },
      },
      { parent },
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-${alarm.id}`,
      {
        ...actions,
        name: metricName,
        alarmDescription: alarm.description,
        namespace: SINGLE_WRITER_ALARM.namespace,
        metricName,
        statistic: "Sum",
        period: alarm.period,
        evaluationPeriods: alarm.periods,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
      },
      { parent },
    );
  }
  return logged.map((alarm) => stackScoped(`${name}-${alarm.id}`));
}
