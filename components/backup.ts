/**
 * The stack's own AWS Backup plan for its file systems: a vault on a customer-managed key, daily (and optionally
 * monthly) rules with retention from config, a copy of every recovery point to a second region's vault, an
 * optional compliance-mode vault lock, and every failed, aborted or expired backup, copy or restore job sent to the
 * alarm topic. It replaces EFS's default backup policy (turned off on the volumes it covers).
 *
 * With `protectState` the vaults and their keys are protected and survive `pulumi destroy`, recovery points and
 * all (AWS refuses to delete a vault that holds recovery points, and a vault that is not deleted keeps them).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BackupSettings } from "../config";
import { BACKUP_SCHEDULE, DAYS_PER_MONTH } from "./defaults";
import { accountAdministersKey } from "./key-policy";
import { StackRoleScope, trustedBy } from "./iam-scope";

export interface BackupPlanArgs {
  settings: BackupSettings;
  /** ARNs of the file systems in use. */
  fileSystemArns: pulumi.Input<string>[];
  protectState: boolean;
  alarmTopicArn: pulumi.Input<string>;
  /** Path and permissions boundary of AWS Backup's role. */
  roleScope: StackRoleScope;
}

/** Backup jobs AWS reports to EventBridge, and the states of theirs that page. */
export const BACKUP_FAILURE_EVENTS = {
  source: ["aws.backup"],
  "detail-type": ["Backup Job State Change", "Copy Job State Change", "Restore Job State Change"],
  // Backup and copy job events report `state`, restore job events `status` (as the API's RestoreJob.Status).
  detail: { $or: [{ state: ["FAILED", "ABORTED", "EXPIRED"] }, { status: ["FAILED", "ABORTED"] }] },
} as const;

/** AWS's managed policies for the service role of AWS Backup: taking backups, and restoring them. */
const BACKUP_ROLE_POLICIES = [
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
];

export class BackupPlan extends pulumi.ComponentResource {
  public readonly vault: aws.backup.Vault;
  public readonly copyVault?: aws.backup.Vault;
  public readonly plan: aws.backup.Plan;
  /** The role AWS Backup runs backup and restore jobs as. */
  public readonly role: aws.iam.Role;

  constructor(name: string, args: BackupPlanArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:backup:BackupPlan", name, {}, opts);
    const { settings } = args;
    const stateful = { parent: this, protect: args.protectState, retainOnDelete: args.protectState };
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const lock = settings.vaultLock
      ? ` The vault is locked in compliance mode: ${BACKUP_SCHEDULE.vaultLockGraceDays} days after the lock, nobody can delete it or shorten a recovery point's retention.`
      : "";

    // A copy region's vault, key and lock move with backupCopyRegion: a new region replaces them (region is ForceNew),
    // which `protect` would refuse at `up`. They are retained instead where the stack protects its state, so the old
    // region keeps its recovery points, readable with their key, until they expire (config-constraints.ts,
    // REPLACEMENT_SAFE_KEYS).
    const vaultIn = (suffix: string, region?: string) => {
      const options = region ? { parent: this, retainOnDelete: args.protectState } : stateful;
      const key = new aws.kms.Key(
        `${name}${suffix}`,
        {
          region,
          description: `AWS Backup vault of the stack's file systems${region ? ` (copies in ${region})` : ""}.${lock}`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [accountAdministersKey(account)] }),
        },
        options,
      );
      // Without protectState (staging) the vault is deleted with its recovery points on destroy.
      const vault = new aws.backup.Vault(`${name}${suffix}`, { region, kmsKeyArn: key.arn, forceDestroy: !args.protectState }, options);
      if (settings.vaultLock) {
        new aws.backup.VaultLockConfiguration(
          `${name}${suffix}`,
          {
            region,
            backupVaultName: vault.name,
            changeableForDays: BACKUP_SCHEDULE.vaultLockGraceDays,
            // No recovery point may be kept shorter than the lock's minimum, the monthly ones included.
            minRetentionDays: Math.min(settings.dailyRetentionDays, ...(settings.monthlyRetentionMonths > 0 ? [settings.monthlyRetentionMonths * DAYS_PER_MONTH] : [])),
            maxRetentionDays: Math.max(settings.dailyRetentionDays, settings.monthlyRetentionMonths * DAYS_PER_MONTH),
          },
          region ? options : { parent: this, protect: args.protectState },
        );
      }
      return vault;
    };
    this.vault = vaultIn("");
    if (settings.copyRegion) this.copyVault = vaultIn("-copy", settings.copyRegion);

    const role = (this.role = new aws.iam.Role(
      name,
      { ...args.roleScope, assumeRolePolicy: pulumi.jsonStringify(trustedBy("backup.amazonaws.com", account)) },
      { parent: this },
    ));
    const attachments = BACKUP_ROLE_POLICIES.map(
      (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-${i === 0 ? "backup" : "restore"}`, { role: role.name, policyArn }, { parent: this }),
    );

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
      { parent: this },
    );
    new aws.backup.Selection(
      name,
      { planId: this.plan.id, iamRoleArn: role.arn, resources: args.fileSystemArns },
      // The role must hold its policies before AWS Backup assumes it for the first job.
      { parent: this, dependsOn: attachments },
    );

    const failures = new aws.cloudwatch.EventRule(
      `${name}-failures`,
      { description: "AWS Backup: a backup, copy or restore job failed, was aborted or expired", eventPattern: JSON.stringify(BACKUP_FAILURE_EVENTS) },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(`${name}-failures`, { rule: failures.name, arn: args.alarmTopicArn }, { parent: this });

    this.registerOutputs({ vaultName: this.vault.name, planId: this.plan.id });
  }
}
