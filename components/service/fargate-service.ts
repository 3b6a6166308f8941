import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { HealthCheckTiming } from "../../config";
import { createAutoscaling } from "./autoscaling";
import { ON_DEMAND, capacityProviderStrategies } from "./capacity";
import { ContainerSpec, renderContainerDefinitions, scratchVolumes, withHealthCheckDefaults } from "./container-definition";
import { CONTAINER_STOP_SECONDS, DEPLOYMENT } from "../shared/defaults";
import { ContainerTiming, DeployTime, DeployTimeInputs, RollbackTimes, deployTime, rollbackTimes, serviceTimeouts } from "./deploy-time";
import { Target, createTargets } from "./load-balancing";
import { serviceLogGroupName, stackScoped } from "../shared/naming";
import { createSleepSchedule } from "./sleep-schedule";
import { AlarmArgs, RollbackAlarm, createServiceAlarms, createTargetAlarms } from "./service-alarms";
import { validateService } from "./service-validation";
import { TaskNetwork, createTaskNetwork } from "./task-network";
import { TaskRoles, createTaskRoles } from "./task-roles";
import { Volume } from "../resources/volume";

import type { FargateServiceArgs } from "./service-args";

export type { FargateServiceArgs } from "./service-args";

/** Seconds a rolling deploy of one stateless target takes at best: healthy checks in a row, then draining. */
export function rolloutBoundSeconds(
  t: Pick<HealthCheckTiming, "healthyThreshold" | "intervalSeconds" | "deregistrationDelaySeconds">,
): number {
  return t.healthyThreshold * t.intervalSeconds + t.deregistrationDelaySeconds;
}

/**
 * The building block every system is made of: a task definition with several containers, its roles, log
 * group and security group, an ECS service in private subnets, and for each exposed port a target group and
 * listener rules on the shared load balancer — with health checks, circuit breaker, rollback alarms and
 * either autoscaling (stateless) or single-writer deploys (stateful).
 *
 * The constructor is its table of contents: each step creates one concern's resources (a file of its own) and
 * returns what later steps need.
 */
export class FargateService extends pulumi.ComponentResource {
  public readonly service: aws.ecs.Service;
  public readonly taskDefinition: aws.ecs.TaskDefinition;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly executionRole: aws.iam.Role;
  public readonly taskRole: aws.iam.Role;
  public readonly targetGroups: aws.lb.TargetGroup[];
  public readonly rolloutBoundSeconds: number;
  /** The worst good deploy of this service, phase by phase; its custom timeouts are derived from it. */
  public readonly deployTime: DeployTime;
  /** What rolls a bad image of this service back, and how soon. */
  public readonly rollback: RollbackTimes;

  constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:service:FargateService", name, {}, opts);
    validateService(name, args, this);
    const volumes = args.volumes ?? [];

    this.logGroup = new aws.cloudwatch.LogGroup(name, { name: serviceLogGroupName(name), retentionInDays: args.logRetentionDays }, { parent: this });
    const network = createTaskNetwork(
      name,
      {
        vpcId: args.vpcId,
        albSecurityGroupId: args.albSecurityGroupId,
        exposedPorts: [...new Set(args.exposedPorts.map((p) => p.containerPort))],
        egress: args.egress ?? "https",
        volumes,
      },
      this,
    );
    const roles = createTaskRoles(
      name,
      { containers: args.containers, logGroupArn: this.logGroup.arn, volumes, enableExecuteCommand: args.enableExecuteCommand ?? false, execLogGroupArn: args.execLogGroupArn, roleScope: args.roleScope },
      this,
    );
    this.taskDefinition = this.createTaskDefinition(name, args, roles, volumes);
    const targets = createTargets(name, { exposedPorts: args.exposedPorts, vpcId: args.vpcId, healthCheck: args.healthCheck }, this);
    const rollbackAlarms = args.alarms ? this.createTargetAlarms(targets, args, args.alarms) : [];
    const timing = deployTimeInputs(args, targets, rollbackAlarms);
    this.deployTime = deployTime(timing);
    this.rollback = rollbackTimes(timing, this.deployTime);
    this.service = this.createService(name, args, {
      network,
      targets,
      rollbackAlarms,
      prerequisites: [...firstTaskNeeds(targets, network, volumes, roles), args.capacityProviders, ...(args.egressReady ?? [])],
    });
    const awake = args.scaling.mode === "stateless" ? { min: args.scaling.min, max: args.scaling.max } : { min: 1, max: 1 };
    if (args.scaling.mode === "stateless") {
      const first = targets[0];
      const target = createAutoscaling(
        name,
        {
          clusterName: args.clusterName,
          service: this.service,
          ...args.scaling,
          requests: first ? { loadBalancer: args.loadBalancer, targetGroup: first.targetGroup } : undefined,
          scheduled: Boolean(args.schedule),
        },
        this,
      );
      if (args.schedule) createSleepSchedule(name, { target, schedule: args.schedule, awake }, this);
    } else if (args.schedule) {
      // A single writer has no autoscaling, only the schedule: a target of 0 to 1 tasks, which the schedule
      // pins to 1 in the morning and to 0 at night.
      const target = new aws.appautoscaling.Target(
        name,
        {
          serviceNamespace: "ecs",
          scalableDimension: "ecs:service:DesiredCount",
          resourceId: pulumi.interpolate`service/${args.clusterName}/${this.service.name}`,
          minCapacity: 0,
          maxCapacity: 1,
        },
        { parent: this, ignoreChanges: ["minCapacity", "maxCapacity"] },
      );
      createSleepSchedule(name, { target, schedule: args.schedule, awake }, this);
    }
    if (args.alarms) {
      createServiceAlarms(
        name,
        {
          alarms: args.alarms,
          clusterName: args.clusterName,
          service: this.service,
          minimumTasks: floorTasks(args.scaling),
          // A stateless service keeps its old tasks until the new ones are healthy: only a start's grace is short.
          startSeconds: this.deployTime.restartSeconds ?? args.healthCheckGracePeriodSeconds,
          sleeps: Boolean(args.schedule),
        },
        this,
      );
    }

    this.securityGroup = network.securityGroup;
    this.executionRole = roles.executionRole;
    this.taskRole = roles.taskRole;
    this.targetGroups = targets.map((t) => t.targetGroup);
    this.rolloutBoundSeconds = rolloutBoundSeconds(args.healthCheck);
    // What the plan reads about the service without working it out from the resources again.
    this.registerOutputs({
      serviceName: this.service.name,
      logGroupName: this.logGroup.name,
      deployTime: this.deployTime,
      rollback: this.rollback,
      healthChecks: Object.fromEntries(args.containers.map((c) => [c.name, c.healthCheck.summary ?? `\`${c.healthCheck.command.join(" ")}\``])),
    });
  }

  private createTaskDefinition(name: string, args: FargateServiceArgs, roles: TaskRoles, volumes: Volume[]): aws.ecs.TaskDefinition {
    const region = aws.getRegionOutput({}, { parent: this }).region;
    return new aws.ecs.TaskDefinition(
      name,
      {
        family: stackScoped(name),
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.size.cpu),
        memory: String(args.size.memory),
        runtimePlatform: { cpuArchitecture: args.architecture, operatingSystemFamily: "LINUX" },
        executionRoleArn: roles.executionRole.arn,
        taskRoleArn: roles.taskRole.arn,
        containerDefinitions: renderContainerDefinitions(
          args.containers,
          { logGroupName: this.logGroup.name, region },
          { readonlyRootFilesystem: !(args.enableExecuteCommand ?? false) },
        ),
        volumes: [
          ...volumes
            .flatMap((v) => v.mounts)
            .map((m) => ({
              name: m.name,
              efsVolumeConfiguration: {
                fileSystemId: m.fileSystemId,
                transitEncryption: "ENABLED",
                authorizationConfig: { accessPointId: m.accessPointId, iam: "ENABLED" },
              },
            })),
          // A volume with no host or EFS configuration is, on Fargate, an empty directory in the task's ephemeral
          // storage: the writable paths under a read-only root file system.
          ...scratchVolumes(args.containers),
        ],
      },
      { parent: this },
    );
  }

  /** Each target group's alarms; returns the ones that roll a deployment back. */
  private createTargetAlarms(targets: Target[], args: FargateServiceArgs, alarms: AlarmArgs): RollbackAlarm[] {
    return targets.map((target) =>
      createTargetAlarms(target, { alarms, loadBalancer: args.loadBalancer, gracePeriodSeconds: args.healthCheckGracePeriodSeconds }, this),
    );
  }

  private createService(
    name: string,
    args: FargateServiceArgs,
    steps: { network: TaskNetwork; targets: Target[]; rollbackAlarms: RollbackAlarm[]; prerequisites: pulumi.Resource[] },
  ): aws.ecs.Service {
    const deployment = args.scaling.mode === "singleWriter" ? DEPLOYMENT.singleWriter : DEPLOYMENT.rolling;
    const { targets, rollbackAlarms } = steps;
    return new aws.ecs.Service(
      name,
      {
        cluster: args.clusterArn,
        taskDefinition: this.taskDefinition.arn,
        // No launchType: see components/service/capacity.ts.
        capacityProviderStrategies: capacityProviderStrategies(args.capacity ?? ON_DEMAND),
        // ECS moves a service onto another capacity strategy only with a new deployment, and the provider refuses
        // to plan a strategy change without this. Every other update of the service deploys anyway (a new task
        // definition) or is one we accept redeploying for (settings of the service itself).
        forceNewDeployment: true,
        platformVersion: "LATEST",
        desiredCount: floorTasks(args.scaling),
        deploymentMinimumHealthyPercent: deployment.minimumHealthyPercent,
        deploymentMaximumPercent: deployment.maximumPercent,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: rollbackAlarms.length ? { alarmNames: rollbackAlarms.map((a) => a.alarm.name), enable: true, rollback: true } : undefined,
        healthCheckGracePeriodSeconds: targets.length ? args.healthCheckGracePeriodSeconds : undefined,
        loadBalancers: targets.map((t) => ({ targetGroupArn: t.targetGroup.arn, containerName: t.port.containerName, containerPort: t.port.containerPort })),
        networkConfiguration: { subnets: args.subnetIds, securityGroups: [steps.network.securityGroup.id], assignPublicIp: false },
        enableExecuteCommand: args.enableExecuteCommand ?? false,
        propagateTags: "SERVICE",
        // `pulumi up` fails when the new tasks never become healthy instead of reporting success.
        waitForSteadyState: true,
      },
      {
        parent: this,
        dependsOn: steps.prerequisites,
        customTimeouts: serviceTimeouts(this.deployTime),
        // Autoscaling or the sleep schedule owns the running count after creation.
        ignoreChanges: args.scaling.mode === "stateless" || args.schedule ? ["desiredCount"] : [],
      },
    );
  }
}

/**
 * What the first task needs before it starts. The engine creates a resource as soon as what it references
 * exists, and the service references none of these: without the wait, CreateService fails on a target group no
 * listener rule attaches yet, and the first tasks fail on mount targets that are still creating, missing NFS or
 * egress rules, or role policies that do not exist yet, until the circuit breaker fails a first deployment that
 * has nothing to roll back to.
 */
function firstTaskNeeds(targets: Target[], network: TaskNetwork, volumes: Volume[], roles: TaskRoles): pulumi.Resource[] {
  return [
    ...targets.flatMap((t) => t.rules),
    ...network.rules,
    ...volumes.flatMap((v): pulumi.Resource[] => [...v.mountTargets, v.fileSystemPolicy]),
    ...roles.policies,
    ...roles.keyPolicies,
  ];
}

/** Tasks the service runs at least: a single writer's one, or a stateless service's autoscaling floor. */
function floorTasks(scaling: FargateServiceArgs["scaling"]): number {
  return scaling.mode === "stateless" ? scaling.min : 1;
}

/** What the deploy-time bound and the rollback times are computed from: the service's own settings. */
function deployTimeInputs(args: FargateServiceArgs, targets: Target[], rollbackAlarms: RollbackAlarm[]): DeployTimeInputs {
  return {
    containers: args.containers.map(containerTiming),
    gracePeriodSeconds: targets.length ? args.healthCheckGracePeriodSeconds : 0,
    targets: targets.length ? args.healthCheck : undefined,
    bakeSeconds: Math.max(0, ...rollbackAlarms.map((a) => a.windowSeconds)),
    stopSeconds: CONTAINER_STOP_SECONDS,
    singleWriter: args.scaling.mode === "singleWriter",
    desiredCount: floorTasks(args.scaling),
  };
}

/** A container's health-check timing with the defaults applied, for the deploy-time bound. */
function containerTiming(c: ContainerSpec): ContainerTiming {
  return {
    name: c.name,
    ...withHealthCheckDefaults(c.healthCheck),
    waitsForHealthy: (c.dependsOn ?? []).filter((d) => d.condition === "HEALTHY").map((d) => d.containerName),
  };
}
