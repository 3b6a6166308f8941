/**
 * The restore test's check as a Step Functions workflow (components/platform/restore-test.ts runs it): mount the
 * restored file system, run the check task against it, clean up, and report the verdict to AWS Backup.
 */
import * as pulumi from "@pulumi/pulumi";
import { Architecture } from "../../config";
import { RESTORE_TEST } from "../shared/defaults";

/** The restored file system's mount point in the check's container. */
export const MOUNT = "/mnt/restored";

/** The event of a restore job this restore testing plan started, completed. */
export function restoreCompletedPattern(planArn: pulumi.Input<string>): Record<string, unknown> {
  return {
    source: ["aws.backup"],
    "detail-type": ["Restore Job State Change"],
    detail: { status: ["COMPLETED"], restoreTestingPlanArn: [planArn] },
  };
}

interface WorkflowArgs {
  family: string;
  subnet: pulumi.Output<string>;
  clusterArn: pulumi.Input<string>;
  tasksSecurityGroup: pulumi.Input<string>;
  efsSecurityGroup: pulumi.Input<string>;
  imageRef: pulumi.Input<string>;
  executionRoleArn: pulumi.Input<string>;
  taskRoleArn: pulumi.Input<string>;
  logGroup: pulumi.Input<string>;
  region: pulumi.Input<string>;
  architecture: Architecture;
  environment: Record<string, string>;
}

const sdk = (service: string, action: string) => `arn:aws:states:::aws-sdk:${service}:${action}`;
/** A state's errors go to the failure path with what went wrong in `$.error`. */
const toFailure = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Failed with an error" }];
/** A cleanup step goes on whatever it meets: the verdict is already decided. */
const onward = (next: string) => [{ ErrorEquals: ["States.ALL"], ResultPath: null, Next: next }];

/**
 * The check, as Amazon States Language: mount, register, run, judge, clean up, report. Cleanup always runs once a
 * mount target exists, and the verdict always reaches AWS Backup; a failed verdict ends the execution failed.
 */
export function checkWorkflow(a: WorkflowArgs): Record<string, unknown> {
  return {
    Comment: "Checks a file system the restore testing plan restored, and reports the verdict to AWS Backup",
    StartAt: "Read the restore",
    States: { ...mountStates(a), ...checkStates(a), ...cleanupStates(), ...verdictStates() },
  };
}

/** Reads the restore job and mounts the restored file system in the check's subnet, waiting until it is available. */
function mountStates(a: WorkflowArgs): Record<string, unknown> {
  return {
    "Read the restore": {
      Type: "Pass",
      Parameters: {
        "restoreJobId.$": "$.detail.restoreJobId",
        "fileSystemId.$": "States.ArrayGetItem(States.StringSplit($.detail.createdResourceArn, '/'), 1)",
      },
      ResultPath: "$.restore",
      Next: "Mount the restored file system",
    },
    "Mount the restored file system": {
      Type: "Task",
      Resource: sdk("efs", "createMountTarget"),
      Parameters: { "FileSystemId.$": "$.restore.fileSystemId", SubnetId: a.subnet, SecurityGroups: [a.efsSecurityGroup] },
      ResultSelector: { "mountTargetId.$": "$.MountTargetId" },
      ResultPath: "$.mount",
      // A just-restored file system may still be settling.
      Retry: [{ ErrorEquals: ["Efs.IncorrectFileSystemLifeCycleStateException"], IntervalSeconds: 15, MaxAttempts: 8, BackoffRate: 1.5 }],
      Catch: toFailure,
      Next: "Wait for the mount target",
    },
    "Wait for the mount target": { Type: "Wait", Seconds: RESTORE_TEST.pollSeconds, Next: "Read the mount target" },
    "Read the mount target": {
      Type: "Task",
      Resource: sdk("efs", "describeMountTargets"),
      Parameters: { "MountTargetId.$": "$.mount.mountTargetId" },
      ResultSelector: { "state.$": "$.MountTargets[0].LifeCycleState" },
      ResultPath: "$.mountState",
      Catch: toFailure,
      Next: "Mount target available?",
    },
    "Mount target available?": {
      Type: "Choice",
      Choices: [
        { Variable: "$.mountState.state", StringEquals: "available", Next: "Register the check" },
        { Variable: "$.mountState.state", StringEquals: "creating", Next: "Wait for the mount target" },
      ],
      Default: "Failed with an error",
    },
  };
}

/** Registers the check's task definition and runs it against the restored file system; any error is a failed check. */
function checkStates(a: WorkflowArgs): Record<string, unknown> {
  return {
    "Register the check": {
      Type: "Task",
      Resource: sdk("ecs", "registerTaskDefinition"),
      Parameters: {
        Family: a.family,
        RequiresCompatibilities: ["FARGATE"],
        NetworkMode: "awsvpc",
        Cpu: String(RESTORE_TEST.cpu),
        Memory: String(RESTORE_TEST.memory),
        RuntimePlatform: { CpuArchitecture: a.architecture, OperatingSystemFamily: "LINUX" },
        ExecutionRoleArn: a.executionRoleArn,
        TaskRoleArn: a.taskRoleArn,
        ContainerDefinitions: [
          {
            Name: "restore-check",
            Image: a.imageRef,
            Essential: true,
            Command: [MOUNT],
            Environment: Object.entries(a.environment).map(([Name, Value]) => ({ Name, Value })),
            MountPoints: [{ SourceVolume: "restored", ContainerPath: MOUNT, ReadOnly: true }],
            User: "1000:1000",
            ReadonlyRootFilesystem: true,
            LinuxParameters: { Capabilities: { Drop: ["ALL"] } },
            LogConfiguration: { LogDriver: "awslogs", Options: { "awslogs-group": a.logGroup, "awslogs-region": a.region, "awslogs-stream-prefix": "restore-check" } },
          },
        ],
        Volumes: [
          {
            Name: "restored",
            EfsVolumeConfiguration: { "FileSystemId.$": "$.restore.fileSystemId", TransitEncryption: "ENABLED", AuthorizationConfig: { Iam: "ENABLED" } },
          },
        ],
      },
      ResultSelector: { "taskDefinitionArn.$": "$.TaskDefinition.TaskDefinitionArn" },
      ResultPath: "$.check",
      Catch: toFailure,
      Next: "Run the check",
    },
    "Run the check": {
      Type: "Task",
      Resource: "arn:aws:states:::ecs:runTask.sync",
      Parameters: {
        Cluster: a.clusterArn,
        "TaskDefinition.$": "$.check.taskDefinitionArn",
        LaunchType: "FARGATE",
        NetworkConfiguration: { AwsvpcConfiguration: { Subnets: [a.subnet], SecurityGroups: [a.tasksSecurityGroup], AssignPublicIp: "DISABLED" } },
      },
      ResultSelector: { "exitCode.$": "$.Containers[0].ExitCode" },
      ResultPath: "$.result",
      TimeoutSeconds: RESTORE_TEST.checkTimeoutSeconds,
      Catch: toFailure,
      Next: "Passed?",
    },
    "Passed?": {
      Type: "Choice",
      Choices: [{ Variable: "$.result.exitCode", NumericEquals: 0, Next: "Passed" }],
      Default: "Failed the check",
    },
    Passed: {
      Type: "Pass",
      Parameters: { status: "SUCCESSFUL", message: "restore-check passed: SQLite databases whole, JSON parses, snapshots recent" },
      ResultPath: "$.verdict",
      Next: "Deregister the check",
    },
    "Failed the check": {
      Type: "Pass",
      Parameters: { status: "FAILED", "message.$": `States.Format('restore-check exited {}; its findings are in the log group ${a.logGroup}', $.result.exitCode)` },
      ResultPath: "$.verdict",
      Next: "Deregister the check",
    },
    "Failed with an error": {
      Type: "Pass",
      Parameters: { status: "FAILED", "message.$": "States.Format('the check could not run: {}', $.error.Error)" },
      ResultPath: "$.verdict",
      Next: "Registered?",
    },
  };
}

/** Deregisters the check and removes the mount target, whatever the check found. */
function cleanupStates(): Record<string, unknown> {
  return {
    "Registered?": {
      Type: "Choice",
      Choices: [{ Variable: "$.check.taskDefinitionArn", IsPresent: true, Next: "Deregister the check" }],
      Default: "Mounted?",
    },
    "Deregister the check": {
      Type: "Task",
      Resource: sdk("ecs", "deregisterTaskDefinition"),
      Parameters: { "TaskDefinition.$": "$.check.taskDefinitionArn" },
      ResultPath: null,
      Catch: onward("Mounted?"),
      Next: "Mounted?",
    },
    "Mounted?": {
      Type: "Choice",
      Choices: [{ Variable: "$.mount.mountTargetId", IsPresent: true, Next: "Remove the mount target" }],
      Default: "Report the verdict",
    },
    // AWS Backup deletes the restored file system once the verdict is in; EFS refuses while a mount target exists.
    "Remove the mount target": {
      Type: "Task",
      Resource: sdk("efs", "deleteMountTarget"),
      Parameters: { "MountTargetId.$": "$.mount.mountTargetId" },
      ResultPath: null,
      Catch: onward("Report the verdict"),
      Next: "Wait for the removal",
    },
    "Wait for the removal": { Type: "Wait", Seconds: RESTORE_TEST.pollSeconds, Next: "Read the mount targets" },
    "Read the mount targets": {
      Type: "Task",
      Resource: sdk("efs", "describeMountTargets"),
      Parameters: { "FileSystemId.$": "$.restore.fileSystemId" },
      ResultSelector: { "count.$": "States.ArrayLength($.MountTargets)" },
      ResultPath: "$.remaining",
      Catch: onward("Report the verdict"),
      Next: "Removed?",
    },
    "Removed?": {
      Type: "Choice",
      Choices: [{ Variable: "$.remaining.count", NumericEquals: 0, Next: "Report the verdict" }],
      Default: "Wait for the removal",
    },
  };
}

/** Reports the verdict to AWS Backup, and fails the execution when the recovery point failed its check. */
function verdictStates(): Record<string, unknown> {
  return {
    "Report the verdict": {
      Type: "Task",
      Resource: sdk("backup", "putRestoreValidationResult"),
      Parameters: { "RestoreJobId.$": "$.restore.restoreJobId", "ValidationStatus.$": "$.verdict.status", "ValidationStatusMessage.$": "$.verdict.message" },
      ResultPath: null,
      // A restore an operator made (the runbook checks one before adopting it) takes no verdict: the check's own
      // outcome still decides how the execution ends.
      Catch: onward("Successful?"),
      Next: "Successful?",
    },
    "Successful?": {
      Type: "Choice",
      Choices: [{ Variable: "$.verdict.status", StringEquals: "SUCCESSFUL", Next: "Restorable" }],
      Default: "Not restorable",
    },
    Restorable: { Type: "Succeed" },
    "Not restorable": { Type: "Fail", Error: "RestoreCheckFailed", Cause: "The restored recovery point failed its check; see the verdict on the restore job" },
  };
}
