/**
 * Data you can get back: the stack's backup plan, its vaults and keys, the copy to a second region, replication,
 * failures that page (the rule's pattern read as EventBridge matches it), the daily restore test (its workflow run as
 * Step Functions would run it), and restore as a config change that only adds.
 */
import { BACKUP_SCHEDULE, VAULT_LOCK } from "../components/shared/defaults";
import { checkWorkflow } from "../components/platform/restore-test";
import { Captured, ProgramRun, StackName, efsVolumes, policyDocument, registeredUrns, runProgram } from "./support/harness";
import { TaskError, execute } from "./support/states";

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

/**
 * Whether an event matches an EventBridge pattern: every key of the pattern present, its value among the listed ones
 * (a listed `{ "anything-but": [...] }` matches a present value outside its list).
 */
function matchesPattern(pattern: Record<string, any>, event: Record<string, any>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === "$or") return (expected as Record<string, any>[]).some((alternative) => matchesPattern(alternative, event));
    if (!Array.isArray(expected)) return typeof event[key] === "object" && event[key] !== null && matchesPattern(expected, event[key]);
    return expected.some((e) => (e && typeof e === "object" && "anything-but" in e ? key in event && !e["anything-but"].includes(event[key]) : e === event[key]));
  });
}

const runs = {} as Record<StackName | "locked" | "stagingLocked", ProgramRun>;
beforeAll(async () => {
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
  runs.locked = await runProgram({ stack: "prod", config: { backupVaultLock: true } });
  // With a copy region and a replica too: staging with every kind of holder, the run config-change.test.ts makes.
  runs.stagingLocked = await runProgram({ stack: "staging", config: { backupCopyRegion: "eu-central-1", efsReplicationRegion: "eu-central-1", backupVaultLock: true } });
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

  it("lets that role use each vault's key (a job that cannot completes with objects missing), grants only for AWS resources", () => {
    const roleArn = run().get(T.selection, "backup").inputs.iamRoleArn;
    for (const vault of run().ofType(T.vault)) {
      const key = run().ofType(T.key).find((k) => k.state.arn === vault.inputs.kmsKeyArn)!;
      const statements = policyDocument(key).Statement.filter((st: any) => st.Principal?.AWS === roleArn);
      expect(statements.flatMap((st: any) => [st.Action].flat()).sort()).toEqual(
        ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"].sort(),
      );
      expect(statements.find((st: any) => st.Action === "kms:CreateGrant").Condition).toEqual({ Bool: { "kms:GrantIsForAWSResource": "true" } });
    }
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

  it(`${stack === "prod" ? "keeps" : "does not keep"} the plan, its selection and its role on destroy, so the retained file systems stay backed up`, () => {
    const kept = [run().get(T.plan, "backup"), run().get(T.selection, "backup"), run().get(T.role, "backup"), ...run().ofType(T.attachment).filter((a) => a.name.startsWith("backup-"))];
    expect(kept).toHaveLength(5);
    for (const r of kept) expect([r.name, r.retainOnDelete]).toEqual([r.name, stack === "prod"]);
  });

  if (expected.copyRegion) {
    it(`copies every recovery point to a vault in ${expected.copyRegion}, on a key there, kept as long as the original`, () => {
      const copy = run().get(T.vault, "backup-copy");
      expect(copy.inputs.region).toBe(expected.copyRegion);
      expect(run().get(T.key, "backup-copy").inputs.region).toBe(expected.copyRegion);
      for (const r of rules()) expect(r.copyActions).toEqual([{ destinationVaultArn: copy.state.arn, lifecycle: { deleteAfter: r.lifecycle.deleteAfter } }]);
      // Retained but not protected: a new backupCopyRegion replaces it (tests/config-change.test.ts).
      for (const r of [copy, run().get(T.key, "backup-copy")]) expect([r.name, r.protect, r.retainOnDelete]).toEqual([r.name, false, true]);
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
    // "Completed with issues": a backup that completed with a status message may lack objects.
    const issues = { ...event("Backup Job State Change", "COMPLETED"), detail: { state: "COMPLETED", statusMessage: "Some objects were not backed up" } };
    expect(matchesPattern(pattern, issues)).toBe(true);
    expect(matchesPattern(pattern, { ...issues, detail: { state: "COMPLETED", statusMessage: "" } })).toBe(false);
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
  it("locks both vaults in compliance mode after a 3-day grace, within fixed bounds no retention the config allows ever leaves", () => {
    const locks = runs.locked.ofType(T.lock);
    expect(locks).toHaveLength(2);
    const rules = runs.locked.get(T.plan, "backup").inputs.rules;
    for (const lock of locks) {
      expect(lock.inputs).toMatchObject({ changeableForDays: 3, minRetentionDays: VAULT_LOCK.minRetentionDays, maxRetentionDays: VAULT_LOCK.maxRetentionDays });
      for (const r of rules) {
        expect(r.lifecycle.deleteAfter).toBeGreaterThanOrEqual(lock.inputs.minRetentionDays);
        expect(r.lifecycle.deleteAfter).toBeLessThanOrEqual(lock.inputs.maxRetentionDays);
      }
    }
    expect(runs.locked.get(T.key, "backup").inputs.description).toMatch(/nobody can delete it or shorten a recovery point's retention below 7 days/);
    expect(runs.prod.ofType(T.lock)).toEqual([]);
  });

  it("is never replaced and never deleted: every field forces a replacement, and a locked vault takes no new lock", () => {
    for (const lock of runs.locked.ofType(T.lock)) {
      expect([lock.name, lock.retainOnDelete, [...lock.ignoreChanges].sort()]).toEqual([lock.name, true, ["changeableForDays", "maxRetentionDays", "minRetentionDays"]]);
    }
    // A locked vault cannot be deleted once the grace days are over: even an unprotected stack retains it.
    const stagingLocked = runs.stagingLocked.get(T.vault, "backup");
    expect([stagingLocked.protect, stagingLocked.retainOnDelete]).toEqual([false, true]);
  });

  it("keeps the same lock through a change of retention (no replacement to refuse)", async () => {
    const longer = await runProgram({ stack: "prod", config: { backupVaultLock: true, backupDailyRetentionDays: 90, backupMonthlyRetentionMonths: 24 } });
    for (const lock of runs.locked.ofType(T.lock)) expect(longer.get(T.lock, lock.name).inputs).toEqual(lock.inputs);
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
  ["gateway", "gateway", "gateway", "aws-backup-restore_2026-05-01T03-10-00-000Z/gateway/writer/snapshot"],
  ["security", "securityStack", "security-stack", "aws-backup-restore_2026-05-01T03-10-00-000Z/security-stack/writer/snapshot"],
])("restoring %s by config (%sRestoreFileSystemId and …RestorePath)", (volume, system, root, restorePath) => {
  const RESTORED = "fs-0a1b2c3d4e5f67890";
  const RESTORED_ARN = `arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/${RESTORED}`;
  let restored: ProgramRun;
  let keyArn: string;
  const config = { [`${system}RestoreFileSystemId`]: RESTORED, [`${system}RestorePath`]: restorePath };
  beforeAll(async () => {
    keyArn = runs.prod.get(T.key, volume).state.arn;
    restored = await runProgram({ stack: "prod", config, fileSystems: { [RESTORED]: { kmsKeyId: keyArn } } });
  });
  const own = (run: ProgramRun): Captured => run.get(T.fileSystem, volume);
  const mine = (run: ProgramRun, type: string) => run.ofType(type).filter((r) => r.parentUrn === own(run).parentUrn);
  const on = (run: ProgramRun, type: string, fsId: string) => mine(run, type).filter((r) => r.inputs.fileSystemId === fsId);

  it("deletes nothing and changes nothing of the own file system: its mount targets, access points and policy stay mounted and as they were", () => {
    const after = new Set(restored.resources.map((r) => r.urn));
    expect(runs.prod.resources.filter((r) => !after.has(r.urn)).map((r) => r.urn)).toEqual([]);
    expect(restored.ofType(T.fileSystem).map((f) => f.urn)).toEqual(runs.prod.ofType(T.fileSystem).map((f) => f.urn));
    for (const type of [T.fileSystem, T.mountTarget, T.accessPoint, T.fsPolicy]) {
      for (const r of mine(runs.prod, type)) expect([r.name, restored.get(type, r.name).inputs]).toEqual([r.name, r.inputs]);
    }
    expect([own(restored).protect, own(restored).retainOnDelete]).toEqual([true, true]);
  });

  it("adds mount targets, access points and a policy of its own on the restored file system, which the service waits for before it moves", () => {
    const added = restored.resources.filter((r) => !runs.prod.resources.some((p) => p.urn === r.urn));
    for (const type of [T.mountTarget, T.accessPoint, T.fsPolicy]) {
      const children = on(restored, type, RESTORED);
      expect(children.length).toBeGreaterThan(0);
      for (const c of children) expect(added.map((r) => r.urn)).toContain(c.urn);
    }
    expect(on(restored, T.mountTarget, RESTORED)).toHaveLength(mine(runs.prod, T.mountTarget).length);
    const service = restored.get("aws:ecs/service:Service", volume);
    for (const c of [...on(restored, T.mountTarget, RESTORED), ...on(restored, T.fsPolicy, RESTORED)]) expect(service.dependencies).toContain(c.urn);
    expect(policyDocument(on(restored, T.fsPolicy, RESTORED)[0]).Statement[0].Resource).toBe(RESTORED_ARN);
    expect(restored.outputs.efsFileSystemIds[system]).toBe(RESTORED);
  });

  it("points the access points at the restored directories without creation info (a missing one fails the mount, never starts empty); the writer directory and a model cache start fresh", () => {
    const aps = Object.fromEntries(on(restored, T.accessPoint, RESTORED).map((ap) => [ap.name.replace(`${volume}-restored-`, ""), ap.inputs.rootDirectory]));
    for (const [name, dir] of Object.entries(aps)) {
      if (name === "writer" || name === "hf-cache") {
        expect([name, dir.path, Boolean(dir.creationInfo)]).toEqual([name, `/${root}/${name}`, true]);
      } else {
        expect([name, dir]).toEqual([name, { path: `/${restorePath}/${name}` }]);
      }
    }
    expect(Object.keys(aps).sort()).toEqual(mine(runs.prod, T.accessPoint).map((ap) => ap.name.replace(`${volume}-`, "")).sort());
  });

  it("switches with no task running: the service redeploys onto the restored file system stopping the old task before it starts the new", () => {
    const service = restored.get("aws:ecs/service:Service", volume);
    // A new task definition (its volumes name the restored file system): a new deployment of the service.
    expect(restored.get(T.taskDefinition, volume).inputs.volumes).not.toEqual(runs.prod.get(T.taskDefinition, volume).inputs.volumes);
    expect([service.inputs.desiredCount, service.inputs.deploymentMinimumHealthyPercent, service.inputs.deploymentMaximumPercent]).toEqual([1, 0, 100]);
  });

  it("mounts the restored one in every task volume, keeps both file systems backed up, and replicates the one in use", () => {
    const td = restored.get(T.taskDefinition, volume);
    expect(efsVolumes(td).map((v: any) => v.efsVolumeConfiguration.fileSystemId)).toEqual(efsVolumes(td).map(() => RESTORED));
    const selected = restored.get(T.selection, "backup").inputs.resources;
    expect(selected).toContain(RESTORED_ARN);
    expect(selected).toContain(own(restored).state.arn);
    expect(restored.get(T.replication, volume).inputs.sourceFileSystemId).toBe(RESTORED);
  });

  it("looks the restored file system up before anything is registered: one not in this region, or not encrypted, fails the preview", async () => {
    await expect(runProgram({ stack: "prod", config })).rejects.toThrow(
      `ai-platform:${system}RestoreFileSystemId: ${RESTORED} is not an EFS file system of this account in this region (reading EFS File System (${RESTORED}): empty result`,
    );
    expect(registeredUrns()).toEqual([expect.stringMatching(/pulumi:pulumi:Stack/)]);
    await expect(runProgram({ stack: "prod", config, fileSystems: { [RESTORED]: { kmsKeyId: keyArn, encrypted: false } } })).rejects.toThrow(
      `ai-platform:${system}RestoreFileSystemId: ${RESTORED} is not encrypted`,
    );
  });

  it("warns when the restored file system is on another key than the volume's, the key the stack keeps", async () => {
    const other = "arn:aws:kms:eu-west-1:123456789012:key/aws-elasticfilesystem";
    const run = await runProgram({ stack: "prod", config, fileSystems: { [RESTORED]: { kmsKeyId: other } } });
    expect(run.warnings).toContainEqual(expect.stringContaining(`the restored file system ${RESTORED} is encrypted with ${other}, not the volume's key ${keyArn}`));
    expect(restored.warnings.filter((w) => w.includes("not the volume's key"))).toEqual([]);
  });

  it("switching back deletes only what the restore added: the restored file system and what was written on it stay, unmounted", () => {
    const before = new Set(runs.prod.resources.map((r) => r.urn));
    const deletedOnSwitchBack = restored.resources.filter((r) => !before.has(r.urn));
    expect(deletedOnSwitchBack.length).toBeGreaterThan(0);
    for (const r of deletedOnSwitchBack) expect(r.name).toMatch(new RegExp(`^${volume}-(restored|adopted)\\b`));
    expect(deletedOnSwitchBack.map((r) => r.type)).not.toContain(T.fileSystem);
  });
});

describe("the restore test", () => {
  const plan = (run: ProgramRun) => run.get("aws:backup/restoreTestingPlan:RestoreTestingPlan", "backup-restore-test");
  const workflow = (run: ProgramRun) => JSON.parse(run.get("aws:sfn/stateMachine:StateMachine", "backup-restore-test").inputs.definition);

  it.each(["staging", "prod"] as const)("restores the newest recovery point of every file system of %s each day after the backup window", (stack) => {
    const run = runs[stack];
    expect(plan(run).inputs).toMatchObject({
      scheduleExpression: BACKUP_SCHEDULE.restoreTest,
      recoveryPointSelection: { algorithm: "LATEST_WITHIN_WINDOW", includeVaults: [run.get(T.vault, "backup").state.arn], recoveryPointTypes: ["SNAPSHOT"] },
    });
    expect(plan(run).inputs.name).toMatch(/^[A-Za-z0-9_]{1,50}$/);
    const selection = run.get("aws:backup/restoreTestingSelection:RestoreTestingSelection", "backup-restore-test");
    expect(selection.inputs).toMatchObject({ protectedResourceType: "EFS", iamRoleArn: run.get(T.selection, "backup").inputs.iamRoleArn });
    expect([...selection.inputs.protectedResourceArns].sort()).toEqual(fileSystemArns(run));
  });

  it("checks what each volume snapshots, requires tenants.json, and allows for the days a sleeping stack takes no snapshot", () => {
    const env = (run: ProgramRun) => {
      const register = workflow(run).States["Register the check"].Parameters.ContainerDefinitions[0].Environment;
      return Object.fromEntries(register.map((e: any) => [e.Name, e.Value]));
    };
    expect(env(runs.prod)).toEqual({
      EXPECTED_SNAPSHOTS: "gateway/tenants gateway/workspace gateway/chroma security-stack/data",
      REQUIRED_FILES: "gateway/tenants/tenants.json",
      MAX_SNAPSHOT_AGE_HOURS: "36",
    });
    // Staging sleeps Saturday and Sunday: no snapshot on those days.
    expect(env(runs.staging).MAX_SNAPSHOT_AGE_HOURS).toBe("84");
  });

  it("starts the check for a restore this plan made when it completes, and for nothing else", () => {
    const rule = runs.prod.get(T.rule, "backup-restore-test-completed");
    const pattern = JSON.parse(rule.inputs.eventPattern);
    const planArn = plan(runs.prod).state.arn;
    const event = (status: string, restoreTestingPlanArn?: string) => ({
      source: "aws.backup",
      "detail-type": "Restore Job State Change",
      detail: { status, restoreJobId: "r", createdResourceArn: "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123456789abcdef0", ...(restoreTestingPlanArn ? { restoreTestingPlanArn } : {}) },
    });
    expect(matchesPattern(pattern, event("COMPLETED", planArn))).toBe(true);
    expect(matchesPattern(pattern, event("RUNNING", planArn))).toBe(false);
    expect(matchesPattern(pattern, event("COMPLETED"))).toBe(false);
    expect(matchesPattern(pattern, event("COMPLETED", "arn:aws:backup:eu-west-1:123456789012:restore-testing-plan:other"))).toBe(false);
    const target = runs.prod.ofType(T.target).find((t) => t.inputs.rule === rule.state.name)!;
    expect(target.inputs.arn).toBe(runs.prod.get("aws:sfn/stateMachine:StateMachine", "backup-restore-test").state.arn);
  });

  describe("its workflow, run as Step Functions runs it", () => {
    const input = { detail: { restoreJobId: "restore-1", createdResourceArn: "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0feedface0000000" } };
    /** AWS as the workflow meets it: a mount target that becomes available, then goes; the check exits `exitCode`. */
    function aws(exitCode: number, failAt?: string) {
      let mountTargets = 0;
      let polls = 0;
      return (resource: string, parameters: any) => {
        const action = resource.split(":").pop();
        if (action === failAt) throw { error: "Ecs.ClientException", cause: "refused" } as TaskError;
        switch (action) {
          case "createMountTarget":
            expect(parameters.FileSystemId).toBe("fs-0feedface0000000");
            mountTargets = 1;
            return { MountTargetId: "fsmt-1" };
          case "describeMountTargets":
            if (parameters.MountTargetId) return { MountTargets: [{ LifeCycleState: ++polls < 2 ? "creating" : "available" }] };
            return { MountTargets: Array(mountTargets).fill({}) };
          case "registerTaskDefinition":
            expect(parameters.Volumes[0].EfsVolumeConfiguration.FileSystemId).toBe("fs-0feedface0000000");
            return { TaskDefinition: { TaskDefinitionArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/prod-backup-restore-test:7" } };
          case "runTask.sync":
            return { Containers: [{ ExitCode: exitCode }] };
          case "deleteMountTarget":
            mountTargets = 0;
            return {};
          default:
            return {};
        }
      };
    }
    const verdict = (e: ReturnType<typeof execute>) => e.calls.find((c) => c.resource.endsWith("putRestoreValidationResult"))?.parameters;
    const actions = (e: ReturnType<typeof execute>) => e.calls.map((c) => c.resource.split(":").pop());

    it("reports SUCCESSFUL for a check that exits 0, after removing the mount target (AWS Backup then deletes the file system)", () => {
      const e = execute(workflow(runs.prod), input, aws(0));
      expect(e.status).toBe("SUCCEEDED");
      expect(verdict(e)).toMatchObject({ RestoreJobId: "restore-1", ValidationStatus: "SUCCESSFUL" });
      const order = actions(e);
      expect(order.indexOf("deleteMountTarget")).toBeLessThan(order.indexOf("putRestoreValidationResult"));
      expect(order).toContain("deregisterTaskDefinition");
    });

    it("reports FAILED for a check that finds a problem, cleans up all the same, and ends failed (which alarms)", () => {
      const e = execute(workflow(runs.prod), input, aws(1));
      expect(e.status).toBe("FAILED");
      expect(verdict(e)).toMatchObject({ ValidationStatus: "FAILED", ValidationStatusMessage: expect.stringContaining("restore-check exited 1") });
      expect(actions(e)).toEqual(expect.arrayContaining(["deregisterTaskDefinition", "deleteMountTarget"]));
    });

    it("reports FAILED when the check cannot even run, and still removes the mount target it made", () => {
      const e = execute(workflow(runs.prod), input, aws(0, "registerTaskDefinition"));
      expect(e.status).toBe("FAILED");
      expect(verdict(e)).toMatchObject({ ValidationStatus: "FAILED", ValidationStatusMessage: "the check could not run: Ecs.ClientException" });
      expect(actions(e)).toContain("deleteMountTarget");
      expect(actions(e)).not.toContain("runTask.sync");
    });

    it("still ends by the check's own outcome when the verdict cannot be reported (a restore an operator made, checked before adopting it)", () => {
      const refused = (exitCode: number) => {
        const inner = aws(exitCode);
        return (resource: string, parameters: any) => {
          if (resource.endsWith("putRestoreValidationResult")) throw { error: "Backup.InvalidRequestException" } as TaskError;
          return inner(resource, parameters);
        };
      };
      expect(execute(workflow(runs.prod), input, refused(0)).status).toBe("SUCCEEDED");
      expect(execute(workflow(runs.prod), input, refused(1)).status).toBe("FAILED");
    });

    it("runs the check read-only, as the files' owner, without capabilities, on the stack's cluster in a private subnet", () => {
      const definition = checkWorkflow({
        family: "f", subnet: "subnet-1" as any, clusterArn: "cluster", tasksSecurityGroup: "sg-t", efsSecurityGroup: "sg-e", imageRef: "image",
        executionRoleArn: "exec", taskRoleArn: "task", logGroup: "/ecs/prod/backup-restore-test", region: "eu-west-1", architecture: "X86_64", environment: {},
      }) as any;
      const container = definition.States["Register the check"].Parameters.ContainerDefinitions[0];
      expect(container).toMatchObject({ User: "1000:1000", ReadonlyRootFilesystem: true, LinuxParameters: { Capabilities: { Drop: ["ALL"] } } });
      expect(container.MountPoints).toEqual([{ SourceVolume: "restored", ContainerPath: "/mnt/restored", ReadOnly: true }]);
      expect(definition.States["Run the check"].Parameters.NetworkConfiguration.AwsvpcConfiguration).toEqual({ Subnets: ["subnet-1"], SecurityGroups: ["sg-t"], AssignPublicIp: "DISABLED" });
    });
  });

  it("lets the workflow run only the check's family and pass only the check's roles, and the check's task only mount", () => {
    const doc = policyDocument(runs.prod.get("aws:iam/rolePolicy:RolePolicy", "backup-restore-test-workflow"));
    const run = doc.Statement.find((st: any) => st.Sid === "RunTheCheck");
    expect(run.Resource).toBe("arn:aws:ecs:eu-west-1:123456789012:task-definition/prod-backup-restore-test:*");
    const pass = doc.Statement.find((st: any) => st.Sid === "PassTheCheckRoles");
    expect([...pass.Resource].sort()).toEqual(
      ["backup-restore-test-execution", "backup-restore-test-task"].map((n) => runs.prod.get(T.role, n).state.arn).sort(),
    );
    const task = policyDocument(runs.prod.get("aws:iam/rolePolicy:RolePolicy", "backup-restore-test-task")).Statement;
    expect(task.map((st: any) => st.Action)).toEqual(["elasticfilesystem:ClientMount"]);
  });

  it("alarms when an execution ends without a passing verdict: failed, timed out or aborted", () => {
    const alarm = runs.prod.get(T.alarm, "backup-restore-test-failed").inputs;
    const arn = runs.prod.get("aws:sfn/stateMachine:StateMachine", "backup-restore-test").state.arn;
    expect(alarm.metricQueries.filter((q: any) => q.metric).map((q: any) => [q.metric.metricName, q.metric.dimensions])).toEqual(
      ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"].map((m) => [m, { StateMachineArn: arn }]),
    );
    expect(alarm).toMatchObject({ threshold: 0, comparisonOperator: "GreaterThanThreshold", alarmActions: [runs.prod.outputs.alarmTopicArn] });
  });

  it("is off with the plan (backups: false), which keeps the vault", async () => {
    const off = await runProgram({ stack: "staging", config: { backups: false } });
    expect(off.ofType("aws:backup/restoreTestingPlan:RestoreTestingPlan")).toEqual([]);
    expect(off.ofType(T.vault).map((v) => v.name)).toEqual(["backup"]);
  });
});
