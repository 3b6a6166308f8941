/**
 * The runbook's recovery section (docs/runbook.md) says what the program does: the snapshot times, the restore test's limits, the vault
 * lock's bounds, the recovery point before a deploy, the config keys of a restore, and an entry for every alarm the
 * single writers and the restore test raise. A change to any of them fails here until the runbook says it too.
 */
import * as fs from "fs";
import * as path from "path";
import { VAULT_LOCK } from "../components/shared/defaults";
import { maxSnapshotAgeHours, snapshotTimeUtc } from "../components/systems/single-writer";
import { configSchema } from "../config-schema";
import { PRE_MIGRATION_BACKUP_TIMEOUT_MINUTES } from "../lib/deploy-budget";
import { ProgramRun, ROOT, runProgram } from "./support/harness";

const readme = fs.readFileSync(path.join(ROOT, "docs", "runbook.md"), "utf8");
const runbook = readme.slice(readme.indexOf("**Backups, RPO and RTO.**"), readme.indexOf("**Wake a sleeping stack now**"));
const number = (n: number) => n.toLocaleString("en-US");

let staging: ProgramRun;
beforeAll(async () => {
  staging = await runProgram({ stack: "staging" });
});

it("gives the snapshot times the containers are given", () => {
  const env = (run: ProgramRun) =>
    JSON.parse(run.get("aws:ecs/taskDefinition:TaskDefinition", "gateway").inputs.containerDefinitions).find((c: any) => c.name === "gateway").environment;
  const at = env(staging).find((e: any) => e.name === "STATE_SNAPSHOT_AT").value;
  expect(runbook).toContain(`staging: ${at} UTC on awake days`);
  expect(runbook).toContain(`taken at ${snapshotTimeUtc()} UTC`);
});

it("gives the restore test's age limits, the lock's bounds and the deploy's wait", () => {
  expect(runbook).toContain(`${maxSnapshotAgeHours()} h in prod`);
  expect(runbook).toMatch(new RegExp(`${maxSnapshotAgeHours({ timezone: "UTC", days: ["MON", "FRI"], wake: { hour: 7, minute: 0 }, sleep: { hour: 20, minute: 0 }, hoursPerWeek: 65 })} h in staging`));
  expect(runbook).toContain(`${VAULT_LOCK.minRetentionDays} days to ${number(VAULT_LOCK.maxRetentionDays)} days`);
  expect(runbook).toContain(`none within ${PRE_MIGRATION_BACKUP_TIMEOUT_MINUTES} minutes`);
});

it("names config keys of a restore that exist", () => {
  for (const key of ["RestoreFileSystemId", "RestorePath"]) {
    expect(runbook).toContain(`\${VOLUME}${key}`);
    for (const system of ["gateway", "securityStack"]) expect(Object.keys(configSchema)).toContain(`${system}${key}`);
  }
});

it("explains every alarm the single writers and the restore test raise", () => {
  const alarms = staging.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name);
  const ours = alarms.filter((n) => /-(second-task|writer-lock-waits|snapshot-failed)$|^backup-restore-test-/.test(n));
  expect(ours.length).toBe(7);
  for (const name of ours) {
    const documented = name.replace(/^(gateway|security)-/, "<service>-");
    expect([name, readme.includes(`| \`${documented}\``)]).toEqual([name, true]);
  }
});
