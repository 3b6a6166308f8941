/**
 * What a reviewer reads in a plan, taken from the resources the program registered under mocks: the component
 * tree, each service's task, containers, volumes, load-balancer wiring and deployment settings, the network and
 * the shared platform. Rendering, costing and diffing all read this model, never the raw resources again.
 */
import { Captured, ProgramRun, containerDefinitions, policyDocument } from "../../lib/program-runner";
import { awakeHoursPerWeek } from "../../components/shared/defaults";
import { DeployTime, RollbackTimes } from "../../components/service/deploy-time";
import { SYSTEM_REGISTRY } from "../../components/systems/registry";
import { SystemDescriptor } from "../../components/systems/system";
import type { SystemName } from "../../config";

/** Each registered system's component type and title, by key (components/systems/registry.ts). */
export const SYSTEMS = Object.fromEntries(SYSTEM_REGISTRY.map((s) => [s.key, { type: s.componentType, title: s.title }])) as Record<
  SystemName,
  { type: string; title: string }
>;
export type SystemKey = SystemName;
/** Who a resource's cost belongs to: one of the systems, or the platform they share. */
export type Owner = SystemKey | "shared";
export const OWNERS = [...SYSTEM_REGISTRY.map((s) => s.key), "shared"] as Owner[];
export const OWNER_TITLES = { ...Object.fromEntries(SYSTEM_REGISTRY.map((s) => [s.key, s.title])), shared: "Shared platform" } as Record<Owner, string>;

const T = {
  stack: "pulumi:pulumi:Stack",
  vpc: "awsx:ec2:Vpc",
  cluster: "aws:ecs/cluster:Cluster",
  service: "aws:ecs/service:Service",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  fileSystem: "aws:efs/fileSystem:FileSystem",
  accessPoint: "aws:efs/accessPoint:AccessPoint",
  mountTarget: "aws:efs/mountTarget:MountTarget",
  backupPolicy: "aws:efs/backupPolicy:BackupPolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
  scheduledAction: "aws:appautoscaling/scheduledAction:ScheduledAction",
  natInstance: "aws:ec2/instance:Instance",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  secret: "aws:secretsmanager/secret:Secret",
  randomBytes: "random:index/randomBytes:RandomBytes",
  secretComponent: "ai-platform:secret:Secret",
  repository: "aws:ecr/repository:Repository",
  lifecyclePolicy: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  image: "docker-build:index:Image",
  certificate: "aws:acm/certificate:Certificate",
  record: "aws:route53/record:Record",
  bucket: "aws:s3/bucket:Bucket",
  bucketLifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  kmsKey: "aws:kms/key:Key",
  webAcl: "aws:wafv2/webAcl:WebAcl",
  backupPlan: "aws:backup/plan:Plan",
  backupVault: "aws:backup/vault:Vault",
  backupSelection: "aws:backup/selection:Selection",
  backupLock: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
  replication: "aws:efs/replicationConfiguration:ReplicationConfiguration",
  ipSet: "aws:wafv2/ipSet:IpSet",
  wafLogging: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  promotion: "ai-platform:release:Promotion",
} as const;
export const TYPES = T;

export interface ContainerPlan {
  name: string;
  image: string;
  command?: string;
  ports: number[];
  healthCheck: string;
  dependsOn: string[];
  mounts: string[];
  /** User, root file system and capabilities. @example "1000:1000, read-only root, drops ALL" */
  runsAs: string;
}

export interface TargetGroupPlan {
  name: string;
  port: number;
  protocol: string;
  path: string;
  healthPort: string;
  matcher: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  deregistrationDelaySeconds: number;
  container: string;
}

export interface RulePlan {
  name: string;
  listener: string;
  priority: number;
  conditions: string;
  action: string;
}

export interface VolumeMountPlan {
  name: string;
  fileSystem: string;
  accessPointPath: string;
  encryptedInTransit: boolean;
  iam: boolean;
}

export interface ServicePlan {
  owner: Owner;
  name: string;
  family: string;
  cpu: number;
  memoryMiB: number;
  architecture: string;
  desiredCount: number;
  /** Autoscaling bounds of a stateless service. */
  scaling?: { min: number; max: number; policies: string[] };
  /** Its capacity providers and weights, e.g. `FARGATE_SPOT ×1`. */
  capacity: { provider: string; weight: number; base?: number }[];
  /** When it runs, if it sleeps: the scheduled actions' cron, time zone and hours a week. */
  schedule?: { wake: string; sleep: string; timezone: string; hoursPerWeek: number };
  minHealthyPercent: number;
  maxPercent: number;
  gracePeriodSeconds?: number;
  circuitBreaker: string;
  rollbackAlarms: number;
  /** The worst good deploy, phase by phase, as the service component computed it. */
  deployTime?: DeployTime;
  /** What rolls a bad image back and how soon, as the service component computed it. */
  rollback?: RollbackTimes;
  /** The service's `customTimeouts` ("44m"). */
  timeouts?: { create: string; update: string; delete: string };
  ecsExec: boolean;
  waitForSteadyState: boolean;
  publicIp: boolean;
  containers: ContainerPlan[];
  volumes: VolumeMountPlan[];
  targetGroups: TargetGroupPlan[];
  rules: RulePlan[];
  logGroup?: { name: string; retentionDays: number };
  alarms: string[];
  ingress: string[];
  egress: string[];
}

export interface VolumePlan {
  owner: Owner;
  name: string;
  throughputMode: string;
  provisionedMibps?: number;
  encrypted: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  lifecycle: string;
  backup: string;
  mountTargets: number;
  accessPoints: { name: string; path: string; owner: string; permissions: string }[];
  alarms: string[];
}

export interface ListenerPlan {
  name: string;
  port: number;
  protocol: string;
  action: string;
  tlsPolicy?: string;
}

export interface NetworkPlan {
  vpc: string;
  cidr?: string;
  availabilityZones: number;
  /** `Single` / `OnePerAz` (awsx), or `existing VPC`. */
  natStrategy: string;
  natGateways: number;
  /** EC2 NAT instances (`natGateways: instance`). */
  natInstances: { name: string; type: string; rootGb: number }[];
  /** Public IPv4 addresses the stack holds: one per ALB node (AZ), one per NAT gateway or NAT instance. */
  publicIpv4: number;
}

export interface PlatformPlan {
  containerInsights: string;
  alb?: {
    name: string;
    internal: boolean;
    idleTimeoutSeconds: number;
    deletionProtection: boolean;
    dropInvalidHeaders: boolean;
    accessLogs: string;
    subnets: number;
  };
  listeners: ListenerPlan[];
  ingress: string[];
  certificate?: string;
  dnsRecords: string[];
  dashboards: string[];
  kmsKeys: string[];
  alarmTopic?: string;
  /** The web application firewall on the load balancer, if any. */
  waf?: WafPlan;
  /** The stack's own backup plan, if any. */
  backup?: BackupPlanView;
  /** Replicated file systems and the region of each replica. */
  replication: { fileSystem: string; owner: Owner; region: string }[];
}

export interface BackupPlanView {
  rules: { name: string; schedule: string; retentionDays: number; copyTo?: string }[];
  /** File systems selected, by their volume's name. */
  fileSystems: string[];
  vault: string;
  copyRegion?: string;
  locked: boolean;
  keptOnDestroy: boolean;
}

export interface WafPlan {
  name: string;
  /** In evaluation order. */
  rules: { priority: number; name: string; action: string; match: string }[];
  logGroup?: string;
  redactedHeaders: string[];
  alarms: string[];
}

export interface SecretPlan {
  owner: Owner;
  name: string;
  origin: string;
  /** Days a deleted secret can be restored; absent for an operator's secret, which the stack does not own. */
  recoveryWindowDays?: number;
}

export interface ImagePlan {
  owner: Owner;
  name: string;
  repository: string;
  keepImages?: number;
  built: string;
}

/** One system's promotion as the program judged it (components/systems/promotion.ts, the component's outputs). */
export interface PromotionSystemPlan {
  key: string;
  title: string;
  /** What is compared: the content tag, or the app revision. */
  by: "imageTag" | "appRevision";
  value: string;
  /** What the stack promoted from runs of it; absent when it does not run the system. */
  source?: string;
  /** What this stack ran at its last deploy (the offline plan reads none). */
  current?: string;
  verdict: "promoted" | "unchanged" | "overridden" | "refused";
  reason?: string;
}

/** What a stack is built from and runs: the app revision, each system's content tag, and its promotion. */
export interface ReleasePlan {
  appRevision: string;
  /** Content tag by system key. */
  imageTags: Record<string, string>;
  /** The stack `promoteFrom` names; undefined: this stack builds what its app checkout holds. */
  promoteFrom?: string;
  /** The promotion's judgement; undefined with promoteFrom set: it was not checked (the warnings say why). */
  promotion?: { override?: string; systems: PromotionSystemPlan[] };
}

export interface Setting {
  key: string;
  value: string;
}

export interface StackPlan {
  stack: string;
  region: string;
  run: ProgramRun;
  appRepoPath: string;
  warnings: string[];
  ownerOf(r: Captured): Owner;
  /** The resources registered with the resource `urn` as their parent. */
  children(urn: string): Captured[];
  root: Captured;
  network: NetworkPlan;
  platform: PlatformPlan;
  services: ServicePlan[];
  volumes: VolumePlan[];
  secrets: SecretPlan[];
  images: ImagePlan[];
  release: ReleasePlan;
  /** Alarm metrics (what CloudWatch bills) by owner. */
  alarmMetrics: Record<Owner, number>;
  settings: Setting[];
}

const lastSegment = (s: string): string => s.split(/[/:]/).pop() ?? s;

/** `node` GET :3000/health, body status = healthy — what a container health check does, in a few words. */
function shortImage(image: string): string {
  if (image.endsWith(":not-built")) return `${lastSegment(image.replace(/:not-built$/, ""))} (not built)`;
  const at = image.indexOf("@sha256:");
  const ref = at >= 0 ? `${image.slice(0, at)}@${image.slice(at + 1, at + 20)}…` : image;
  return ref.includes(".dkr.ecr.") ? ref.slice(ref.indexOf("/") + 1) : ref;
}

function describeAction(a: any, targetGroupName: (arn: string) => string): string {
  switch (a?.type) {
    case "forward":
      return `forward → ${targetGroupName(a.targetGroupArn)}`;
    case "fixed-response":
      return `${a.fixedResponse?.statusCode} "${a.fixedResponse?.messageBody ?? ""}"`;
    case "redirect":
      return `redirect → ${a.redirect?.protocol ?? "#{protocol}"}:${a.redirect?.port ?? "#{port}"} (${a.redirect?.statusCode})`;
    case "jwt-validation": {
      const claims = (a.jwtValidation?.additionalClaims ?? []).map((c: any) => `${c.name} ∈ {${c.values.join(", ")}}`);
      return `validate JWT from ${a.jwtValidation?.issuer}${claims.length ? ` with ${claims.join(", ")}` : ""} (else 401)`;
    }
    default:
      return String(a?.type ?? "?");
  }
}

function describeConditions(conditions: any[]): string {
  return (conditions ?? [])
    .map((c) => {
      if (c.hostHeader) return `host ${c.hostHeader.values.join(" | ")}`;
      if (c.pathPattern) return `path ${c.pathPattern.values.join(" | ")}`;
      if (c.sourceIp) return `source ${c.sourceIp.values.join(", ")}`;
      if (c.httpRequestMethod) return `method ${c.httpRequestMethod.values.join(" | ")}`;
      if (c.httpHeader) return `header ${c.httpHeader.httpHeaderName}`;
      return Object.keys(c).join(",");
    })
    .join(" and ");
}

function describeAlarm(a: Captured): string {
  const i = a.inputs;
  const op: Record<string, string> = {
    GreaterThanThreshold: ">",
    GreaterThanOrEqualToThreshold: "≥",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "≤",
  };
  const metric = i.metricName ?? (i.metricQueries ?? []).find((q: any) => q.returnData)?.label ?? "metric math";
  const threshold = i.metricName === "BurstCreditBalance" ? `${Number(i.threshold) / 1024 ** 3} GiB` : i.threshold;
  return `${a.name}: ${metric} ${op[i.comparisonOperator] ?? i.comparisonOperator} ${threshold} for ${i.evaluationPeriods}×${i.period ?? 60}s`;
}

/** CloudWatch bills alarms per metric: a metric-math alarm pays for each metric it reads. */
export function alarmMetricCount(a: Captured): number {
  const queries: any[] = a.inputs.metricQueries ?? [];
  return queries.length ? Math.max(1, queries.filter((q) => q.metric).length) : 1;
}

/** Lookups over a run's resource tree, which each section of the plan reads. */
interface RunGraph {
  run: ProgramRun;
  byUrn: Map<string, Captured>;
  kids: Map<string, Captured[]>;
  root: Captured;
  ownerOf(r: Captured): Owner;
  /** Every resource of a type below a component, at any depth. */
  within(component: Captured, type: string): Captured[];
  byArn(type: string, arn: string | undefined): Captured | undefined;
  byIdSuffix(type: string, id: string | undefined): Captured | undefined;
  tgName(arn: string): string;
  listenerLabel(arn: string): string;
}

function runGraph(run: ProgramRun, systems: readonly Pick<SystemDescriptor, "key" | "componentType">[]): RunGraph {
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const kids = new Map<string, Captured[]>();
  for (const r of run.resources) {
    if (!r.parentUrn) continue;
    kids.set(r.parentUrn, [...(kids.get(r.parentUrn) ?? []), r]);
  }
  const root = run.resources.find((r) => r.type === T.stack)!;
  const topOf = (r: Captured): Captured => {
    let cur = r;
    while (cur.parentUrn && cur.parentUrn !== root.urn && byUrn.has(cur.parentUrn)) cur = byUrn.get(cur.parentUrn)!;
    return cur;
  };
  const ownerOf = (r: Captured): Owner => {
    const top = topOf(r).type;
    return (systems.find((s) => s.componentType === top)?.key as Owner | undefined) ?? "shared";
  };
  const within = (component: Captured, type: string): Captured[] => {
    const out: Captured[] = [];
    const walk = (r: Captured) => {
      for (const c of kids.get(r.urn) ?? []) {
        if (c.type === type) out.push(c);
        walk(c);
      }
    };
    walk(component);
    return out;
  };
  const byArn = (type: string, arn: string | undefined): Captured | undefined =>
    arn ? run.ofType(type).find((r) => r.state.arn === arn) : undefined;
  const byIdSuffix = (type: string, id: string | undefined): Captured | undefined =>
    id ? run.ofType(type).find((r) => typeof r.state.arn === "string" && r.state.arn.endsWith(`/${id}`)) : undefined;
  const tgName = (arn: string) => byArn(T.targetGroup, arn)?.name ?? lastSegment(arn);
  const listenerLabel = (arn: string) => {
    const l = byArn(T.listener, arn);
    return l ? `${l.inputs.protocol}:${l.inputs.port}` : lastSegment(arn);
  };
  return { run, byUrn, kids, root, ownerOf, within, byArn, byIdSuffix, tgName, listenerLabel };
}

/**
 * The plan model of a run. `systems` are the registered systems whose components own resources (the
 * registry's, unless a run composed others).
 */
export function buildPlan(
  run: ProgramRun,
  extra: { appRepoPath: string },
  systems: readonly Pick<SystemDescriptor, "key" | "componentType">[] = SYSTEM_REGISTRY,
): StackPlan {
  const g = runGraph(run, systems);
  const plan: StackPlan = {
    stack: run.stack,
    region: run.config["aws:region"] ?? "us-east-1",
    run,
    appRepoPath: extra.appRepoPath,
    warnings: run.warnings,
    ownerOf: g.ownerOf,
    children: (urn) => g.kids.get(urn) ?? [],
    root: g.root,
    network: networkPlan(run),
    platform: platformPlan(g),
    services: run.ofType(T.service).map((svc) => servicePlan(g, svc)),
    volumes: run.ofType(T.fileSystem).map((fs) => volumePlan(g, fs)),
    secrets: run.ofType(T.secretComponent).map((component) => secretPlan(g, component)),
    images: run.ofType(T.repository).map((repo) => imagePlan(g, repo)),
    release: releasePlan(run),
    alarmMetrics: alarmMetricsByOwner(g),
    settings: [],
  };
  plan.settings = settingsOf(plan);
  return plan;
}

/** The VPC: the program's own (awsx), or an existing one given by config. */
function networkPlan(run: ProgramRun): NetworkPlan {
  const vpc = run.ofType(T.vpc)[0];
  const albResource = run.ofType(T.loadBalancer)[0];
  const network: NetworkPlan = vpc
    ? {
        vpc: "new (awsx.ec2.Vpc)",
        cidr: vpc.inputs.cidrBlock,
        availabilityZones: vpc.inputs.numberOfAvailabilityZones,
        natStrategy: run.ofType(T.natInstance).length ? "NAT instance" : (vpc.inputs.natGateways?.strategy ?? "None"),
        natInstances: run.ofType(T.natInstance).map((i) => ({ name: i.name, type: i.inputs.instanceType, rootGb: i.inputs.rootBlockDevice?.volumeSize ?? 8 })),
        natGateways:
          vpc.inputs.natGateways?.strategy === "Single"
            ? 1
            : vpc.inputs.natGateways?.strategy === "None"
              ? 0
              : vpc.inputs.numberOfAvailabilityZones,
        publicIpv4: 0,
      }
    : {
        vpc: `existing ${run.config["ai-platform:vpcId"] ?? "?"}`,
        availabilityZones: JSON.parse(run.config["ai-platform:publicSubnetIds"] ?? "[]").length,
        natStrategy: "existing VPC (NAT not managed here)",
        natInstances: [],
        natGateways: 0,
        publicIpv4: 0,
      };
  network.publicIpv4 = (albResource?.inputs.subnets?.length ?? 0) + network.natGateways + network.natInstances.length;
  return network;
}

/** The shared platform: cluster, load balancer, listeners, certificate, DNS, keys, alarms topic, WAF, backup. */
function platformPlan(g: RunGraph): PlatformPlan {
  const { run, root, ownerOf, within, byArn, tgName } = g;
  const cluster = run.ofType(T.cluster)[0];
  const bucket = run.ofType(T.bucket)[0];
  const bucketExpiry = run.ofType(T.bucketLifecycle)[0]?.inputs.rules?.[0]?.expiration?.days;
  const topic = run.ofType(T.topic)[0];
  const albResource = run.ofType(T.loadBalancer)[0];
  return {
    containerInsights: cluster?.inputs.settings?.find((s: any) => s.name === "containerInsights")?.value ?? "disabled",
    alb: albResource
      ? {
          name: albResource.name,
          internal: Boolean(albResource.inputs.internal),
          idleTimeoutSeconds: albResource.inputs.idleTimeout,
          deletionProtection: Boolean(albResource.inputs.enableDeletionProtection),
          dropInvalidHeaders: Boolean(albResource.inputs.dropInvalidHeaderFields),
          accessLogs: albResource.inputs.accessLogs?.enabled
            ? `S3 bucket ${bucket?.name ?? "?"} (prefix ${albResource.inputs.accessLogs.prefix}${bucketExpiry ? `, expire after ${bucketExpiry} d` : ""}${bucket?.retainOnDelete ? ", kept on destroy" : ""})`
            : "off",
          subnets: albResource.inputs.subnets?.length ?? 0,
        }
      : undefined,
    listeners: run.ofType(T.listener).map((l) => ({
      name: l.name,
      port: l.inputs.port,
      protocol: l.inputs.protocol,
      action: (l.inputs.defaultActions ?? []).map((a: any) => describeAction(a, tgName)).join("; "),
      tlsPolicy: l.inputs.sslPolicy,
    })),
    ingress: within(root, T.ingress)
      .filter((r) => ownerOf(r) === "shared" && r.inputs.cidrIpv4)
      .map((r) => `${r.inputs.fromPort} from ${r.inputs.cidrIpv4}`),
    certificate: run.ofType(T.certificate)[0]
      ? (() => {
          const c = run.ofType(T.certificate)[0].inputs;
          return `${c.domainName}${c.subjectAlternativeNames?.length ? ` + ${c.subjectAlternativeNames.join(", ")}` : ""} (${c.validationMethod}-validated, ${c.keyAlgorithm ?? "RSA_2048"})`;
        })()
      : undefined,
    dnsRecords: run
      .ofType(T.record)
      .filter((r) => r.inputs.type === "A")
      .map((r) => `${r.state.name} → ALB (alias)`),
    dashboards: run.ofType(T.dashboard).map((d) => d.inputs.dashboardName),
    kmsKeys: run.ofType(T.kmsKey).map((k) => `${k.name}${k.inputs.enableKeyRotation ? " (rotation on)" : ""}`),
    alarmTopic: topic
      ? `${topic.name}: encrypted with KMS key, ${run.ofType(T.subscription).length} e-mail subscription(s)`
      : undefined,
    waf: wafPlan(run, (arn) => byArn(T.ipSet, arn), (r) => within(r, T.alarm).map(describeAlarm)),
    backup: backupPlanView(run),
    replication: run.ofType(T.replication).map((r) => ({ fileSystem: r.name, owner: ownerOf(r), region: r.inputs.destination?.region })),
  };
}

/** A file system with its access points, mount targets, backup policy and alarms. */
function volumePlan(g: RunGraph, fs: Captured): VolumePlan {
  const { byUrn, ownerOf, within } = g;
  const volume = byUrn.get(fs.parentUrn ?? "") ?? fs;
  const ia = fs.inputs.lifecyclePolicies?.find((p: any) => p.transitionToIa)?.transitionToIa;
  const back = fs.inputs.lifecyclePolicies?.find((p: any) => p.transitionToPrimaryStorageClass)?.transitionToPrimaryStorageClass;
  return {
    owner: ownerOf(fs),
    name: fs.name,
    throughputMode: fs.inputs.throughputMode,
    provisionedMibps: fs.inputs.provisionedThroughputInMibps,
    encrypted: Boolean(fs.inputs.encrypted),
    protect: fs.protect,
    retainOnDelete: fs.retainOnDelete,
    lifecycle: ia ? `to IA ${ia}${back ? `, back ${back}` : ""}` : "none",
    backup: within(volume, T.backupPolicy)[0]?.inputs.backupPolicy?.status ?? "none",
    mountTargets: within(volume, T.mountTarget).length,
    accessPoints: within(volume, T.accessPoint).map((ap) => ({
      name: ap.name,
      path: ap.inputs.rootDirectory?.path ?? "/",
      owner: `${ap.inputs.posixUser?.uid}:${ap.inputs.posixUser?.gid}`,
      permissions: ap.inputs.rootDirectory?.creationInfo?.permissions ?? "?",
    })),
    alarms: within(volume, T.alarm).map(describeAlarm),
  };
}

/** A service: its task, containers, deployment bounds, scaling, schedule, routing, alarms and network rules. */
function servicePlan(g: RunGraph, svc: Captured): ServicePlan {
  const component = g.byUrn.get(svc.parentUrn ?? "") ?? svc;
  const td = g.within(component, T.taskDefinition)[0];
  const defs = td ? containerDefinitions(td) : [];
  const logGroup = g.within(component, T.logGroup)[0];
  return {
    owner: g.ownerOf(svc),
    name: svc.name,
    family: td?.inputs.family ?? "?",
    cpu: Number(td?.inputs.cpu ?? 0),
    memoryMiB: Number(td?.inputs.memory ?? 0),
    architecture: td?.inputs.runtimePlatform?.cpuArchitecture ?? "X86_64",
    desiredCount: svc.inputs.desiredCount ?? 1,
    scaling: scalingOf(g, component),
    capacity: (svc.inputs.capacityProviderStrategies ?? [{ capacityProvider: "FARGATE", weight: 1 }]).map((c: any) => ({
      provider: c.capacityProvider,
      weight: c.weight ?? 0,
      ...(c.base ? { base: c.base } : {}),
    })),
    schedule: scheduleOf(g, component),
    minHealthyPercent: svc.inputs.deploymentMinimumHealthyPercent ?? 100,
    maxPercent: svc.inputs.deploymentMaximumPercent ?? 200,
    gracePeriodSeconds: svc.inputs.healthCheckGracePeriodSeconds,
    circuitBreaker: svc.inputs.deploymentCircuitBreaker?.enable
      ? `on${svc.inputs.deploymentCircuitBreaker.rollback ? " (rollback)" : ""}`
      : "off",
    rollbackAlarms: svc.inputs.alarms?.enable ? (svc.inputs.alarms.alarmNames ?? []).length : 0,
    deployTime: component === svc ? undefined : component.state.deployTime,
    rollback: component === svc ? undefined : component.state.rollback,
    timeouts: svc.customTimeouts,
    ecsExec: Boolean(svc.inputs.enableExecuteCommand),
    waitForSteadyState: Boolean(svc.inputs.waitForSteadyState),
    publicIp: Boolean(svc.inputs.networkConfiguration?.assignPublicIp),
    containers: defs.map((c) => containerPlan(component, c)),
    volumes: volumeMounts(g, td),
    targetGroups: targetGroupsOf(g, svc),
    rules: listenerRules(g, component),
    logGroup: logGroup ? { name: logGroup.state.name, retentionDays: logGroup.inputs.retentionInDays } : undefined,
    alarms: g.within(component, T.alarm).map(describeAlarm),
    ...securityGroupRules(g, component, svc),
  };
}

/** A task definition's EFS volumes: the others are the containers' scratch space (their writable paths), shown per container. */
function volumeMounts(g: RunGraph, td: Captured | undefined): VolumeMountPlan[] {
  const { byIdSuffix } = g;
  const tdVolumes: any[] = (td?.inputs.volumes ?? []).filter((v: any) => v.efsVolumeConfiguration);
  return tdVolumes.map((v) => {
    const efs = v.efsVolumeConfiguration ?? {};
    const fs = byIdSuffix(T.fileSystem, efs.fileSystemId);
    const ap = byIdSuffix(T.accessPoint, efs.authorizationConfig?.accessPointId);
    return {
      name: v.name,
      fileSystem: fs?.name ?? efs.fileSystemId ?? "?",
      accessPointPath: ap?.inputs.rootDirectory?.path ?? "/",
      encryptedInTransit: efs.transitEncryption === "ENABLED",
      iam: efs.authorizationConfig?.iam === "ENABLED",
    };
  });
}

/** The target groups a service registers with, and their health checks. */
function targetGroupsOf(g: RunGraph, svc: Captured): TargetGroupPlan[] {
  const { byArn } = g;
  return (svc.inputs.loadBalancers ?? []).map((lb: any) => {
    const tg = byArn(T.targetGroup, lb.targetGroupArn);
    const hc = tg?.inputs.healthCheck ?? {};
    return {
      name: tg?.name ?? lastSegment(lb.targetGroupArn),
      port: tg?.inputs.port,
      protocol: tg?.inputs.protocol,
      path: hc.path,
      healthPort: hc.port,
      matcher: hc.matcher,
      intervalSeconds: hc.interval,
      timeoutSeconds: hc.timeout,
      healthyThreshold: hc.healthyThreshold,
      unhealthyThreshold: hc.unhealthyThreshold,
      deregistrationDelaySeconds: Number(tg?.inputs.deregistrationDelay ?? 300),
      container: `${lb.containerName}:${lb.containerPort}`,
    };
  });
}

/** A target with policies is autoscaling; one without (a sleeping single writer's) only carries the schedule. */
function scalingOf(g: RunGraph, component: Captured): ServicePlan["scaling"] {
  const { within } = g;
  const scalingTarget = within(component, T.scalingTarget).find((t) => within(component, T.scalingPolicy).some((p) => p.inputs.resourceId === t.inputs.resourceId));
  const policies = within(component, T.scalingPolicy).map((p) => {
    const c = p.inputs.targetTrackingScalingPolicyConfiguration ?? {};
    const metric = c.predefinedMetricSpecification?.predefinedMetricType;
    return metric === "ECSServiceAverageCPUUtilization" ? `CPU ${c.targetValue}%` : metric === "ALBRequestCountPerTarget" ? `${c.targetValue} requests/target` : `${metric} ${c.targetValue}`;
  });
  return scalingTarget ? { min: scalingTarget.inputs.minCapacity, max: scalingTarget.inputs.maxCapacity, policies } : undefined;
}

/** The wake and sleep schedule of a service that sleeps. */
function scheduleOf(g: RunGraph, component: Captured): ServicePlan["schedule"] {
  const actions = g.within(component, T.scheduledAction);
  const wake = actions.find((a) => a.name.endsWith("-wake"));
  const sleep = actions.find((a) => a.name.endsWith("-sleep"));
  return wake && sleep
    ? { wake: wake.inputs.schedule, sleep: sleep.inputs.schedule, timezone: wake.inputs.timezone ?? "UTC", hoursPerWeek: scheduleHoursPerWeek(wake.inputs.schedule, sleep.inputs.schedule) }
    : undefined;
}

/** What a service's tasks accept, and what they may reach. */
function securityGroupRules(g: RunGraph, component: Captured, svc: Captured): Pick<ServicePlan, "ingress" | "egress"> {
  const { within } = g;
  const sgIngress = within(component, T.ingress).map((r) => `${r.inputs.fromPort} from ${r.inputs.referencedSecurityGroupId ? "the ALB" : r.inputs.cidrIpv4}`);
  const taskGroups: string[] = svc.inputs.networkConfiguration?.securityGroups ?? [];
  const sgEgress = within(component, T.egress)
    .filter((r) => taskGroups.includes(r.inputs.securityGroupId))
    .map((r) =>
      r.inputs.fromPort === 2049
        ? "NFS 2049 to its EFS"
        : r.inputs.fromPort === r.inputs.toPort
          ? `${r.inputs.fromPort} to ${r.inputs.cidrIpv4 ?? "a security group"}`
          : `TCP ${r.inputs.fromPort}-${r.inputs.toPort} to ${r.inputs.cidrIpv4 ?? "a security group"}`,
    );
  return { ingress: sgIngress, egress: sgEgress };
}

/** One container of a task: image, ports, health check, order, mounts and what it runs as. */
function containerPlan(component: Captured, c: any): ContainerPlan {
  return {
    name: c.name,
    image: shortImage(c.image),
    command: c.command?.join(" "),
    ports: (c.portMappings ?? []).map((p: any) => p.containerPort),
    healthCheck: `${component.state.healthChecks?.[c.name] ?? "none"} (every ${c.healthCheck?.interval}s, ${c.healthCheck?.retries} retries, start ${c.healthCheck?.startPeriod ?? 0}s)`,
    dependsOn: (c.dependsOn ?? []).map((d: any) => `${d.containerName} ${d.condition}`),
    mounts: (c.mountPoints ?? []).map((m: any) => `${m.sourceVolume} → ${m.containerPath}${m.readOnly ? " (ro)" : ""}`),
    runsAs: [
      c.user ?? "the image's user",
      c.readonlyRootFilesystem ? "read-only root" : "writable root",
      `drops ${(c.linuxParameters?.capabilities?.drop ?? []).join(", ") || "nothing"}`,
      ...((c.linuxParameters?.capabilities?.add ?? []).length ? [`adds ${c.linuxParameters.capabilities.add.join(", ")}`] : []),
    ].join(", "),
  };
}

/** The listener rules that forward to a service, by priority. */
function listenerRules(g: RunGraph, component: Captured): RulePlan[] {
  const { within, listenerLabel, tgName } = g;
  return within(component, T.listenerRule)
    .map((r) => ({
      name: r.name,
      listener: listenerLabel(r.inputs.listenerArn),
      priority: r.inputs.priority,
      conditions: describeConditions(r.inputs.conditions),
      action: (r.inputs.actions ?? []).map((a: any) => describeAction(a, tgName)).join("; "),
    }))
    .sort((a, b) => a.priority - b.priority);
}

/** A secret: generated by the program, or an operator's. */
function secretPlan(g: RunGraph, component: Captured): SecretPlan {
  const { ownerOf, within } = g;
  const secret = within(component, T.secret)[0];
  const generated = within(component, T.randomBytes)[0];
  return {
    owner: ownerOf(component),
    name: component.name,
    origin: generated ? `generated (${generated.inputs.length} random bytes)` : "an operator's, in Secrets Manager (scripts/stack-secrets.sh)",
    recoveryWindowDays: secret?.inputs.recoveryWindowInDays,
  };
}

/** An image repository, its lifecycle and whether this run builds its image. */
function imagePlan(g: RunGraph, repo: Captured): ImagePlan {
  const { byUrn, ownerOf, within } = g;
  const component = byUrn.get(repo.parentUrn ?? "");
  const lifecycle = component ? within(component, T.lifecyclePolicy)[0] : undefined;
  const keep = lifecycle ? policyDocument(lifecycle)?.rules?.find((r: any) => r.selection?.countType === "imageCountMoreThan")?.selection?.countNumber : undefined;
  const build = component ? within(component, T.image)[0] : undefined;
  const i = repo.inputs;
  return {
    owner: ownerOf(repo),
    name: repo.name,
    repository: `tags ${i.imageTagMutability}, scan on push ${i.imageScanningConfiguration?.scanOnPush ? "on" : "off"}, ${i.encryptionConfigurations?.[0]?.encryptionType ?? "AES256"} encryption${i.forceDelete ? ", deleted with the stack" : ""}`,
    keepImages: keep,
    built: build ? `built for ${(build.inputs.platforms ?? []).join(", ")}, pushed, registry cache` : "not built (app repo checkout missing)",
  };
}

/** The app revision, the image tags and where the stack promotes from. */
function releasePlan(run: ProgramRun): ReleasePlan {
  const promotion = run.ofType(T.promotion)[0];
  return {
    appRevision: run.outputs.appRevision ?? "?",
    imageTags: run.outputs.imageTags ?? {},
    promoteFrom: run.config["ai-platform:promoteFrom"] || undefined,
    promotion: promotion ? { override: promotion.state.override, systems: promotion.state.systems ?? [] } : undefined,
  };
}

/** The alarm metrics each owner is billed for. */
function alarmMetricsByOwner(g: RunGraph): Record<Owner, number> {
  const alarmMetrics = Object.fromEntries(OWNERS.map((o) => [o, 0])) as Record<Owner, number>;
  for (const a of g.run.ofType(T.alarm)) alarmMetrics[g.ownerOf(a)] += alarmMetricCount(a);
  return alarmMetrics;
}

const onOff = (b: boolean) => (b ? "on" : "off");

/** The settings two stacks are compared on, each as a short string. */
function settingsOf(p: StackPlan): Setting[] {
  const s: Setting[] = [];
  const add = (key: string, value: unknown) => s.push({ key, value: String(value) });
  add("Promotion", p.release.promoteFrom ? `from ${p.release.promoteFrom}${p.release.promotion?.override ? `, overridden: "${p.release.promotion.override}"` : ""}` : "none");
  add("VPC", `${p.network.vpc}${p.network.cidr ? ` ${p.network.cidr}` : ""}`);
  add("Availability zones", p.network.availabilityZones);
  add("NAT", p.network.natInstances.length ? `NAT instance (${p.network.natInstances.map((i) => i.type).join(", ")})` : `${p.network.natStrategy} (${p.network.natGateways})`);
  add("Public IPv4 addresses", p.network.publicIpv4);
  add("Container Insights", p.platform.containerInsights);
  add("Listeners", p.platform.listeners.map((l) => `${l.protocol}:${l.port}`).join(", ") || "none");
  add("HTTPS", p.platform.certificate ? `on (${p.platform.certificate})` : "off (HTTP on listener ports)");
  add("TLS policy", p.platform.listeners.map((l) => l.tlsPolicy).filter(Boolean).join(", ") || "none");
  if (p.platform.alb) {
    add("ALB deletion protection", onOff(p.platform.alb.deletionProtection));
    add("ALB access logs", p.platform.alb.accessLogs);
    add("ALB idle timeout", `${p.platform.alb.idleTimeoutSeconds} s`);
  }
  add("ALB ingress", p.platform.ingress.join(", "));
  add("Alarm e-mail subscriptions", p.run.ofType(TYPES.subscription).length);
  for (const svc of p.services) {
    const k = `${OWNER_TITLES[svc.owner]} (${svc.name})`;
    add(`${k}: task size`, `${svc.cpu} CPU / ${svc.memoryMiB} MiB ${svc.architecture}`);
    add(`${k}: tasks`, svc.scaling ? `${svc.scaling.min}-${svc.scaling.max} (autoscaling)` : `${svc.desiredCount}`);
    add(`${k}: deployment`, `min ${svc.minHealthyPercent}% / max ${svc.maxPercent}%`);
    add(`${k}: grace period`, svc.gracePeriodSeconds === undefined ? "none" : `${svc.gracePeriodSeconds} s`);
    add(`${k}: ECS exec`, onOff(svc.ecsExec));
    add(`${k}: log retention`, svc.logGroup ? `${svc.logGroup.retentionDays} d` : "none");
    add(`${k}: listener rules`, svc.rules.map((r) => `${r.priority} ${r.conditions}`).join("; "));
  }
  for (const v of p.volumes) {
    const k = `EFS ${v.name}`;
    add(`${k}: throughput`, `${v.throughputMode}${v.provisionedMibps ? ` ${v.provisionedMibps} MiB/s` : ""}`);
    add(`${k}: protection`, v.protect || v.retainOnDelete ? `protect ${onOff(v.protect)}, retain on delete ${onOff(v.retainOnDelete)}` : "none");
    add(`${k}: mount targets`, v.mountTargets);
  }
  for (const sec of p.secrets) add(`Secret ${sec.name}: recovery window`, `${sec.recoveryWindowDays} d`);
  for (const img of p.images) add(`ECR ${img.name}: images kept`, img.keepImages ?? "?");
  return s;
}

/** The web ACL as the plan shows it: each rule in evaluation order, what it matches and what it does. */
function wafPlan(run: ProgramRun, ipSetOf: (arn: string) => Captured | undefined, alarmsOf: (component: Captured) => string[]): WafPlan | undefined {
  const acl = run.ofType(T.webAcl)[0];
  if (!acl) return undefined;
  const component = run.resources.find((r) => r.urn === acl.parentUrn);
  const logging = run.ofType(T.wafLogging)[0];
  const logGroup = run.ofType(T.logGroup).find((g) => logging?.inputs.logDestinationConfigs?.includes(g.state.arn));
  const statement = (st: any): string => {
    if (st.managedRuleGroupStatement) {
      const m = st.managedRuleGroupStatement;
      const counted = (m.ruleActionOverrides ?? []).filter((o: any) => o.actionToUse?.count).map((o: any) => o.name);
      return `${m.vendorName} managed group ${m.name}${counted.length ? ` (count only: ${counted.join(", ")})` : ""}`;
    }
    if (st.rateBasedStatement) {
      const r = st.rateBasedStatement;
      return `more than ${r.limit} requests per ${r.aggregateKeyType} in ${r.evaluationWindowSec ?? 300} s`;
    }
    if (st.byteMatchStatement) {
      const b = st.byteMatchStatement;
      const field = Object.keys(b.fieldToMatch ?? {})[0] ?? "?";
      const transforms = (b.textTransformations ?? []).slice().sort((x: any, y: any) => x.priority - y.priority).map((t: any) => t.type);
      return `${field} ${String(b.positionalConstraint).toLowerCase().replace("_", " ")} ${b.searchString}${transforms.length ? ` after ${transforms.join(", ")}` : ""}`;
    }
    if (st.ipSetReferenceStatement) {
      const set = ipSetOf(st.ipSetReferenceStatement.arn);
      return `source in IP set ${set?.name ?? "?"} (${(set?.inputs.addresses ?? []).join(", ") || "empty"})`;
    }
    if (st.notStatement) return `not (${statement(st.notStatement.statement)})`;
    if (st.andStatement) return st.andStatement.statements.map(operand).join(" and ");
    if (st.orStatement) return st.orStatement.statements.map(operand).join(" or ");
    return Object.keys(st).join(", ");
  };
  // An and/or inside another one is parenthesized: "a or b and c" would read two ways.
  const operand = (st: any): string => (st.andStatement || st.orStatement ? `(${statement(st)})` : statement(st));
  const action = (rule: any): string =>
    rule.action ? Object.keys(rule.action)[0] : rule.overrideAction?.count ? "count (group overridden)" : "the group's own actions";
  return {
    name: acl.name,
    rules: (acl.inputs.rules ?? [])
      .slice()
      .sort((a: any, b: any) => a.priority - b.priority)
      .map((r: any) => ({ priority: r.priority, name: r.name, action: action(r), match: statement(r.statement) })),
    logGroup: logGroup ? `${logGroup.inputs.name}, kept ${logGroup.inputs.retentionInDays} days` : undefined,
    redactedHeaders: (logging?.inputs.redactedFields ?? []).flatMap((f: any) => (f.singleHeader ? [f.singleHeader.name] : [])),
    alarms: component ? alarmsOf(component) : [],
  };
}

/**
 * Hours a week between a wake and a sleep cron of the sleep schedule (`cron(m h ? * DAYS *)`, the same days), by the
 * rule config.ts uses for the schedule it reads.
 */
export function scheduleHoursPerWeek(wakeCron: string, sleepCron: string): number {
  const parse = (c: string) => {
    const [minute, hour, , , days] = c.replace(/^cron\(|\)$/g, "").split(" ");
    return { minutes: Number(hour) * 60 + Number(minute), days };
  };
  const wake = parse(wakeCron);
  const sleep = parse(sleepCron);
  const [from, to = from] = wake.days.split("-");
  return awakeHoursPerWeek([from, to], wake.minutes, sleep.minutes);
}

/** The backup plan as the plan shows it: its rules, what it selects, where copies go. */
function backupPlanView(run: ProgramRun): BackupPlanView | undefined {
  const plan = run.ofType(T.backupPlan)[0];
  if (!plan) return undefined;
  const vaults = run.ofType(T.backupVault);
  const vault = vaults.find((v) => !v.inputs.region) ?? vaults[0];
  const copy = vaults.find((v) => v !== vault);
  const selected = run.ofType(T.backupSelection).flatMap((sel) => sel.inputs.resources ?? []);
  const fileSystems = run
    .ofType(T.fileSystem)
    .filter((f) => selected.includes(f.state.arn))
    .map((f) => f.name);
  const adopted = selected.filter((arn: string) => !run.ofType(T.fileSystem).some((f) => f.state.arn === arn)).map((arn: string) => `restored ${arn.split("/").pop()}`);
  return {
    rules: (plan.inputs.rules ?? []).map((r: any) => ({
      name: r.ruleName,
      schedule: r.schedule,
      retentionDays: r.lifecycle?.deleteAfter,
      copyTo: (r.copyActions ?? []).length ? copy?.inputs.region : undefined,
    })),
    fileSystems: [...fileSystems, ...adopted],
    vault: vault.name,
    copyRegion: copy?.inputs.region,
    locked: run.ofType(T.backupLock).length > 0,
    keptOnDestroy: Boolean(vault.retainOnDelete),
  };
}
