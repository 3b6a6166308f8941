/**
 * A volume's replica in another region (efsReplicationRegion), its key there and its lag alarm.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { EFS_ALARM, EFS_REPLICATION_LAG_ALARM_SECONDS } from "../shared/defaults";
import { stackScoped } from "../shared/naming";

/**
 * A read-only replica of the file system in use, in another region, on a key of its own there. AWS states an
 * RPO of 15 minutes for most file systems; the replica is not point-in-time consistent across files, so SQLite
 * databases may need the last backup instead. Deleting the replication leaves the replica as a writable file
 * system of its own (and its key), which `pulumi destroy` does not remove.
 */
export function createReplication(
parent: pulumi.Resource,
fileSystemId: pulumi.Input<string>,
name: string,
region: string,
topicArn?: pulumi.Input<string>,
): void {
  const key = new aws.kms.Key(
    `${name}-replica`,
    { region, description: `EFS ${name}: replica in ${region}`, enableKeyRotation: true, deletionWindowInDays: 30 },
    // The replica outlives the replication (and the stack): so must the key that reads it. Retained, not
    // protected: a new efsReplicationRegion replaces the key (region is ForceNew), which `protect` would refuse.
    { parent, retainOnDelete: true },
  );
  // Not protected: adopting a restored file system or moving the replica replaces the replication (source and
  // region are ForceNew), and deleting one loses nothing (the replica stays, writable, with its retained key).
  // Deleted before its replacement is made: EFS holds one replication configuration per source file system and
  // refuses a second (ReplicationAlreadyExists), and the provider would otherwise create the new one first.
  const replication = new aws.efs.ReplicationConfiguration(
    name,
    { sourceFileSystemId: fileSystemId, destination: { region, kmsKeyId: key.arn } },
    { parent, deleteBeforeReplace: true },
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
        dimensions: { FileSystemId: fileSystemId, DestinationFileSystemId: replication.destination.apply((d) => d.fileSystemId ?? "") },
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
      { parent, dependsOn: [replication] },
    );
  }
}
