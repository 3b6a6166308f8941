import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { AlarmTopic } from "./components/alarm-topic";
import { Dashboard, DashboardSystem } from "./components/dashboard";
import { AlarmArgs } from "./components/service-alarms";
import { Gateway } from "./components/gateway";
import { Network } from "./components/network";
import { EndpointSpec, Platform } from "./components/platform";
import { SecurityStack } from "./components/security-stack";
import { UiConsole } from "./components/ui-console";

const config = loadConfig();

const network = new Network("network", config.network);
const subnetCount = config.network.existing?.privateSubnetIds.length ?? config.network.availabilityZones;

const { ports } = config.alb;
const endpoints: EndpointSpec[] = [
  ...(config.systems.gateway ? [{ name: "gateway", subdomain: "gateway", listenerPort: ports.gateway, priority: 100 }] : []),
  ...(config.systems.securityStack
    ? [
        { name: "api", subdomain: "api", listenerPort: ports.api, priority: 200 },
        { name: "control", subdomain: "control", listenerPort: ports.control, priority: 300 },
      ]
    : []),
  ...(config.systems.uiConsole ? [{ name: "console", subdomain: "console", listenerPort: ports.console, priority: 400 }] : []),
];

const platform = new Platform("platform", {
  vpcId: network.vpcId,
  publicSubnetIds: network.publicSubnetIds,
  endpoints,
  domain: config.domain,
  ingressCidrs: config.alb.ingressCidrs,
  accessLogs: config.alb.accessLogs,
  deletionProtection: config.alb.deletionProtection,
  idleTimeoutSeconds: config.alb.idleTimeoutSeconds,
  protectState: config.protectState,
  logRetentionDays: config.logRetentionDays,
});

const alarmTopic = new AlarmTopic("alarms", { emails: config.alarms.emails });
const alarms: AlarmArgs = {
  topicArn: alarmTopic.topic.arn,
  cpuPercent: config.alarms.cpuPercent,
  memoryPercent: config.alarms.memoryPercent,
  target5xxCount: config.alarms.target5xxCount,
  evaluationPeriods: config.alarms.evaluationPeriods,
};
const systemArgs = { config, network, platform, subnetCount, alarms };

const gateway = config.systems.gateway ? new Gateway("gateway", systemArgs) : undefined;
const securityStack = config.systems.securityStack ? new SecurityStack("security-stack", systemArgs) : undefined;
// config.ts guarantees both backends exist when the console is on.
const uiConsole =
  config.systems.uiConsole && gateway && securityStack
    ? new UiConsole("ui-console", { ...systemArgs, apiUrl: securityStack.apiUrl, gatewayUrl: gateway.url })
    : undefined;

const dashboardSystems: DashboardSystem[] = [
  ...(gateway ? [{ title: "MCP Gateway", service: gateway.service, volume: gateway.volume }] : []),
  ...(securityStack ? [{ title: "AI Security Stack", service: securityStack.service, volume: securityStack.volume }] : []),
  ...(uiConsole ? [{ title: "UI Console", service: uiConsole.service }] : []),
];
const dashboard = new Dashboard("dashboard", {
  clusterName: platform.cluster.name,
  loadBalancerArnSuffix: platform.loadBalancer.arnSuffix,
  systems: dashboardSystems,
});

/** Keeps only the systems that are on, so maps never carry undefined entries. */
function bySystem<T>(entries: Record<string, T | undefined>): Record<string, T> {
  return Object.fromEntries(Object.entries(entries).filter((e): e is [string, T] => e[1] !== undefined));
}

// ---- The outputs contract (README "Outputs"; pinned by tests/outputs.test.ts). Never rename silently.
export const gatewayUrl = gateway?.url;
export const apiUrl = securityStack?.apiUrl;
export const controlUrl = securityStack?.controlUrl;
export const consoleUrl = uiConsole?.url;
export const vpcId = network.vpcId;
export const publicSubnetIds = network.publicSubnetIds;
export const privateSubnetIds = network.privateSubnetIds;
export const clusterName = platform.cluster.name;
export const clusterArn = platform.cluster.arn;
export const albDnsName = platform.loadBalancer.dnsName;
export const albSecurityGroupId = platform.albSecurityGroup.id;
export const ecrRepositoryUrls = bySystem({
  gateway: gateway?.image.repositoryUrl,
  securityStack: securityStack?.image.repositoryUrl,
  uiConsole: uiConsole?.image.repositoryUrl,
});
export const imageDigests = bySystem({
  gateway: gateway?.image.digest,
  securityStack: securityStack?.image.digest,
  uiConsole: uiConsole?.image.digest,
});
export const efsFileSystemIds = bySystem({
  gateway: gateway?.volume.fileSystem.id,
  securityStack: securityStack?.volume.fileSystem.id,
});
export const secretArns = bySystem({
  gatewayGeminiApiKey: gateway?.geminiApiKey.arn,
  gatewayAdminApiKey: gateway?.adminApiKey.arn,
  securityGoogleApiKey: securityStack?.googleApiKey.arn,
  securitySupabaseJwtSecret: securityStack?.supabaseJwtSecret.arn,
});
export const logGroupNames = bySystem({
  gateway: gateway?.service.logGroup.name,
  securityStack: securityStack?.service.logGroup.name,
  uiConsole: uiConsole?.service.logGroup.name,
});
export const serviceNames = bySystem({
  gateway: gateway?.service.service.name,
  securityStack: securityStack?.service.service.name,
  uiConsole: uiConsole?.service.service.name,
});
export const alarmTopicArn = alarmTopic.topic.arn;
export const dashboardUrl = dashboard.url;
export const rolloutBoundSeconds = pulumi.output(
  bySystem({
    gateway: gateway?.service.rolloutBoundSeconds,
    securityStack: securityStack?.service.rolloutBoundSeconds,
    uiConsole: uiConsole?.service.rolloutBoundSeconds,
  }),
);
