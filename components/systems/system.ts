import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../config";
import { FargateService, FargateServiceArgs } from "../service/fargate-service";
import { Image, ImageArgs, ImageSource } from "../resources/image";
import { Network } from "../platform/network";
import { StackRoleScope } from "../shared/iam-scope";
import { OperatorSecretRef, OperatorSecretSpec } from "../resources/operator-secrets";
import { Platform } from "../platform/platform";
import { Secret } from "../resources/secret";
import { AlarmArgs } from "../service/service-alarms";
import { RestoredFileSystem, Volume, VolumeArgs, VolumeRestore } from "../resources/volume";
import { ConfigKeyName } from "../../config-schema";

/** What every system (gateway, security stack, console) is built on. */
export interface SystemArgs {
  config: StackConfig;
  network: Network;
  platform: Platform;
  /** Private subnets in use (EFS mount targets are one per subnet, known at plan time). */
  subnetCount: number;
  /** Where every alarm goes and its thresholds. */
  alarms: AlarmArgs;
  /** Path and permissions boundary of every role the system creates. */
  roleScope: StackRoleScope;
  /** The operator secrets the enabled systems declared, found in Secrets Manager, by key. */
  operatorSecrets: Readonly<Record<string, OperatorSecretRef>>;
  /** The restored file systems the enabled systems' config names, found in the account, by id. */
  restoredFileSystems: Readonly<Record<string, RestoredFileSystem>>;
}

/** A public endpoint a system asks the platform for; its URL is a stack output. */
export interface SystemEndpoint {
  /** Short stable name, used in resource names. @example "api" */
  name: string;
  /** Host label under the domain. @example "api" → api.example.com */
  subdomain: string;
  /** Without a domain: the ALB port the endpoint listens on, from the stack config. */
  listenerPort(config: StackConfig): number;
  /** The stack output carrying the endpoint's public URL. @example "apiUrl" */
  output: string;
  /**
   * Path prefixes of this endpoint that only some networks may call (an API without authentication): the web
   * firewall blocks them for everyone else in every spelling, and the service's listener rules answer 403.
   */
  restrictedPaths?: { name: string; pathPrefix: string; allowCidrs(config: StackConfig): string[] }[];
}

/** What a built system exposes to the stack: the outputs contract, the dashboard and the plan read this. */
export interface SystemSurface {
  image: Image;
  service: FargateService;
  volume?: Volume;
  /** A single writer's metrics counted from its log (namespace SINGLE_WRITER_ALARM.namespace), for the dashboard. */
  writerMetrics?: string[];
  /** Secrets by their key in the `secretArns` output. @example { gatewayGeminiApiKey: ... } */
  secrets: Record<string, Secret>;
  /** Public URLs by endpoint name. */
  urls: Record<string, pulumi.Output<string>>;
}

/**
 * How a stack that promotes from another (promoteFrom) tells that it runs what that stack ran
 * (components/systems/promotion.ts).
 */
export type PromotionBasis =
  /**
   * The content tag of the image built from `image`, which with the checkout and the architecture decides it (no
   * build arguments): the same tag is the same bits.
   */
  | { by: "imageTag"; image: ImageSource }
  /**
   * The app revision the image is built from, for an image whose content differs between stacks by design (the
   * console bakes each stack's URLs into its bundle). `why` says so in the plan.
   */
  | { by: "appRevision"; why: string };

/**
 * One system, described once: the registry (components/systems/registry.ts) lists these, and the composition
 * (components/stack.ts), the outputs, the dashboard, the plan and the tests read them.
 */
export interface SystemDescriptor {
  /** The system's key in `systems`, in output maps and in the plan. @example "securityStack" */
  key: string;
  /** Heading on the dashboard and in the plan. @example "AI Security Stack" */
  title: string;
  /** The Pulumi type of its component. @example "ai-platform:system:SecurityStack" */
  componentType: string;
  /** Its public endpoints, in listener-rule priority order. */
  endpoints: SystemEndpoint[];
  /**
   * Usage no plan can know, assumed for the offline plan's cost estimate and printed beside it: GB on its file
   * system, read and written through it per month (charged in Elastic mode), logs per month, and in its ECR
   * repository.
   */
  usage: { efsStoredGb?: number; efsReadGb?: number; efsWriteGb?: number; logsGb: number; ecrStoredGb: number };
  /**
   * Values an operator keeps in Secrets Manager that the system's containers read (components/resources/operator-secrets.ts):
   * a stack with the system on is refused at preview until each has a value. @default []
   */
  operatorSecrets?: OperatorSecretSpec[];
  /** What a promoting stack compares with the stack it promotes from, to run only what that stack ran. */
  promotion: PromotionBasis;
  /**
   * A stateful system's restore: the config key of its restored file system, and the restore the config asks for.
   * The file system is looked up before any resource is registered. @default none
   */
  restore?: { key: ConfigKeyName; of(config: StackConfig): VolumeRestore | undefined };
  /** Systems that must be built first; `create` receives their surfaces. @default [] */
  needs?: string[];
  /** Builds the system's component, given the surfaces of the systems built before it. */
  create(args: SystemArgs, built: Readonly<Record<string, SystemSurface | undefined>>): SystemSurface;
}

/** Service settings every system shares: where its tasks run, how they are checked, logged and alarmed. */
export function sharedServiceArgs(args: SystemArgs): Pick<
  FargateServiceArgs,
  | "clusterArn" | "clusterName" | "vpcId" | "subnetIds" | "loadBalancer" | "albSecurityGroupId" | "architecture"
  | "healthCheck" | "logRetentionDays" | "enableExecuteCommand" | "execLogGroupArn" | "alarms" | "capacityProviders" | "egressReady" | "schedule" | "roleScope"
> {
  const { config, network, platform } = args;
  return {
    clusterArn: platform.cluster.arn,
    clusterName: platform.cluster.name,
    vpcId: network.vpcId,
    subnetIds: network.privateSubnetIds,
    loadBalancer: platform.loadBalancer,
    albSecurityGroupId: platform.albSecurityGroup.id,
    architecture: config.architecture,
    healthCheck: config.healthCheck,
    logRetentionDays: config.logRetentionDays,
    enableExecuteCommand: config.ecsExec,
    execLogGroupArn: platform.execLogGroup?.arn,
    alarms: args.alarms,
    capacityProviders: platform.capacityProviders,
    egressReady: network.egress,
    schedule: config.schedule,
    roleScope: args.roleScope,
  };
}

/** Image settings every system shares: the app checkout, the architecture, retention and protection. */
export function sharedImageArgs(config: StackConfig): Pick<
  ImageArgs,
  "contextPath" | "architecture" | "keepImages" | "missingContext" | "protectState"
> {
  return {
    contextPath: config.appRepoPath,
    architecture: config.architecture,
    keepImages: config.ecrKeepImages,
    missingContext: config.missingContext,
    protectState: config.protectState,
  };
}

/** File-system settings every stateful system shares: placement, throughput, lifecycle, protection, alarm. */
export function sharedVolumeArgs(args: SystemArgs): Omit<VolumeArgs, "accessPoints" | "root" | "restore"> {
  const { config, network } = args;
  return {
    vpcId: network.vpcId,
    subnetIds: network.privateSubnetIds,
    subnetCount: args.subnetCount,
    throughputMode: config.efs.throughputMode,
    provisionedThroughputMibps: config.efs.provisionedThroughputMibps,
    transitionToIa: config.efs.transitionToIa,
    protectState: config.protectState,
    alarmTopicArn: args.alarms.topicArn,
    defaultBackups: !config.backups,
    replicationRegion: config.efs.replicationRegion,
  };
}
