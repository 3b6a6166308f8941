import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { accountAdministersKey } from "../shared/key-policy";
import {
  ACCESS_POINT_OWNER,
  PORTS,
} from "../shared/defaults";
import { childOptions, formerNames } from "../shared/naming";
import { createReplication } from "./volume-replication";
import { createThroughputAlarm } from "./volume-alarms";
import type { RestoredFileSystem } from "./restored-file-system";
import { AccessPointSpec, WRITER_ACCESS_POINT } from "./access-point";

export { WRITER_ACCESS_POINT } from "./access-point";
export type { AccessPointSpec } from "./access-point";
export type { RestoredFileSystem, VolumeRestore } from "./restored-file-system";
export { findRestoredFileSystems } from "./restored-file-system";

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

    if (args.alarmTopicArn) createThroughputAlarm({ fileSystemId: this.fileSystemId, name, mode: args.throughputMode, topicArn: args.alarmTopicArn, options: (child) => this.childName(child) });
    if (args.replicationRegion) createReplication(this, this.fileSystemId, name, args.replicationRegion, args.alarmTopicArn);

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
