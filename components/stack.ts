/**
 * The whole stack from a registry of systems: network, platform (with every enabled system's endpoints),
 * alarm topic, the systems in registry order, the dashboard, and the outputs contract built from the systems'
 * surfaces. index.ts runs it on the real registry; a test runs it with a fixture system added.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { StackConfig } from "../config";
import { AlarmTopic } from "./platform/alarm-topic";
import { BackupPlan } from "./platform/backup";
import { Dashboard } from "./platform/dashboard";
import { RULE_PRIORITY } from "./shared/defaults";
import { Network } from "./platform/network";
import { EndpointSpec, Platform } from "./platform/platform";
import { AlarmArgs } from "./service/service-alarms";
import { SystemArgs, SystemDescriptor, SystemSurface, sharedImageArgs } from "./systems/system";
import { maxSnapshotAgeHours } from "./systems/single-writer";
import { RestrictedPath, WebFirewall } from "./platform/waf";
import { readOperatorSecrets } from "./resources/operator-secrets";
import { StackRoleScope, boundaryArn, stackIamPath } from "./shared/iam-scope";
import { readAppRevision } from "./systems/app-revision";
import { Promotion, releaseCandidates } from "./systems/promotion";
import { findRestoredFileSystems } from "./resources/volume";

/** Whether a system is switched on: by its key in `systems` (a fixture system may decide otherwise). */
export type Enabled = (system: SystemDescriptor, config: StackConfig) => boolean;
const bySystemsKey: Enabled = (system, config) => Boolean((config.systems as Record<string, boolean>)[system.key]);

/** The outputs contract (docs/outputs.md; pinned by tests/outputs.test.ts). Never rename silently. */
export interface StackOutputs {
  [url: string]: unknown;
  vpcId: pulumi.Output<string>;
  publicSubnetIds: pulumi.Output<string[]>;
  privateSubnetIds: pulumi.Output<string[]>;
  clusterName: pulumi.Output<string>;
  clusterArn: pulumi.Output<string>;
  albDnsName: pulumi.Output<string>;
  albSecurityGroupId: pulumi.Output<string>;
  /** The app commit the images are built from (components/systems/app-revision.ts). */
  appRevision: string;
  ecrRepositoryUrls: Record<string, pulumi.Output<string>>;
  imageDigests: Record<string, pulumi.Output<string>>;
  /** Each system's content tag: what a stack that promotes from this one compares (components/systems/promotion.ts). */
  imageTags: Record<string, pulumi.Output<string>>;
  efsFileSystemIds: Record<string, pulumi.Output<string>>;
  /** The key of each stateful system's file data: a restore must use it (the restored file system is checked). */
  efsKeyArns: Record<string, pulumi.Output<string>>;
  secretArns: Record<string, pulumi.Output<string>>;
  logGroupNames: Record<string, pulumi.Output<string>>;
  serviceNames: Record<string, pulumi.Output<string>>;
  alarmTopicArn: pulumi.Output<string>;
  dashboardUrl: pulumi.Output<string>;
  rolloutBoundSeconds: pulumi.Output<Record<string, number>>;
  /** The backup vault and AWS Backup's role (for restore jobs); absent in a stack without a file system. */
  backupVaultName?: pulumi.Output<string>;
  backupRoleArn?: pulumi.Output<string>;
}

/**
 * Said once, at preview and in the offline plan, by a stack without a domain. Such a stack is for a quick trial:
 * the load balancer has no certificate, so everything it serves travels unencrypted.
 */
export const NO_DOMAIN_WARNING =
  "ai-platform:domain is not set, so the load balancer serves plain HTTP: API keys (tupl_...), Supabase tokens " +
  "and every request and answer cross the internet unencrypted. Use this only for a quick trial; for HTTPS set " +
  "`pulumi config set domain <Route 53 zone>` (docs/deploy.md).";

/**
 * Said at preview and in the offline plan by a stack that runs the gateway without the web firewall: the key API
 * then has only the load balancer's listener rules, which match the path literally.
 */
export const WAF_OFF_WARNING =
  "ai-platform:waf is off while the gateway runs: its key API (/api/keys*, no authentication of its own) is held only by the " +
  "load balancer's listener rules, which match the literal, case-sensitive path, so spellings such as /API/keys, /api%2fkeys, " +
  "/api\\keys or /x/../api/keys reach it from anywhere. Turn the firewall on (`pulumi config set waf true`), or keep the stack " +
  "off the internet (allowedIngressCidrs).";

export async function composeStack(config: StackConfig, registry: readonly SystemDescriptor[], enabled: Enabled = bySystemsKey): Promise<StackOutputs> {
  const active = registry.filter((s) => enabled(s, config));
  const found = await checkBeforeAnyResource(config, active);
  if (!config.domain) pulumi.log.warn(NO_DOMAIN_WARNING);
  if (!config.waf && config.systems.gateway) pulumi.log.warn(WAF_OFF_WARNING);
  const roleScope = stackRoleScope(config);

  // The topic comes first: the network's NAT instance alarms to it.
  const alarmTopic = new AlarmTopic("alarms", { emails: config.alarms.emails });
  const network = new Network("network", { ...config.network, alarmTopicArn: alarmTopic.topic.arn, roleScope });
  const endpoints = endpointSpecs(config, registry, enabled);
  const platform = createPlatform(config, network, endpoints);
  const alarms = alarmArgs(config, alarmTopic);
  const firewall = config.waf && new WebFirewall("waf", {
    loadBalancerArn: platform.loadBalancer.arn,
    settings: config.waf,
    restrictedPaths: endpoints.flatMap((e) => e.restrictedPaths),
    logRetentionDays: config.logRetentionDays,
    alarmTopicArn: alarmTopic.topic.arn,
  });
  const subnetCount = config.network.existing?.privateSubnetIds.length ?? config.network.availabilityZones;
  const systems = buildSystems(active, {
    config, network, platform, subnetCount, alarms, roleScope, operatorSecrets: found.operatorSecrets, restoredFileSystems: found.restoredFileSystems,
  });
  const backup = createBackup(config, systems, { network, platform, alarmTopic, roleScope });
  const dashboard = new Dashboard("dashboard", {
    clusterName: platform.cluster.name,
    loadBalancerArnSuffix: platform.loadBalancer.arnSuffix,
    systems: systems.map(({ descriptor, surface }) => ({ title: descriptor.title, service: surface.service, volume: surface.volume, writerMetrics: surface.writerMetrics })),
    webAclName: firewall ? firewall.webAcl.name : undefined,
    natInstanceId: network.natInstance?.instance.id,
    restoreTestStateMachineArn: backup?.restoreTest?.stateMachine.arn,
  });
  return stackOutputs(systems, { network, platform, alarmTopic, dashboard, backup, appRevision: found.appRevision });
}

/** A built system: its descriptor and what it exposes. */
type BuiltSystem = { descriptor: SystemDescriptor; surface: SystemSurface };

/**
 * What must hold before any resource exists: the operators' secrets have values (a task could not start without
 * them), a restore names a file system that exists here, and a promoting stack runs only what its source ran.
 */
async function checkBeforeAnyResource(config: StackConfig, active: readonly SystemDescriptor[]) {
  const operatorSecrets = await readOperatorSecrets(active.flatMap((s) => (s.operatorSecrets ?? []).map((spec) => ({ neededBy: s.title, spec }))));
  const restoredFileSystems = await findRestoredFileSystems(
    active.flatMap((s) => {
      const restore = s.restore?.of(config);
      return restore && s.restore ? [{ key: s.restore.key, restore }] : [];
    }),
  );
  const app = readAppRevision(config.appRepoPath);
  if (app.warning) pulumi.log.warn(app.warning);
  await promote(config, active, app.revision);
  return { operatorSecrets, restoredFileSystems, appRevision: app.revision };
}

/** Every role of the stack: under its own path, with bootstrap's permissions boundary. */
function stackRoleScope(config: StackConfig): StackRoleScope {
  return {
    path: stackIamPath(config.stack),
    permissionsBoundary: boundaryArn(aws.getCallerIdentityOutput().accountId, config.iamPermissionsBoundary),
  };
}

/**
 * The enabled systems' endpoints. Each owns a block of rule priorities by its place among all registered endpoints,
 * so switching a system off never moves another system's rules.
 */
function endpointSpecs(config: StackConfig, registry: readonly SystemDescriptor[], enabled: Enabled) {
  return registry
    .flatMap((system) => system.endpoints.map((e) => ({ system, e })))
    .map(({ system, e }, i) => ({
      system,
      name: e.name,
      subdomain: e.subdomain,
      listenerPort: e.listenerPort(config),
      priority: (i + 1) * RULE_PRIORITY.span,
      restrictedPaths: (e.restrictedPaths ?? []).map((p): RestrictedPath => ({ name: p.name, pathPrefix: p.pathPrefix, allowCidrs: p.allowCidrs(config) })),
    }))
    .filter((e) => enabled(e.system, config));
}

function createPlatform(config: StackConfig, network: Network, endpoints: ReturnType<typeof endpointSpecs>): Platform {
  return new Platform("platform", {
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    endpoints: endpoints.map(({ system: _system, restrictedPaths: _restricted, ...spec }): EndpointSpec => spec),
    domain: config.domain,
    ingressCidrs: config.alb.ingressCidrs,
    accessLogs: config.alb.accessLogs,
    deletionProtection: config.alb.deletionProtection,
    idleTimeoutSeconds: config.alb.idleTimeoutSeconds,
    protectState: config.protectState,
    logRetentionDays: config.logRetentionDays,
    execSessionLogs: config.ecsExec ? { retentionDays: config.logRetentionDays } : undefined,
  });
}

function alarmArgs(config: StackConfig, alarmTopic: AlarmTopic): AlarmArgs {
  return {
    topicArn: alarmTopic.topic.arn,
    cpuPercent: config.alarms.cpuPercent,
    memoryPercent: config.alarms.memoryPercent,
    target5xxCount: config.alarms.target5xxCount,
    evaluationPeriods: config.alarms.evaluationPeriods,
  };
}

/** Each enabled system, in registry order, after the systems it needs. */
function buildSystems(active: readonly SystemDescriptor[], systemArgs: SystemArgs): BuiltSystem[] {
  const built: Record<string, SystemSurface | undefined> = {};
  const systems: BuiltSystem[] = [];
  for (const descriptor of active) {
    const missing = (descriptor.needs ?? []).filter((n) => !built[n]);
    if (missing.length) {
      throw new pulumi.RunError(
        `system ${descriptor.key} needs ${missing.join(", ")} built before it; list it after them in components/systems/registry.ts and switch them on`,
      );
    }
    const surface = descriptor.create(systemArgs, built);
    built[descriptor.key] = surface;
    systems.push({ descriptor, surface });
  }
  return systems;
}

/**
 * The vault and its role exist whenever there is a file system, `backups` on or off: no config change deletes a
 * recovery point. Every file system of every volume is backed up: its own, and a restored one in use beside it.
 */
function createBackup(
  config: StackConfig,
  systems: BuiltSystem[],
  shared: { network: Network; platform: Platform; alarmTopic: AlarmTopic; roleScope: StackRoleScope },
): BackupPlan | undefined {
  const volumes = systems.flatMap(({ surface }) => (surface.volume ? [surface.volume] : []));
  if (!volumes.length) return undefined;
  return new BackupPlan("backup", {
    settings: config.backups,
    fileSystemArns: volumes.flatMap((v) => v.fileSystemArns),
    protectState: config.protectState,
    alarmTopicArn: shared.alarmTopic.topic.arn,
    roleScope: shared.roleScope,
    restoreTest: {
      volumes,
      maxSnapshotAgeHours: maxSnapshotAgeHours(config.schedule),
      vpcId: shared.network.vpcId,
      subnetIds: shared.network.privateSubnetIds,
      clusterArn: shared.platform.cluster.arn,
      image: sharedImageArgs(config),
      architecture: config.architecture,
      logRetentionDays: config.logRetentionDays,
    },
  });
}

/** The outputs contract, from what was built. */
function stackOutputs(
  systems: BuiltSystem[],
  built: { network: Network; platform: Platform; alarmTopic: AlarmTopic; dashboard: Dashboard; backup?: BackupPlan; appRevision: string },
): StackOutputs {
  const { network, platform, backup } = built;
  /** A map over the enabled systems, by key, of what `pick` gives (systems without it are left out). */
  const bySystem = <T>(pick: (s: SystemSurface) => T | undefined): Record<string, T> =>
    Object.fromEntries(systems.flatMap(({ descriptor, surface }) => {
      const v = pick(surface);
      return v === undefined ? [] : [[descriptor.key, v] as const];
    }));
  const urls = Object.fromEntries(
    systems.flatMap(({ descriptor, surface }) => descriptor.endpoints.map((e) => [e.output, surface.urls[e.name]] as const)),
  );
  return {
    ...urls,
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    privateSubnetIds: network.privateSubnetIds,
    clusterName: platform.cluster.name,
    clusterArn: platform.cluster.arn,
    albDnsName: platform.loadBalancer.dnsName,
    albSecurityGroupId: platform.albSecurityGroup.id,
    appRevision: built.appRevision,
    ecrRepositoryUrls: bySystem((s) => s.image.repositoryUrl),
    imageDigests: bySystem((s) => s.image.digest),
    imageTags: bySystem((s) => s.image.tag),
    efsFileSystemIds: bySystem((s) => s.volume?.fileSystemId),
    efsKeyArns: bySystem((s) => s.volume?.key.arn),
    secretArns: Object.fromEntries(systems.flatMap(({ surface }) => Object.entries(surface.secrets).map(([k, secret]) => [k, secret.arn] as const))),
    logGroupNames: bySystem((s) => s.service.logGroup.name),
    serviceNames: bySystem((s) => s.service.service.name),
    alarmTopicArn: built.alarmTopic.topic.arn,
    dashboardUrl: built.dashboard.url,
    rolloutBoundSeconds: pulumi.output(bySystem((s) => s.service.rolloutBoundSeconds)),
    ...(backup ? { backupVaultName: backup.vault.name, backupRoleArn: backup.role.arn } : {}),
  };
}

/**
 * The promotion check of a stack with `promoteFrom` (components/systems/promotion.ts). Without a complete app checkout
 * (the offline plan's warning mode) there is nothing to compare: said once, and the images say what is missing.
 */
async function promote(config: StackConfig, systems: readonly SystemDescriptor[], appRevision: string): Promise<void> {
  if (!config.promotion) return;
  const candidates = releaseCandidates(systems, config, appRevision);
  if (!candidates) {
    pulumi.log.warn(`promotion from ${config.promotion.from} not checked: the app checkout at ${config.appRepoPath} is missing what the images are built from`);
    return;
  }
  await Promotion.check("promotion", { settings: config.promotion, candidates });
}
