/**
 * What a Fargate service is made from (components/service/fargate-service.ts): its own file, so the building block
 * and its validation (service-validation.ts) both read it without importing each other.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Architecture, AwakeSchedule, Capacity, HealthCheckTiming, TaskSize } from "../../config";
import type { ContainerSpec } from "./container-definition";
import type { ExposedPort } from "./load-balancing";
import type { AlarmArgs } from "./service-alarms";
import type { Volume } from "../resources/volume";
import type { StackRoleScope } from "../shared/iam-scope";

export interface FargateServiceArgs {
  clusterArn: pulumi.Input<string>;
  clusterName: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  /** Private subnets the tasks run in (no public IP). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  loadBalancer: aws.lb.LoadBalancer;
  albSecurityGroupId: pulumi.Input<string>;
  /** Task CPU units and memory (MiB): a Fargate size. */
  size: TaskSize;
  architecture: Architecture;
  containers: ContainerSpec[];
  exposedPorts: ExposedPort[];
  /** EFS volumes the containers mount (through the volumes' access points). @default [] */
  volumes?: Volume[];
  /** Target-group timing shared by the stack. */
  healthCheck: HealthCheckTiming;
  /**
   * Seconds ECS ignores failing target and container health after a task starts (0 to 7200): the first start's
   * allowance where it needs more than the containers' own checks give (a model download).
   */
  healthCheckGracePeriodSeconds: number;
  /** Days the service's log group keeps its logs. */
  logRetentionDays: number;
  /**
   * `singleWriter`: exactly one task; the old task stops before the new starts (state in SQLite/JSON files).
   * `stateless`: rolling deploys and autoscaling between min and max.
   */
  scaling: { mode: "singleWriter" } | { mode: "stateless"; min: number; max: number; cpuTargetPercent?: number; requestsPerTarget?: number };
  /** Outbound from tasks: `https` (443 only) or `any` TCP (a proxy to arbitrary upstreams). @default "https" */
  egress?: "https" | "any";
  /** Allow `aws ecs execute-command`; grants the task role SSM messages only when on. @default false */
  enableExecuteCommand?: boolean;
  /** With ECS Exec: the cluster's session log group, which the task role writes. */
  execLogGroupArn?: pulumi.Input<string>;
  /** Path and permissions boundary of the task and execution roles (components/shared/iam-scope.ts). */
  roleScope: StackRoleScope;
  /** Alarms and their topic; without them the service has no alarms and no alarm rollback. */
  alarms?: AlarmArgs;
  /** On demand, Spot or a mix, through the cluster's capacity providers. @default on demand */
  capacity?: Capacity;
  /** The cluster's capacity providers: a service naming FARGATE_SPOT before they are set fails to create. */
  capacityProviders: pulumi.Resource;
  /** The private subnets' way out (NAT and routes): the first task pulls its image through it. @default [] */
  egressReady?: pulumi.Resource[];
  /** The hours the service runs; outside them it is scaled to 0. @default always awake */
  schedule?: AwakeSchedule;
}
