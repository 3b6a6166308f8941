/**
 * The program: reads the stack config once, composes the stack from the system registry, and exports the
 * outputs contract (README "Outputs"; pinned by tests/outputs.test.ts). Never rename an output silently.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { SYSTEM_REGISTRY } from "./components/registry";
import { composeStack } from "./components/stack";

const outputs = composeStack(loadConfig(), SYSTEM_REGISTRY);
const url = (name: string) => outputs[name] as pulumi.Output<string> | undefined;

export const gatewayUrl = url("gatewayUrl");
export const apiUrl = url("apiUrl");
export const controlUrl = url("controlUrl");
export const consoleUrl = url("consoleUrl");
export const {
  vpcId,
  publicSubnetIds,
  privateSubnetIds,
  clusterName,
  clusterArn,
  albDnsName,
  albSecurityGroupId,
  ecrRepositoryUrls,
  imageDigests,
  efsFileSystemIds,
  secretArns,
  logGroupNames,
  serviceNames,
  alarmTopicArn,
  dashboardUrl,
  rolloutBoundSeconds,
} = outputs;
