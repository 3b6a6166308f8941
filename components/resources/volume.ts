import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { accountAdministersKey } from "../shared/key-policy";
import {
  ACCESS_POINT_OWNER,
  ALARM_PERIOD_SECONDS,
  BURST_CREDIT_ALARM_BYTES,
  EFS_ALARM,
  EFS_REPLICATION_LAG_ALARM_SECONDS,
  PORTS,
  THROUGHPUT_ALARM_PERCENT,
} from "../shared/defaults";
import { childOptions, formerNames, stackScoped } from "../shared/naming";
import { ConfigError } from "../../config";

/** One directory tree of the file system, entered through its own access point. */
export interface AccessPointSpec {
  /** Volume name used in the task definition, and the directory's name under the volume's root. @example "tenants" */
  name: string;
  /**
   * What a restore does not bring back: data the system rebuilds on its own (a model cache). It has no snapshot,
   * and on a restored file system it starts empty. @default false
   */
  rebuildable?: boolean;
  /** POSIX user every file operation through this access point runs as. @default ACCESS_POINT_OWNER.uid (1000) */
  uid?: number;
  /** POSIX group of every file operation through this access point. @default ACCESS_POINT_OWNER.gid (1000) */
  gid?: number;
  /** Mode of the directory when EFS creates it. @default ACCESS_POINT_OWNER.permissions ("0750") */
  permissions?: string;
  /**
   * Files the restore test requires in the snapshot whenever the backed-up live directory has them.
   * @example ["tenants.json"]
   */
  restoreRequires?: string[];
}

/**
 * The access point of the volume's writer directory (components/systems/single-writer.ts): its lock and its consistent
 * snapshots, `<root>/writer/snapshot/<access point>`.
 */
export const WRITER_ACCESS_POINT = "writer";

/**
 * A file system restored from a backup, adopted by the volume instead of its own.
 * @example { fileSystemId: "fs-0123456789abcdef0", path: "aws-backup-restore_2026-05-01T03-10-00-000Z/gateway/writer/snapshot" }
 */
export interface VolumeRestore {
  /** The restored file system, in this account and region, on the volume's own key. */
  fileSystemId: string;
  /**
   * The directory of the restored file system that holds the access points' directories: the nightly snapshot
   * under AWS Backup's `aws-backup-restore_<timestamp>/` (`<root>/writer/snapshot`), or the live copy (`<root>`).
   */
  path: string;
}

/** A restored file system as found in the account before any resource is registered (findRestoredFileSystems). */
export interface RestoredFileSystem extends VolumeRestore {
  arn: string;
  /** The key it is encrypted with. */
  kmsKeyId: string;
}

/**
 * Looks up every restored file system the config names, before any resource is registered: one that is not in this
 * account and region, or not encrypted, is refused at preview with the key that names it, and nothing is touched.
 */
export async function findRestoredFileSystems(wanted: { key: string; restore: VolumeRestore }[]): Promise<Record<string, RestoredFileSystem>> {
  const found: Record<string, RestoredFileSystem> = {};
  const problems: string[] = [];
  await Promise.all(
    wanted.map(async ({ key, restore }) => {
      let fs: aws.efs.GetFileSystemResult;
      try {
        fs = await aws.efs.getFileSystem({ fileSystemId: restore.fileSystemId });
      } catch (e) {
        problems.push(
          `${pulumi.getProject()}:${key}: ${restore.fileSystemId} is not an EFS file system of this account in this region (${(e as Error).message}); ` +
            "restore the recovery point into this region, or set the id of the file system the restore job created",
        );
        return;
      }
      if (!fs.encrypted) {
        problems.push(`${pulumi.getProject()}:${key}: ${restore.fileSystemId} is not encrypted; restore the recovery point again with Encrypted=true and the volume's key (output efsKeyArns)`);
        return;
      }
      found[restore.fileSystemId] = { ...restore, arn: fs.arn, kmsKeyId: fs.kmsKeyId };
    }),
  );
  if (problems.length) throw new ConfigError(problems.sort());
  return found;
}

export interface VolumeArgs {
  vpcId: pulumi.Input<string>;
  /** A mount target is created in each (the subnets the tasks run in). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Number of subnets (known at plan time, so mount targets are plain resources). */
  subnetCount: number;
  /** The directory every access point of the volume is under. @example "/gateway" */
  root: string;
  /** The application's directories; the writer directory's access point is added to them. */
  accessPoints: AccessPointSpec[];
  /** @default "elastic" */
  throughputMode: "bursting" | "elastic" | "provisioned";
  /** With `provisioned`: MiB/s. */
  provisionedThroughputMibps?: number;
  /** Lifecycle to Infrequent Access. @default "AFTER_30_DAYS" */
  transitionToIa: string;
  /** Keep the file system on `pulumi destroy` and refuse replacement (prod). */
  protectState: boolean;
  /** SNS topic of the throughput alarm (burst credits in bursting mode, throughput use otherwise). */
  alarmTopicArn?: pulumi.Input<string>;
  /**
   * EFS's own daily backups (35 days). Off when the stack's backup plan covers the volume, so nothing is backed
   * up, or billed, twice. @default true
   */
  defaultBackups?: boolean;
  /** Region of a read-only replica of the file system in use; its lag alarms the topic. @default none */
  replicationRegion?: string;
  /**
   * A file system restored from a backup to use instead of the volume's own: mount targets, access points and a
   * file-system policy of their own are built on it, beside the own file system's, which stay as they are
   * (unmounted, kept, mountable again by removing this). @default none
   */
  restore?: RestoredFileSystem;
}

/** What a task definition's `volumes` entry needs for one access point. */
export interface VolumeMount {
  name: string;
  fileSystemId: pulumi.Output<string>;
  accessPointId: pulumi.Output<string>;
  accessPointArn: pulumi.Output<string>;
}

/** What the volume builds on one file system for its clients: mount targets, access points and the policy. */
interface Mountable {
  mountTargets: aws.efs.MountTarget[];
  fileSystemPolicy: aws.efs.FileSystemPolicy;
  mounts: VolumeMount[];
}

/**
 * An encrypted EFS file system with a mount target per private subnet, a security group that admits NFS only
 * from the task security groups that use it, and one access point per volume (POSIX owner enforced, root
 * directory created with that owner — no "permission denied" on first start), the writer directory's among them.
 *
 * A restore (`restore`) is a change that only adds: the restored file system gets mount targets, access points
 * and a policy of its own under new names, created before the tasks move to it; the own file system's stay
 * mounted until the service has moved, and stay afterwards (nothing is deleted, no live mount is touched).
 */
export class Volume extends pulumi.ComponentResource {
  /** The volume's own file system; while a restored one is adopted, it stays as it was, unmounted. */
  public readonly fileSystem: aws.efs.FileSystem;
  /** The file system in use: the restored one when `restore` is set, else the volume's own. */
  public readonly fileSystemId: pulumi.Output<string>;
  public readonly fileSystemArn: pulumi.Output<string>;
  /** Every file system of the volume (its own, and a restored one in use): what the backup plan keeps backing up. */
  public readonly fileSystemArns: pulumi.Output<string>[];
  /**
   * The customer-managed key of the file data, of the own file system and of a restored one. Never deleted: a key
   * scheduled for deletion takes its file systems with it, irreversibly.
   */
  public readonly key: aws.kms.Key;
  private keyPolicy?: aws.kms.KeyPolicy;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  /** The mount targets of the file system in use: its clients mount only once they exist. */
  public readonly mountTargets: aws.efs.MountTarget[];
  /** Clients mount only once it exists: it decides who may mount (IAM) and that they must use TLS. */
  public readonly fileSystemPolicy: aws.efs.FileSystemPolicy;
  /** The access points of the file system in use, the writer directory's among them. */
  public readonly mounts: VolumeMount[];
  /** The names of the directories whose snapshots a restore brings back (all but the rebuildable ones). */
  public readonly snapshotted: string[];
  /** Files the restore test requires in the snapshots, `<root>/<access point>/<file>` without the leading slash. */
  public readonly restoreRequires: string[];
  /** The directory every access point is under. @example "/gateway" */
  public readonly root: string;
  /** The account and region the volume is in (for ARNs and key policies). */
  private readonly accountId: pulumi.Output<string>;
  private readonly region: pulumi.Output<string>;
  /** Options of a child, keeping its identity if the volume was renamed. */
  private readonly childName: (childName: string) => pulumi.CustomResourceOptions;

  constructor(private readonly volumeName: string, args: VolumeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:volume:Volume", volumeName, {}, opts);
    const name = volumeName;
    this.childName = (childName) => childOptions(this, name, formerNames(opts), childName);
    this.accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    this.region = aws.getRegionOutput({}, { parent: this }).region;
    this.root = args.root;
    const stateful = { ...this.childName(name), protect: args.protectState, retainOnDelete: args.protectState };

    // A key of the volume's own rather than aws/elasticfilesystem: its policy names who may use it, it can be
    // audited and revoked per volume. Always retained, in every stack: a replaced or destroyed key is scheduled for
    // deletion, and the file system on it (a retained one, a restored one) stops working when it goes.
    // Created with the account's default policy, which lets the deployer create the file system; the policy
    // naming the task role replaces it once that role exists (useKeyFor).
    this.key = new aws.kms.Key(
      name,
      { description: `EFS ${name}: file data at rest`, enableKeyRotation: true, deletionWindowInDays: 30 },
      { ...stateful, retainOnDelete: true },
    );
    this.fileSystem = new aws.efs.FileSystem(
      name,
      {
        encrypted: true,
        kmsKeyId: this.key.arn,
        performanceMode: "generalPurpose",
        throughputMode: args.throughputMode,
        provisionedThroughputInMibps: args.throughputMode === "provisioned" ? args.provisionedThroughputMibps : undefined,
        lifecyclePolicies: [{ transitionToIa: args.transitionToIa }, { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" }],
        tags: { Name: name },
      },
      // EFS takes a key only at creation (kmsKeyId is ForceNew): a file system made before the volumes had keys of
      // their own keeps AWS's key rather than being replaced, data and all. Moving it onto the volume's key is a
      // restore into a new file system with that key (docs/runbook.md).
      { ...stateful, ignoreChanges: ["kmsKeyId"] },
    );
    const backupStatus = args.defaultBackups === false ? "DISABLED" : "ENABLED";
    // The backup policy stays with the volume's own file system; an adopted one gets the same.
    new aws.efs.BackupPolicy(name, { fileSystemId: this.fileSystem.id, backupPolicy: { status: backupStatus } }, this.childName(name));

    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-efs`,
      {
        vpcId: args.vpcId,
        description: `EFS ${name}: NFS (2049) only from the task security groups that mount it`,
        egress: [],
        tags: { Name: `${name}-efs` },
      },
      this.childName(`${name}-efs`),
    );

    const accessPoints: AccessPointSpec[] = [...args.accessPoints, { name: WRITER_ACCESS_POINT }];
    this.snapshotted = args.accessPoints.filter((ap) => !ap.rebuildable).map((ap) => ap.name);
    this.restoreRequires = args.accessPoints.flatMap((ap) => (ap.restoreRequires ?? []).map((f) => `${args.root.replace(/^\//, "")}/${ap.name}/${f}`));
    const own = this.mountable(name, this.fileSystem.id, this.fileSystem.arn, args, accessPoints.map((spec) => ({ spec, path: `${args.root}/${spec.name}`, create: true })));
    const restored = args.restore && this.adopt(name, args, args.restore, accessPoints, backupStatus);
    const inUse = restored?.mountable ?? own;
    this.fileSystemId = restored?.id ?? this.fileSystem.id;
    this.fileSystemArn = restored?.arn ?? this.fileSystem.arn;
    this.fileSystemArns = [this.fileSystem.arn, ...(restored ? [restored.arn] : [])];
    this.mountTargets = inUse.mountTargets;
    this.fileSystemPolicy = inUse.fileSystemPolicy;
    this.mounts = inUse.mounts;

    if (args.alarmTopicArn) this.createThroughputAlarm(name, args.throughputMode, args.alarmTopicArn);
    if (args.replicationRegion) this.createReplication(name, args.replicationRegion, args.alarmTopicArn);

    this.registerOutputs({ fileSystemId: this.fileSystemId });
  }

  /**
   * The restored file system (found before anything was registered), with mount targets, access points and a policy
   * of its own. It should be on the volume's own key, the one the stack keeps: on another key, the stack keeps a key
   * the data does not need and not the one it does.
   */
  private adopt(
    name: string,
    args: VolumeArgs,
    restore: RestoredFileSystem,
    accessPoints: AccessPointSpec[],
    backupStatus: string,
  ): { id: pulumi.Output<string>; arn: pulumi.Output<string>; mountable: Mountable } {
    this.key.arn.apply((ownKey) => {
      if (restore.kmsKeyId !== ownKey) {
        pulumi.log.warn(
          `volume ${this.volumeName}: the restored file system ${restore.fileSystemId} is encrypted with ${restore.kmsKeyId}, not the volume's key ` +
            `${ownKey} (output efsKeyArns): the stack keeps the volume's key, not that one; restore again with the volume's key, or keep that key yourself`,
          this,
        );
      }
    });
    const id = pulumi.output(restore.fileSystemId);
    const arn = pulumi.output(restore.arn);
    new aws.efs.BackupPolicy(`${name}-adopted`, { fileSystemId: id, backupPolicy: { status: backupStatus } }, { parent: this });
    // The restored directories must exist: an access point would create a missing one empty, and the app would
    // start fresh and healthy on nothing. Without creation info a missing directory fails the mount instead, and
    // the deployment with it. The writer directory (lock, new snapshots) and rebuildable ones start empty.
    const paths = accessPoints.map((spec) =>
      spec.name === WRITER_ACCESS_POINT || spec.rebuildable
        ? { spec, path: `${args.root}/${spec.name}`, create: true }
        : { spec, path: `/${restore.path}/${spec.name}`, create: false },
    );
    return { id, arn, mountable: this.mountable(`${name}-restored`, id, arn, args, paths) };
  }

  /** Mount targets, access points and the file-system policy of one file system, its children named from `prefix`. */
  private mountable(
    prefix: string,
    fileSystemId: pulumi.Output<string>,
    fileSystemArn: pulumi.Output<string>,
    args: VolumeArgs,
    accessPoints: { spec: AccessPointSpec; path: string; create: boolean }[],
  ): Mountable {
    // With any file-system policy in place, EFS grants nothing by default: a client needs an IAM identity
    // allowed to ClientMount/ClientWrite (the task roles), and this policy refuses it without TLS.
    const fileSystemPolicy = new aws.efs.FileSystemPolicy(
      prefix,
      {
        fileSystemId,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyUnencryptedTransport",
              Effect: "Deny",
              Principal: { AWS: "*" },
              Action: "*",
              Resource: fileSystemArn,
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      },
      this.childName(prefix),
    );

    const subnetIds = pulumi.output(args.subnetIds);
    const mountTargets = Array.from({ length: args.subnetCount }, (_, i) =>
      new aws.efs.MountTarget(
        `${prefix}-${i}`,
        { fileSystemId, subnetId: subnetIds.apply((ids) => ids[i]), securityGroups: [this.securityGroup.id] },
        // EFS allows one mount target per AZ: a replacement (another subnet in the same AZ) must delete the
        // old one first, or CreateMountTarget fails with MountTargetConflict. A restore never replaces these: the
        // restored file system's mount targets are other resources, made before any task moves to them.
        { ...this.childName(`${prefix}-${i}`), deleteBeforeReplace: true },
      ),
    );

    const mounts = accessPoints.map(({ spec, path, create }) => {
      const uid = spec.uid ?? ACCESS_POINT_OWNER.uid;
      const gid = spec.gid ?? ACCESS_POINT_OWNER.gid;
      const accessPoint = new aws.efs.AccessPoint(
        `${prefix}-${spec.name}`,
        {
          fileSystemId,
          posixUser: { uid, gid },
          rootDirectory: {
            path,
            ...(create ? { creationInfo: { ownerUid: uid, ownerGid: gid, permissions: spec.permissions ?? ACCESS_POINT_OWNER.permissions } } : {}),
          },
          tags: { Name: `${prefix}-${spec.name}` },
        },
        this.childName(`${prefix}-${spec.name}`),
      );
      return { name: spec.name, fileSystemId, accessPointId: accessPoint.id, accessPointArn: accessPoint.arn };
    });
    return { mountTargets, fileSystemPolicy, mounts };
  }

  private createThroughputAlarm(name: string, mode: VolumeArgs["throughputMode"], topicArn: pulumi.Input<string>): void {
    const dimensions = { FileSystemId: this.fileSystemId };
    const common = { evaluationPeriods: EFS_ALARM.evaluationPeriods, alarmActions: [topicArn], okActions: [topicArn], treatMissingData: "notBreaching" };
    if (mode === "bursting") {
      new aws.cloudwatch.MetricAlarm(
        `${name}-burst-credits`,
        {
          ...common,
          name: stackScoped(`${name}-efs-burst-credits-low`),
          alarmDescription: `EFS ${name}: burst credits low; throughput will drop to the baseline`,
          namespace: "AWS/EFS",
          metricName: "BurstCreditBalance",
          dimensions,
          statistic: "Minimum",
          period: EFS_ALARM.burstCreditPeriodSeconds,
          threshold: BURST_CREDIT_ALARM_BYTES,
          comparisonOperator: "LessThanThreshold",
        },
        this.childName(`${name}-burst-credits`),
      );
      return;
    }
    // Throughput use in percent: metered bytes per second over the permitted throughput (AWS's formula).
    new aws.cloudwatch.MetricAlarm(
      `${name}-throughput`,
      {
        ...common,
        name: stackScoped(`${name}-efs-throughput-high`),
        alarmDescription: `EFS ${name}: above ${THROUGHPUT_ALARM_PERCENT}% of permitted throughput`,
        threshold: THROUGHPUT_ALARM_PERCENT,
        comparisonOperator: "GreaterThanThreshold",
        metricQueries: [
          {
            id: "metered",
            metric: { namespace: "AWS/EFS", metricName: "MeteredIOBytes", dimensions, stat: "Sum", period: ALARM_PERIOD_SECONDS },
          },
          {
            id: "permitted",
            metric: { namespace: "AWS/EFS", metricName: "PermittedThroughput", dimensions, stat: "Average", period: ALARM_PERIOD_SECONDS },
          },
          { id: "usage", expression: `(metered / ${ALARM_PERIOD_SECONDS}) * 100 / permitted`, label: "Throughput use (%)", returnData: true },
        ],
      },
      this.childName(`${name}-throughput`),
    );
  }

  /**
   * A read-only replica of the file system in use, in another region, on a key of its own there. AWS states an
   * RPO of 15 minutes for most file systems; the replica is not point-in-time consistent across files, so SQLite
   * databases may need the last backup instead. Deleting the replication leaves the replica as a writable file
   * system of its own (and its key), which `pulumi destroy` does not remove.
   */
  private createReplication(name: string, region: string, topicArn?: pulumi.Input<string>): void {
    const key = new aws.kms.Key(
      `${name}-replica`,
      { region, description: `EFS ${name}: replica in ${region}`, enableKeyRotation: true, deletionWindowInDays: 30 },
      // The replica outlives the replication (and the stack): so must the key that reads it. Retained, not
      // protected: a new efsReplicationRegion replaces the key (region is ForceNew), which `protect` would refuse.
      { parent: this, retainOnDelete: true },
    );
    // Not protected: adopting a restored file system or moving the replica replaces the replication (source and
    // region are ForceNew), and deleting one loses nothing (the replica stays, writable, with its retained key).
    // Deleted before its replacement is made: EFS holds one replication configuration per source file system and
    // refuses a second (ReplicationAlreadyExists), and the provider would otherwise create the new one first.
    const replication = new aws.efs.ReplicationConfiguration(
      name,
      { sourceFileSystemId: this.fileSystemId, destination: { region, kmsKeyId: key.arn } },
      { parent: this, deleteBeforeReplace: true },
    );
    if (topicArn) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-replication-lag`,
        {
          name: stackScoped(`${name}-efs-replication-lag`),
          alarmDescription: `EFS ${name}: the replica in ${region} is more than ${EFS_REPLICATION_LAG_ALARM_SECONDS / 60} minutes behind (AWS states 15 for most file systems)`,
          namespace: "AWS/EFS",
          metricName: "TimeSinceLastSync",
          // EFS publishes TimeSinceLastSync per source and destination: an alarm on the source alone matches nothing.
          dimensions: { FileSystemId: this.fileSystemId, DestinationFileSystemId: replication.destination.apply((d) => d.fileSystemId ?? "") },
          statistic: "Maximum",
          period: EFS_ALARM.burstCreditPeriodSeconds,
          evaluationPeriods: 1,
          threshold: EFS_REPLICATION_LAG_ALARM_SECONDS,
          comparisonOperator: "GreaterThanThreshold",
          // Until the first sync (hours for a large file system) there is no datapoint; that is not lag.
          treatMissingData: "notBreaching",
          alarmActions: [topicArn],
          okActions: [topicArn],
        },
        { parent: this, dependsOn: [replication] },
      );
    }
  }

  /** Admits NFS from a task security group; called by the service that mounts the volume, which waits for the rule. */
  allowClient(clientName: string, securityGroupId: pulumi.Input<string>): aws.vpc.SecurityGroupIngressRule {
    return new aws.vpc.SecurityGroupIngressRule(
      `${this.volumeName}-nfs-from-${clientName}`,
      {
        securityGroupId: this.securityGroup.id,
        referencedSecurityGroupId: securityGroupId,
        ipProtocol: "tcp",
        fromPort: PORTS.nfs,
        toPort: PORTS.nfs,
        description: `NFS from ${clientName} tasks`,
      },
      this.childName(`${this.volumeName}-nfs-from-${clientName}`),
    );
  }

  /**
   * Sets the key's policy: the account administers the key (as AWS's default policy does, so it can never lock
   * itself out), and the task role of the one service that mounts the volume may use it through EFS only.
   * KMS refuses a policy naming a role IAM has not propagated yet (MalformedPolicyDocumentException); the provider
   * retries PutKeyPolicy on that error for its IAM propagation timeout (2 minutes), so a fresh role is fine.
   */
  useKeyFor(clientName: string, taskRoleArn: pulumi.Input<string>): aws.kms.KeyPolicy {
    if (this.keyPolicy) {
      throw new Error(`volume ${this.volumeName} already names its client in its key policy; one service mounts a volume`);
    }
    this.keyPolicy = new aws.kms.KeyPolicy(
      `${this.volumeName}-key`,
      {
        keyId: this.key.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            accountAdministersKey(this.accountId),
            {
              Sid: `EfsFor${clientName.replace(/[^A-Za-z0-9]/g, "")}Tasks`,
              Effect: "Allow",
              Principal: { AWS: taskRoleArn },
              Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant", "kms:DescribeKey"],
              Resource: "*",
              Condition: {
                StringEquals: { "kms:ViaService": pulumi.interpolate`elasticfilesystem.${this.region}.amazonaws.com`, "kms:CallerAccount": this.accountId },
              },
            },
          ],
        }),
      },
      this.childName(`${this.volumeName}-key`),
    );
    return this.keyPolicy;
  }

  /** IAM statement for a task role: mount and write through exactly these access points. */
  clientPolicyStatement(): pulumi.Output<aws.iam.PolicyStatement> {
    return pulumi.all([this.fileSystemArn, pulumi.all(this.mounts.map((m) => m.accessPointArn))]).apply(([fsArn, arns]) => ({
      Effect: "Allow",
      Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
      Resource: fsArn,
      Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": arns } },
    }) as aws.iam.PolicyStatement);
  }
}
