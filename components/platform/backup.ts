/**
 * The stack's own AWS Backup plan for its file systems: a vault on a customer-managed key, daily (and optionally
 * monthly) rules with retention from config, a copy of every recovery point to a second region's vault, an
 * optional compliance-mode vault lock, a daily restore test, and every failed, aborted or expired backup, copy or
 * restore job (and a backup that completed with issues) sent to the alarm topic. It replaces EFS's default backup
 * policy (turned off on the volumes it covers).
 *
 * Recovery points are only ever deleted by an explicit destroy, never by a config change:
 * - the vault, its key and its role exist whenever the stack has a file system, `backups` on or off: turning the
 *   plan off stops new recovery points and keeps the old ones;
 * - a copy region's vault, key and lock are retained when they go (a new `backupCopyRegion` replaces them: region is
 *   ForceNew), so the old region keeps its recovery points, readable with their key, until they expire;
 * - a lock is retained and never replaced: its bounds are fixed (VAULT_LOCK), wide enough for any retention the
 *   config allows, and changes to them are ignored (a compliance lock cannot change once its grace days are over).
 *
 * With `protectState` the vaults and keys are protected, and the vault, plan, selection and role survive
 * `pulumi destroy`: AWS Backup keeps backing up the retained file systems into the retained vault.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BackupSettings } from "../../config";
import { BACKUP_SCHEDULE, DAYS_PER_MONTH, VAULT_LOCK } from "../shared/defaults";
import { accountAdministersKey } from "../shared/key-policy";
import { StackRoleScope, trustedBy } from "../shared/iam-scope";
import { RestoreTest, RestoreTestArgs } from "./restore-test";

export interface BackupPlanArgs {
  /** The plan's rules, copy region and lock; undefined (`backups` false): the vault and role alone, kept. */
  settings?: BackupSettings;
  /** ARNs of every file system of the stack's volumes (their own, and restored ones in use). */
  fileSystemArns: pulumi.Input<string>[];
  protectState: boolean;
  alarmTopicArn: pulumi.Input<string>;
  /** Path and permissions boundary of AWS Backup's role. */
  roleScope: StackRoleScope;
  /** The daily restore test of the plan's recovery points (components/platform/restore-test.ts); none without a plan. */
  restoreTest?: Omit<RestoreTestArgs, "vaultArn" | "backupRoleArn" | "alarmTopicArn" | "roleScope">;
}

/** Backup jobs AWS reports to EventBridge, and the states of theirs that page. */
export const BACKUP_FAILURE_EVENTS = {
  source: ["aws.backup"],
  "detail-type": ["Backup Job State Change", "Copy Job State Change", "Restore Job State Change"],
  // Backup and copy job events report `state`, restore job events `status` (as the API's RestoreJob.Status). A
  // backup job that completed with a status message "completed with issues" (AWS Backup's EventBridge guide):
  // some objects may not be in the recovery point, the case a role without the vault key's use runs into.
  detail: {
    $or: [
      { state: ["FAILED", "ABORTED", "EXPIRED"] },
      { status: ["FAILED", "ABORTED"] },
      { state: ["COMPLETED"], statusMessage: [{ "anything-but": [""] }] },
    ],
  },
} as const;

/** AWS's managed policies for the service role of AWS Backup: taking backups, and restoring them. */
const BACKUP_ROLE_POLICIES = [
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
];

/**
 * The statements of a vault key's policy that let AWS Backup's role use the key: a backup or copy job that cannot
 * use the vault's key can complete with objects missing, and grants let AWS Backup use the key for the recovery
 * points it manages.
 */
export function backupRoleUsesKey(roleArn: pulumi.Input<string>): Record<string, unknown>[] {
  return [
    {
      Sid: "BackupRoleUsesKey",
      Effect: "Allow",
      Principal: { AWS: roleArn },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
    },
    {
      Sid: "BackupRoleGrantsForRecoveryPoints",
      Effect: "Allow",
      Principal: { AWS: roleArn },
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    },
  ];
}

export class BackupPlan extends pulumi.ComponentResource {
  public readonly vault: aws.backup.Vault;
  public readonly copyVault?: aws.backup.Vault;
  public readonly plan?: aws.backup.Plan;
  public readonly restoreTest?: RestoreTest;
  /** The role AWS Backup runs backup and restore jobs as. */
  public readonly role: aws.iam.Role;

  constructor(name: string, args: BackupPlanArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:backup:BackupPlan", name, {}, opts);
    const { settings } = args;
    // What keeps backing up the retained file systems after a destroy of a protected stack.
    const keptWithState = { parent: this, retainOnDelete: args.protectState };
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const lock = settings?.vaultLock
      ? ` The vault is locked in compliance mode: ${BACKUP_SCHEDULE.vaultLockGraceDays} days after the lock, nobody can delete it or shorten a recovery point's retention below ${VAULT_LOCK.minRetentionDays} days.`
      : "";

    // First: the vault keys' policies name it.
    const role = (this.role = new aws.iam.Role(
      name,
      { ...args.roleScope, assumeRolePolicy: pulumi.jsonStringify(trustedBy("backup.amazonaws.com", account)) },
      keptWithState,
    ));
    const attachments = BACKUP_ROLE_POLICIES.map(
      (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-${i === 0 ? "backup" : "restore"}`, { role: role.name, policyArn }, keptWithState),
    );

    const vault = { name, args, account, roleArn: role.arn, lock };
    this.vault = this.createVault(vault, "");
    if (settings?.copyRegion) this.copyVault = this.createVault(vault, "-copy", settings.copyRegion);

    if (settings) {
      const rule = (ruleName: string, schedule: string, deleteAfter: number): aws.types.input.backup.PlanRule => ({
        ruleName,
        targetVaultName: this.vault.name,
        schedule,
        startWindow: BACKUP_SCHEDULE.startWindowMinutes,
        completionWindow: BACKUP_SCHEDULE.completionWindowMinutes,
        lifecycle: { deleteAfter },
        copyActions: this.copyVault ? [{ destinationVaultArn: this.copyVault.arn, lifecycle: { deleteAfter } }] : [],
      });
      this.plan = new aws.backup.Plan(
        name,
        {
          rules: [
            rule("daily", BACKUP_SCHEDULE.daily, settings.dailyRetentionDays),
            ...(settings.monthlyRetentionMonths > 0 ? [rule("monthly", BACKUP_SCHEDULE.monthly, settings.monthlyRetentionMonths * DAYS_PER_MONTH)] : []),
          ],
        },
        keptWithState,
      );
      new aws.backup.Selection(
        name,
        { planId: this.plan.id, iamRoleArn: role.arn, resources: args.fileSystemArns },
        // The role must hold its policies before AWS Backup assumes it for the first job.
        { ...keptWithState, dependsOn: attachments },
      );

      const failures = new aws.cloudwatch.EventRule(
        `${name}-failures`,
        {
          description: "AWS Backup: a backup, copy or restore job failed, was aborted or expired, or a backup completed with issues",
          eventPattern: JSON.stringify(BACKUP_FAILURE_EVENTS),
        },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(`${name}-failures`, { rule: failures.name, arn: args.alarmTopicArn }, { parent: this });

      if (args.restoreTest) {
        this.restoreTest = new RestoreTest(
          `${name}-restore-test`,
          { ...args.restoreTest, vaultArn: this.vault.arn, backupRoleArn: role.arn, alarmTopicArn: args.alarmTopicArn, roleScope: args.roleScope },
          { parent: this, dependsOn: attachments },
        );
      }
    }

    this.registerOutputs({ vaultName: this.vault.name, planId: this.plan?.id });
  }

  /**
   * A vault on a key of its own, in the stack's region or a copy region, and its lock when the stack asks for one.
   */
  private createVault(
    { name, args, account, roleArn, lock }: { name: string; args: BackupPlanArgs; account: pulumi.Output<string>; roleArn: pulumi.Output<string>; lock: string },
    suffix: string,
    region?: string,
  ): aws.backup.Vault {
    // The stack's region: protected with the state, and retained with it or once locked (a locked vault cannot be
    // deleted). A copy region: retained always (config-constraints.ts, REPLACEMENT_SAFE_KEYS), never protected,
    // which would refuse the move to a new region at `up`.
    const options = region
      ? { parent: this, retainOnDelete: true }
      : { parent: this, protect: args.protectState, retainOnDelete: args.protectState || Boolean(args.settings?.vaultLock) };
    const key = new aws.kms.Key(
      `${name}${suffix}`,
      {
        region,
        description: `AWS Backup vault of the stack's file systems${region ? ` (copies in ${region})` : ""}.${lock}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [accountAdministersKey(account), ...backupRoleUsesKey(roleArn)] }),
      },
      options,
    );
    // Without protectState (staging) a destroy deletes the vault with its recovery points: the explicit way.
    const vault = new aws.backup.Vault(`${name}${suffix}`, { region, kmsKeyArn: key.arn, forceDestroy: !args.protectState }, options);
    if (args.settings?.vaultLock) {
      new aws.backup.VaultLockConfiguration(
        `${name}${suffix}`,
        {
          region,
          backupVaultName: vault.name,
          changeableForDays: BACKUP_SCHEDULE.vaultLockGraceDays,
          minRetentionDays: VAULT_LOCK.minRetentionDays,
          maxRetentionDays: VAULT_LOCK.maxRetentionDays,
        },
        // Every field forces a replacement, and a locked vault takes no new lock: once made, the lock is left alone.
        { ...options, retainOnDelete: true, ignoreChanges: ["changeableForDays", "minRetentionDays", "maxRetentionDays"] },
      );
    }
    return vault;
  }
}
