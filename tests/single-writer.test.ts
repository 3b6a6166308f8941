/**
 * One writer by construction (components/systems/single-writer.ts): every container that mounts a volume runs under the
 * writer lock with the volume's writer directory mounted, each volume's directories are snapshotted by exactly one
 * container before the backup window, and a second task, a process waiting for the lock or a failed snapshot
 * raises an alarm. The lock itself runs as real processes in tests/writer-lock.test.ts.
 */
import { BACKUP_SCHEDULE, SINGLE_WRITER_ALARM } from "../components/shared/defaults";
import { LOCK_WAIT_LOG, SNAPSHOT_FAILED_LOG, WRITER_DIR, maxSnapshotAgeHours, snapshotTimeUtc, utcOffsetMinutes } from "../components/systems/single-writer";
import { AwakeSchedule } from "../config";
import * as fs from "fs";
import * as path from "path";
import { ProgramRun, ROOT, StackName, containerDefinitions, efsVolumes, runProgram } from "./support/harness";

const T = {
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  accessPoint: "aws:efs/accessPoint:AccessPoint",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  filter: "aws:cloudwatch/logMetricFilter:LogMetricFilter",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
};

const runs = {} as Record<StackName, ProgramRun>;
beforeAll(async () => {
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
});

const env = (c: any): Record<string, string> => Object.fromEntries((c.environment ?? []).map((e: any) => [e.name, e.value]));

/** The task definitions that mount EFS: the single writers, found from the graph rather than listed. */
const writers = (run: ProgramRun) => run.ofType(T.taskDefinition).filter((td) => efsVolumes(td).length > 0);

describe.each(["staging", "prod"] as const)("the single writers of %s", (stack) => {
  const run = () => runs[stack];

  it("are the gateway and the security stack", () => {
    expect(writers(run()).map((td) => td.name).sort()).toEqual(["gateway", "security"]);
  });

  it("mount, in every container, the writer directory of the volume they write: the writer access point of the same file system", () => {
    for (const td of writers(run())) {
      const volumes = efsVolumes(td);
      const writer = volumes.find((v: any) => v.name === "writer");
      expect(writer).toBeDefined();
      const ap = run().ofType(T.accessPoint).find((a) => a.state.arn.endsWith(`/${writer.efsVolumeConfiguration.authorizationConfig.accessPointId}`))!;
      expect(ap.inputs.rootDirectory.path).toMatch(/^\/[a-z-]+\/writer$/);
      for (const v of volumes) expect(v.efsVolumeConfiguration.fileSystemId).toBe(writer.efsVolumeConfiguration.fileSystemId);
      for (const c of containerDefinitions(td)) {
        expect([td.name, c.name, c.mountPoints]).toEqual([td.name, c.name, expect.arrayContaining([{ sourceVolume: "writer", containerPath: WRITER_DIR }])]);
        expect(env(c).WRITER_DIR).toBe(WRITER_DIR);
      }
    }
  });

  it("snapshot every directory of the volume but a rebuildable cache, each in exactly one container that mounts it, at one time before the backup", () => {
    const at = snapshotTimeUtc(stack === "staging" ? schedule(run()) : undefined);
    for (const td of writers(run())) {
      const snapshotted = containerDefinitions(td).flatMap((c) =>
        (env(c).STATE_SNAPSHOTS ?? "")
          .split(" ")
          .filter(Boolean)
          .map((entry: string) => {
            const [name, dir] = entry.split("=");
            // The container mounts the volume's directory of that name where it copies from.
            expect([c.name, name, c.mountPoints]).toEqual([c.name, name, expect.arrayContaining([{ sourceVolume: name, containerPath: dir }])]);
            expect(env(c).STATE_SNAPSHOT_AT).toBe(at);
            return name;
          }),
      );
      const expected = efsVolumes(td).map((v: any) => v.name).filter((n: string) => n !== "writer" && n !== "hf-cache");
      expect([td.name, snapshotted.sort()]).toEqual([td.name, expected.sort()]);
    }
  });

  it("freeze only ChromaDB for its copy: it has no online backup; SQLite and JSON copy while the app runs", () => {
    const frozen = writers(run()).flatMap((td) => containerDefinitions(td).filter((c) => env(c).STATE_SNAPSHOT_FREEZE === "1").map((c) => c.name));
    expect(frozen).toEqual(["chromadb"]);
  });

  it("alarm on a second task that stays longer than a cutover, on Container Insights' running count of the service", () => {
    for (const service of ["gateway", "security"]) {
      const alarm = run().get(T.alarm, `${service}-second-task`).inputs;
      expect(alarm).toMatchObject({
        namespace: "ECS/ContainerInsights",
        metricName: "RunningTaskCount",
        dimensions: { ClusterName: run().outputs.clusterName, ServiceName: run().get(T.service, service).state.name },
        statistic: "Maximum",
        threshold: 1,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: SINGLE_WRITER_ALARM.overlapMinutes,
        treatMissingData: "notBreaching",
        alarmActions: [run().outputs.alarmTopicArn],
      });
    }
  });

  it("count what writer-lock and state-snapshot log, in each service's log group, and alarm on it", () => {
    for (const service of ["gateway", "security"]) {
      const logGroup = run().get(T.logGroup, service).state.name;
      for (const [id, line] of [
        ["writer-lock-waits", LOCK_WAIT_LOG],
        ["snapshot-failed", SNAPSHOT_FAILED_LOG],
      ]) {
        const filter = run().get(T.filter, `${service}-${id}`).inputs;
        expect(filter).toMatchObject({ logGroupName: logGroup, pattern: `"${line}"` });
        const alarm = run().get(T.alarm, `${service}-${id}`).inputs;
        expect(alarm).toMatchObject({ namespace: SINGLE_WRITER_ALARM.namespace, metricName: filter.metricTransformation.name, statistic: "Sum", threshold: 0 });
        expect(alarm.name).toBe(filter.metricTransformation.name);
      }
    }
  });
});

it("counts the very lines the scripts write", () => {
  const dir = path.join(ROOT, "dockerfiles", "writer");
  expect(fs.readFileSync(path.join(dir, "writer-lock"), "utf8")).toContain(`log "${LOCK_WAIT_LOG} of`);
  expect(fs.readFileSync(path.join(dir, "state-snapshot"), "utf8")).toContain(`'%s: FAILED %s: %s\\n' "$me"`);
  expect(SNAPSHOT_FAILED_LOG).toBe("state-snapshot: FAILED");
});

/** The awake hours the staging stack file sets, as config.ts reads them. */
function schedule(run: ProgramRun): AwakeSchedule {
  const [, from, to, wh, wm, sh, sm] = /^(\w{3})-(\w{3}) (\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(run.config["ai-platform:awakeHours"])!;
  return {
    timezone: run.config["ai-platform:awakeTimezone"],
    days: [from.toUpperCase(), to.toUpperCase()],
    wake: { hour: Number(wh), minute: Number(wm) },
    sleep: { hour: Number(sh), minute: Number(sm) },
    hoursPerWeek: 0,
  };
}

describe("the snapshot's time", () => {
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

  it("comes before the daily backup in a stack that is always awake", () => {
    const backup = /^cron\((\d+) (\d+) /.exec(BACKUP_SCHEDULE.daily)!;
    expect(minutes(backup[2].padStart(2, "0") + ":" + backup[1].padStart(2, "0")) - minutes(snapshotTimeUtc())).toBe(BACKUP_SCHEDULE.snapshotLeadMinutes);
  });

  it("falls inside the awake hours of a sleeping stack in summer and in winter (Europe/Berlin, Mon-Fri 07:00-20:00)", () => {
    const berlin: AwakeSchedule = { timezone: "Europe/Berlin", days: ["MON", "FRI"], wake: { hour: 7, minute: 0 }, sleep: { hour: 20, minute: 0 }, hoursPerWeek: 65 };
    const at = minutes(snapshotTimeUtc(berlin));
    for (const day of [new Date(Date.UTC(2026, 0, 14)), new Date(Date.UTC(2026, 6, 15))]) {
      const local = at + utcOffsetMinutes("Europe/Berlin", day);
      expect(local).toBeGreaterThanOrEqual(7 * 60);
      expect(local).toBeLessThan(20 * 60);
    }
    // Two days asleep in a row: the restore test allows for them.
    expect(maxSnapshotAgeHours(berlin)).toBe(24 * 3 + SINGLE_WRITER_ALARM.snapshotAgeSlackHours);
    expect(maxSnapshotAgeHours()).toBe(24 + SINGLE_WRITER_ALARM.snapshotAgeSlackHours);
  });

  it("reads a zone's offset from UTC, daylight saving time included", () => {
    expect(utcOffsetMinutes("Europe/Berlin", new Date(Date.UTC(2026, 6, 15, 12)))).toBe(120);
    expect(utcOffsetMinutes("Europe/Berlin", new Date(Date.UTC(2026, 0, 15, 12)))).toBe(60);
    expect(utcOffsetMinutes("America/New_York", new Date(Date.UTC(2026, 0, 15, 12)))).toBe(-300);
  });
});
