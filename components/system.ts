import { StackConfig } from "../config";
import { FargateServiceArgs } from "./fargate-service";
import { AlarmArgs } from "./service-alarms";
import { ImageArgs } from "./image";
import { Network } from "./network";
import { Platform } from "./platform";
import { VolumeArgs } from "./volume";

/** What every system (gateway, security stack, console) is built on. */
export interface SystemArgs {
  config: StackConfig;
  network: Network;
  platform: Platform;
  /** Private subnets in use (EFS mount targets are one per subnet, known at plan time). */
  subnetCount: number;
  /** Where every alarm goes and its thresholds. */
  alarms: AlarmArgs;
}

/** Service settings every system shares: where its tasks run, how they are checked, logged and alarmed. */
export function sharedServiceArgs(args: SystemArgs): Pick<
  FargateServiceArgs,
  | "clusterArn" | "clusterName" | "vpcId" | "subnetIds" | "loadBalancer" | "albSecurityGroupId" | "architecture"
  | "healthCheck" | "logRetentionDays" | "enableExecuteCommand" | "alarms"
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
    alarms: args.alarms,
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
export function sharedVolumeArgs(args: SystemArgs): Omit<VolumeArgs, "accessPoints"> {
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
  };
}
