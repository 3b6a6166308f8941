/**
 * Proof that the backups restore: every day an AWS Backup restore testing plan restores the newest recovery point of
 * each file system into a new file system, and a Step Functions workflow checks it before AWS Backup deletes it:
 * a mount target in a private subnet, a one-off Fargate task of the check image (dockerfiles/writer/restore-check:
 * SQLite `PRAGMA integrity_check`, tenants.json parses, the nightly snapshots are there and recent) with the restored
 * file system mounted read-only, the verdict reported to AWS Backup (PutRestoreValidationResult), the mount target
 * removed. A failed check, or a workflow that fails, raises an alarm; so do two days without a passing check.
 *
 * The workflow registers the check's task definition per run: a task definition names its file system, and the
 * restored one exists only for the run. Everything else in it is fixed here.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { Architecture } from "../../config";
import { BACKUP_SCHEDULE, PORTS, RESTORE_TEST } from "../shared/defaults";
import { DOCKERFILES_DIR, Image, ImageArgs, WRITER_INFRA_DIR } from "../resources/image";
import { serviceLogGroupName, stackScoped } from "../shared/naming";
import { Volume } from "../resources/volume";
import { StackRoleScope, trustedBy } from "../shared/iam-scope";
import { checkWorkflow, restoreCompletedPattern } from "./restore-check-workflow";

export interface RestoreTestArgs {
  /** The vault whose recovery points are restored. */
  vaultArn: pulumi.Input<string>;
  /** The role AWS Backup restores as. */
  backupRoleArn: pulumi.Input<string>;
  /** The volumes whose file systems are restored, and whose snapshots the check expects. */
  volumes: Volume[];
  /** The oldest a snapshot may be when it is checked, in hours (components/systems/single-writer.ts, maxSnapshotAgeHours). */
  maxSnapshotAgeHours: number;
  vpcId: pulumi.Input<string>;
  /** Private subnets: the check's mount target and task go into the first. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  clusterArn: pulumi.Input<string>;
  /** How the check's image is built and kept (the stack's image settings). */
  image: Pick<ImageArgs, "architecture" | "keepImages" | "missingContext" | "protectState">;
  architecture: Architecture;
  logRetentionDays: number;
  alarmTopicArn: pulumi.Input<string>;
  /** Path and permissions boundary of its roles. */
  roleScope: StackRoleScope;
}

const POLICY_VERSION = "2012-10-17";

export class RestoreTest extends pulumi.ComponentResource {
  public readonly plan: aws.backup.RestoreTestingPlan;
  public readonly stateMachine: aws.sfn.StateMachine;
  public readonly image: Image;

  constructor(name: string, args: RestoreTestArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:backup:RestoreTest", name, {}, opts);
    const parent = { parent: this };
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const region = aws.getRegionOutput({}, parent).region;
    const subnet = pulumi.output(args.subnetIds).apply((ids) => ids[0]);

    this.image = new Image(
      `${name}-check`,
      { ...args.image, contextPath: DOCKERFILES_DIR, dockerfile: "restore-check.Dockerfile", sourceDirs: [], infraDirs: [WRITER_INFRA_DIR] },
      parent,
    );
    const logGroup = new aws.cloudwatch.LogGroup(name, { name: serviceLogGroupName(name), retentionInDays: args.logRetentionDays }, parent);

    const { tasks, efs } = this.createSecurityGroups(name, args.vpcId);

    const assume = (service: string) => pulumi.jsonStringify(trustedBy(service, account));
    const { executionRole, taskRole } = this.createTaskRoles(name, { args, assume, logGroup, region, account });

    const family = stackScoped(name);
    const definition = checkWorkflow({
      family,
      subnet,
      clusterArn: args.clusterArn,
      tasksSecurityGroup: tasks.id,
      efsSecurityGroup: efs.id,
      imageRef: this.image.imageRef,
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      logGroup: logGroup.name,
      region,
      architecture: args.architecture,
      environment: {
        EXPECTED_SNAPSHOTS: args.volumes.flatMap((v) => v.snapshotted.map((n) => `${v.root.replace(/^\//, "")}/${n}`)).join(" "),
        REQUIRED_FILES: args.volumes.flatMap((v) => v.restoreRequires).join(" "),
        MAX_SNAPSHOT_AGE_HOURS: String(args.maxSnapshotAgeHours),
      },
    });

    const { workflowRole, workflowPolicy } = this.createWorkflowRole(name, { args, assume, region, account, family, taskRoles: [executionRole, taskRole] });
    this.stateMachine = new aws.sfn.StateMachine(
      name,
      { roleArn: workflowRole.arn, definition: pulumi.jsonStringify(definition), type: "STANDARD" },
      { parent: this, dependsOn: [workflowPolicy] },
    );

    // Names of restore testing plans and selections are letters, digits and underscores only.
    this.plan = new aws.backup.RestoreTestingPlan(
      name,
      {
        name: stackScoped(name).replace(/[^A-Za-z0-9]/g, "_"),
        scheduleExpression: BACKUP_SCHEDULE.restoreTest,
        startWindowHours: BACKUP_SCHEDULE.restoreTestStartWindowHours,
        recoveryPointSelection: { algorithm: "LATEST_WITHIN_WINDOW", includeVaults: [args.vaultArn], recoveryPointTypes: ["SNAPSHOT"], selectionWindowDays: 1 },
      },
      parent,
    );
    new aws.backup.RestoreTestingSelection(
      name,
      {
        name: "file_systems",
        restoreTestingPlanName: this.plan.name,
        protectedResourceType: "EFS",
        protectedResourceArns: args.volumes.flatMap((v) => v.fileSystemArns),
        iamRoleArn: args.backupRoleArn,
        validationWindowHours: BACKUP_SCHEDULE.restoreTestValidationHours,
      },
      parent,
    );

    // Every restore this plan makes that completes starts the check.
    const completed = new aws.cloudwatch.EventRule(
      `${name}-completed`,
      { description: `${name}: a restore test's restore completed; check it`, eventPattern: pulumi.jsonStringify(restoreCompletedPattern(this.plan.arn)) },
      parent,
    );
    const eventsRole = new aws.iam.Role(`${name}-events`, { ...args.roleScope, assumeRolePolicy: assume("events.amazonaws.com") }, parent);
    new aws.iam.RolePolicy(
      `${name}-events`,
      { role: eventsRole.id, policy: pulumi.jsonStringify({ Version: POLICY_VERSION, Statement: [{ Effect: "Allow", Action: "states:StartExecution", Resource: this.stateMachine.arn }] }) },
      parent,
    );
    new aws.cloudwatch.EventTarget(`${name}-completed`, { rule: completed.name, arn: this.stateMachine.arn, roleArn: eventsRole.arn }, parent);

    // A failed check ends its execution failed; one that timed out or was stopped is no verdict either.
    this.createFailureAlarm(name, args.alarmTopicArn);

    this.registerOutputs({ planName: this.plan.name, stateMachineArn: this.stateMachine.arn });
  }

  /** The alarm of a check that failed, timed out or was aborted. */
  private createFailureAlarm(name: string, alarmTopicArn: pulumi.Input<string>): void {
    const parent = { parent: this };
    const metric = (metricName: string) => ({ namespace: "AWS/States", metricName, dimensions: { StateMachineArn: this.stateMachine.arn }, stat: "Sum", period: RESTORE_TEST.failedPeriodSeconds });
    new aws.cloudwatch.MetricAlarm(
      `${name}-failed`,
      {
        name: stackScoped(`${name}-failed`),
        alarmDescription: `${name}: a restored recovery point failed its check, or the check could not run; the verdict is on the restore job (AWS Backup console, restore testing) and the check's findings are in ${serviceLogGroupName(name)}`,
        metricQueries: [
          ...RESTORE_TEST.failureMetrics.map((m, i) => ({ id: `m${i}`, metric: metric(m) })),
          { id: "failures", expression: RESTORE_TEST.failureMetrics.map((_, i) => `FILL(m${i}, 0)`).join(" + "), label: "Restore checks without a passing verdict", returnData: true },
        ],
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [alarmTopicArn],
        okActions: [alarmTopicArn],
      },
      parent,
    );
  }

  /** The workflow's role: mount and unmount the restored copy, run the check's family, report the verdict. */
  private createWorkflowRole(
    name: string,
    { args, assume, region, account, family, taskRoles }: {
      args: RestoreTestArgs;
      assume: (service: string) => pulumi.Output<string>;
      region: pulumi.Output<string>;
      account: pulumi.Output<string>;
      family: string;
      taskRoles: aws.iam.Role[];
    },
  ) {
    const parent = { parent: this };
    const workflowRole = new aws.iam.Role(`${name}-workflow`, { ...args.roleScope, assumeRolePolicy: assume("states.amazonaws.com") }, parent);
    const workflowPolicy = new aws.iam.RolePolicy(
      `${name}-workflow`,
      {
        role: workflowRole.id,
        policy: pulumi.jsonStringify({
          Version: POLICY_VERSION,
          Statement: [
            {
              Sid: "MountTheRestoredFileSystem",
              Effect: "Allow",
              Action: ["elasticfilesystem:CreateMountTarget", "elasticfilesystem:DescribeMountTargets", "elasticfilesystem:DeleteMountTarget"],
              Resource: pulumi.interpolate`arn:aws:elasticfilesystem:${region}:${account}:file-system/*`,
            },
            // What CreateMountTarget needs of EC2 from its caller (EFS API reference).
            { Sid: "MountTargetNetwork", Effect: "Allow", Action: ["ec2:DescribeSubnets", "ec2:DescribeNetworkInterfaces", "ec2:CreateNetworkInterface"], Resource: "*" },
            // A task definition's ARN is not known before it is registered: the family bounds what may run.
            { Sid: "RegisterTheCheck", Effect: "Allow", Action: ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition"], Resource: "*" },
            {
              Sid: "RunTheCheck",
              Effect: "Allow",
              Action: "ecs:RunTask",
              Resource: pulumi.interpolate`arn:aws:ecs:${region}:${account}:task-definition/${family}:*`,
            },
            { Sid: "WatchTheCheck", Effect: "Allow", Action: ["ecs:StopTask", "ecs:DescribeTasks"], Resource: "*" },
            { Sid: "PassTheCheckRoles", Effect: "Allow", Action: "iam:PassRole", Resource: taskRoles.map((r) => r.arn) },
            // The rule through which Step Functions waits for a task (`ecs:runTask.sync`).
            {
              Sid: "TaskEvents",
              Effect: "Allow",
              Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
              Resource: pulumi.interpolate`arn:aws:events:${region}:${account}:rule/StepFunctionsGetEventsForECSTaskRule`,
            },
            { Sid: "ReportTheVerdict", Effect: "Allow", Action: "backup:PutRestoreValidationResult", Resource: "*" },
          ],
        }),
      },
      parent,
    );
    return { workflowRole, workflowPolicy };
  }

  /** The check's task and the restored file system's mount target: NFS between them, HTTPS out (ECR, logs). */
  private createSecurityGroups(name: string, vpcId: pulumi.Input<string>) {
    const parent = { parent: this };
    const tasks = new aws.ec2.SecurityGroup(`${name}-tasks`, { vpcId: vpcId, description: `${name}: the restore check task`, tags: { Name: `${name}-tasks` } }, parent);
    const efs = new aws.ec2.SecurityGroup(`${name}-efs`, { vpcId: vpcId, description: `${name}: NFS from the restore check task only`, egress: [], tags: { Name: `${name}-efs` } }, parent);
    new aws.vpc.SecurityGroupIngressRule(`${name}-nfs-in`, { securityGroupId: efs.id, referencedSecurityGroupId: tasks.id, ipProtocol: "tcp", fromPort: PORTS.nfs, toPort: PORTS.nfs, description: "NFS from the restore check" }, parent);
    new aws.vpc.SecurityGroupEgressRule(`${name}-nfs-out`, { securityGroupId: tasks.id, referencedSecurityGroupId: efs.id, ipProtocol: "tcp", fromPort: PORTS.nfs, toPort: PORTS.nfs, description: "NFS to the restored file system" }, parent);
    new aws.vpc.SecurityGroupEgressRule(`${name}-https-out`, { securityGroupId: tasks.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: PORTS.https, toPort: PORTS.https, description: "HTTPS: ECR and CloudWatch Logs" }, parent);
    return { tasks, efs };
  }

  /** The check task's roles: ECS pulls its image and writes its log; the check mounts the restored copy, never writes. */
  private createTaskRoles(
    name: string,
    { args, assume, logGroup, region, account }: {
      args: RestoreTestArgs;
      assume: (service: string) => pulumi.Output<string>;
      logGroup: aws.cloudwatch.LogGroup;
      region: pulumi.Output<string>;
      account: pulumi.Output<string>;
    },
  ) {
    const parent = { parent: this };
    const executionRole = new aws.iam.Role(`${name}-execution`, { ...args.roleScope, assumeRolePolicy: assume("ecs-tasks.amazonaws.com") }, parent);
    new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: executionRole.id,
        policy: pulumi.jsonStringify({
          Version: POLICY_VERSION,
          Statement: [
            { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            { Sid: "EcrPull", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], Resource: this.image.repository.arn },
            { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroup.arn}:*` },
          ],
        }),
      },
      parent,
    );
    const taskRole = new aws.iam.Role(`${name}-task`, { ...args.roleScope, assumeRolePolicy: assume("ecs-tasks.amazonaws.com") }, parent);
    new aws.iam.RolePolicy(
      `${name}-task`,
      {
        role: taskRole.id,
        policy: pulumi.jsonStringify({
          Version: POLICY_VERSION,
          Statement: [{ Sid: "MountRestored", Effect: "Allow", Action: "elasticfilesystem:ClientMount", Resource: pulumi.interpolate`arn:aws:elasticfilesystem:${region}:${account}:file-system/*` }],
        }),
      },
      parent,
    );
    return { executionRole, taskRole };
  }
}

export { checkWorkflow, restoreCompletedPattern } from "./restore-check-workflow";
