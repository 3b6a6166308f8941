/**
 * Data you can get back: the stack's backup plan, its vaults and keys, the copy to a second region, replication,
 * failures that page (the rule's pattern read as EventBridge matches it), and restore as a config change.
 */
import { Captured, ProgramRun, StackName, efsVolumes, policyDocument, runProgram } from "./support/harness";

const T = {
  plan: "aws:backup/plan:Plan",
  vault: "aws:backup/vault:Vault",
  selection: "aws:backup/selection:Selection",
  lock: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
  key: "aws:kms/key:Key",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  fileSystem: "aws:efs/fileSystem:FileSystem",
  replication: "aws:efs/replicationConfiguration:ReplicationConfiguration",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  mountTarget: "aws:efs/mountTarget:MountTarget",
  accessPoint: "aws:efs/accessPoint:AccessPoint",
  fsPolicy: "aws:efs/fileSystemPolicy:FileSystemPolicy",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
};

/** Whether an event matches an EventBridge pattern: every key of the pattern present, its value among the listed ones. */
function matchesPattern(pattern: Record<string, any>, event: Record<string, any>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === "$or") return (expected as Record<string, any>[]).some((alternative) => matchesPattern(alternative, event));
    return Array.isArray(expected) ? expected.includes(event[key]) : typeof event[key] === "object" && event[key] !== null && matchesPattern(expected, event[key]);
  });
}

const runs = {} as Record<StackName | "locked", ProgramRun>;
beforeAll(async () => {
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
  runs.locked = await runProgram({ stack: "prod", config: { backupVaultLock: true } });
});

const fileSystemArns = (run: ProgramRun) => run.ofType(T.fileSystem).map((f) => f.state.arn).sort();

describe.each<[StackName, { daily: number; monthly?: number; copyRegion?: string }]>([
  ["staging", { daily: 7 }],
  ["prod", { daily: 35, monthly: 12 * 31, copyRegion: "eu-central-1" }],
])("the %s backup plan", (stack, expected) => {
  const run = () => runs[stack];
  const rules = () => run().get(T.plan, "backup").inputs.rules;

  it("backs up every file system daily at 03:00 UTC, kept as configured, and monthly where configured", () => {
    expect(rules().map((r: any) => [r.ruleName, r.schedule, r.lifecycle.deleteAfter])).toEqual([
      ["daily", "cron(0 3 * * ? *)", expected.daily],
      ...(expected.monthly ? [["monthly", "cron(0 4 1 * ? *)", expected.monthly]] : []),
    ]);
    const vault = run().get(T.vault, "backup");
    for (const r of rules()) expect(r).toMatchObject({ targetVaultName: vault.state.name, startWindow: 60, completionWindow: 1440 });
  });

  it("selects exactly the stack's file systems, with a role AWS Backup may assume that can back up and restore", () => {
    const selection = run().get(T.selection, "backup");
    expect([...selection.inputs.resources].sort()).toEqual(fileSystemArns(run()));
    const role = run().ofType(T.role).find((r) => r.state.arn === selection.inputs.iamRoleArn)!;
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).toEqual({ Service: "backup.amazonaws.com" });
    const attached = run().ofType(T.attachment).filter((a) => a.inputs.role === role.state.name);
    expect(attached.map((a) => a.inputs.policyArn.split("/").pop()).sort()).toEqual(["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"]);
    for (const a of attached) expect(selection.dependencies).toContain(a.urn);
  });

  it("keeps the vault on a rotating key of its own; in a protected stack vault and key survive destroy, recovery points with them", () => {
    const vault = run().get(T.vault, "backup");
    const key = run().get(T.key, "backup");
    expect(vault.inputs.kmsKeyArn).toBe(key.state.arn);
    expect(key.inputs.enableKeyRotation).toBe(true);
    const protectedState = stack === "prod";
    for (const r of [vault, key]) expect([r.name, r.protect, r.retainOnDelete]).toEqual([r.name, protectedState, protectedState]);
    expect(vault.inputs.forceDestroy).toBe(!protectedState);
  });

  if (expected.copyRegion) {
    it(`copies every recovery point to a vault in ${expected.copyRegion}, on a key there, kept as long as the original`, () => {
      const copy = run().get(T.vault, "backup-copy");
      expect(copy.inputs.region).toBe(expected.copyRegion);
      expect(run().get(T.key, "backup-copy").inputs.region).toBe(expected.copyRegion);
      for (const r of rules()) expect(r.copyActions).toEqual([{ destinationVaultArn: copy.state.arn, lifecycle: { deleteAfter: r.lifecycle.deleteAfter } }]);
      // Retained but not protected: a new backupCopyRegion replaces it (tests/config-change.test.ts).
      expect([copy.protect, copy.retainOnDelete]).toEqual([false, true]);
    });
  } else {
    it("copies nowhere", () => {
      for (const r of rules()) expect(r.copyActions ?? []).toEqual([]);
      expect(run().find(T.vault, "backup-copy")).toBeUndefined();
    });
  }

  it("sends every failed, aborted or expired backup, copy or restore job to the alarm topic, which admits the publisher", () => {
    const rule = run().get(T.rule, "backup-failures");
    const pattern = JSON.parse(rule.inputs.eventPattern);
    // Backup and copy job events carry `state`; restore job events carry `status`.
    const event = (detailType: string, state: string) => ({
      source: "aws.backup",
      "detail-type": detailType,
      detail: detailType.startsWith("Restore") ? { status: state, restoreJobId: "r" } : { state, backupVaultName: "v" },
    });
    for (const type of ["Backup Job State Change", "Copy Job State Change"]) {
      for (const state of ["FAILED", "ABORTED", "EXPIRED"]) expect(matchesPattern(pattern, event(type, state))).toBe(true);
      for (const state of ["COMPLETED", "RUNNING", "CREATED"]) expect(matchesPattern(pattern, event(type, state))).toBe(false);
    }
    for (const status of ["FAILED", "ABORTED"]) expect(matchesPattern(pattern, event("Restore Job State Change", status))).toBe(true);
    for (const status of ["COMPLETED", "RUNNING", "PENDING"]) expect(matchesPattern(pattern, event("Restore Job State Change", status))).toBe(false);
    expect(matchesPattern(pattern, { ...event("Backup Job State Change", "FAILED"), source: "aws.ec2" })).toBe(false);
    const target = run().ofType(T.target).find((t) => t.inputs.rule === rule.state.name)!;
    expect(target.inputs.arn).toBe(run().outputs.alarmTopicArn);

    const topicPolicy = policyDocument(run().get(T.topicPolicy, "alarms")).Statement;
    expect(topicPolicy).toContainEqual(
      expect.objectContaining({ Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish", Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } } }),
    );
    const topicKey = policyDocument(run().get(T.key, "alarms")).Statement;
    expect(topicKey).toContainEqual(expect.objectContaining({ Principal: { Service: "events.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"] }));
  });
});

describe("the vault lock (backupVaultLock)", () => {
  it("locks both vaults in compliance mode after a 3-day grace, with a minimum no recovery point undercuts, and says so on the key", () => {
    const locks = runs.locked.ofType(T.lock);
    expect(locks).toHaveLength(2);
    const rules = runs.locked.get(T.plan, "backup").inputs.rules;
    for (const lock of locks) {
      expect(lock.inputs.changeableForDays).toBe(3);
      for (const r of rules) {
        expect(r.lifecycle.deleteAfter).toBeGreaterThanOrEqual(lock.inputs.minRetentionDays);
        expect(r.lifecycle.deleteAfter).toBeLessThanOrEqual(lock.inputs.maxRetentionDays);
      }
    }
    expect(runs.locked.get(T.key, "backup").inputs.description).toMatch(/nobody can delete it or shorten a recovery point's retention/);
    expect(runs.prod.ofType(T.lock)).toEqual([]);
  });
});

describe("replication of prod's file systems (efsReplicationRegion)", () => {
  it.each(["gateway", "security"])("replicates %s to eu-central-1 on a retained key there, and alarms on lag past an hour", (volume) => {
    const fs = runs.prod.get(T.fileSystem, volume);
    const replication = runs.prod.get(T.replication, volume);
    const key = runs.prod.get(T.key, `${volume}-replica`);
    expect(replication.inputs).toEqual({ sourceFileSystemId: fs.id, destination: { region: "eu-central-1", kmsKeyId: key.state.arn } });
    expect(key.inputs).toMatchObject({ region: "eu-central-1", enableKeyRotation: true });
    // The key outlives the replica's replication; the replication itself holds nothing and may be replaced.
    expect([replication.protect, key.retainOnDelete]).toEqual([false, true]);
    const lag = runs.prod.ofType(T.alarm).find((a) => a.inputs.metricName === "TimeSinceLastSync" && a.inputs.dimensions.FileSystemId === fs.id)!;
    expect(Object.keys(lag.inputs.dimensions).sort()).toEqual(["DestinationFileSystemId", "FileSystemId"]);
    expect(lag.inputs).toMatchObject({ namespace: "AWS/EFS", threshold: 3600, comparisonOperator: "GreaterThanThreshold", alarmActions: [runs.prod.outputs.alarmTopicArn] });
  });

  it("is off in staging", () => {
    expect(runs.staging.ofType(T.replication)).toEqual([]);
  });
});

describe.each([
  ["gateway", "gatewayRestoreFileSystemId", "gateway"],
  ["security", "securityStackRestoreFileSystemId", "securityStack"],
])("restoring %s by config (%s)", (volume, key, output) => {
  const RESTORED = "fs-0a1b2c3d4e5f67890";
  let restored: ProgramRun;
  beforeAll(async () => {
    restored = await runProgram({ stack: "prod", config: { [key]: RESTORED } });
  });
  const own = (run: ProgramRun): Captured => run.get(T.fileSystem, volume);
  const mine = (run: ProgramRun, type: string) => run.ofType(type).filter((r) => r.parentUrn === own(run).parentUrn);

  it("creates no file system and keeps the old one exactly as it was", () => {
    expect(restored.ofType(T.fileSystem).map((f) => f.urn)).toEqual(runs.prod.ofType(T.fileSystem).map((f) => f.urn));
    expect(own(restored).inputs).toEqual(own(runs.prod).inputs);
    expect([own(restored).protect, own(restored).retainOnDelete]).toEqual([true, true]);
  });

  it("builds every mount target, access point and the file-system policy on the restored one, and exports it", () => {
    for (const type of [T.mountTarget, T.accessPoint, T.fsPolicy]) {
      const children = mine(restored, type);
      expect(children.length).toBeGreaterThan(0);
      for (const c of children) expect([c.name, c.inputs.fileSystemId]).toEqual([c.name, RESTORED]);
    }
    expect(policyDocument(mine(restored, T.fsPolicy)[0]).Statement[0].Resource).toBe(`arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/${RESTORED}`);
    expect(restored.outputs.efsFileSystemIds[output]).toBe(RESTORED);
  });

  it("mounts the restored one in every task volume, backs it up and replicates it", () => {
    const td = restored.get(T.taskDefinition, volume);
    expect(efsVolumes(td).map((v: any) => v.efsVolumeConfiguration.fileSystemId)).toEqual(efsVolumes(td).map(() => RESTORED));
    expect(restored.get(T.selection, "backup").inputs.resources).toContain(`arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/${RESTORED}`);
    expect(restored.get(T.replication, volume).inputs.sourceFileSystemId).toBe(RESTORED);
  });
});
