import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CRON_DAYS, awakeHoursPerWeek } from "./components/shared/defaults";
import { CONFIG_CONSTRAINTS, ConfigValue, ConfigValues, Constraint } from "./config-constraints";
import { CAPACITY_MODES, ConfigKey, ConfigKeyName, PROJECT, SYSTEM_NAMES, configSchema, limitProblem } from "./config-schema";

/**
 * A file system restored from a backup, adopted by the volume instead of its own.
 * @example { fileSystemId: "fs-0123456789abcdef0", path: "aws-backup-restore_2026-05-01T03-10-00-000Z/gateway/writer/snapshot" }
 */
export interface VolumeRestore {
  /** The restored file system, in this account and region, on the volume's own key. */
  fileSystemId: string;
  /**
   * The directory of the restored file system that holds the access points' directories: the nightly snapshot
   * under AWS Backup's `aws-backup-restore_<timestamp>/` (`<root>/writer/snapshot`), or the live copy (`<root>`).
   */
  path: string;
}

/** The systems a stack can switch on. */
export type SystemName = (typeof SYSTEM_NAMES)[number];

export type Architecture = "X86_64" | "ARM64";

/** Target-group health-check timing shared by every public endpoint. */
export interface HealthCheckTiming {
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  deregistrationDelaySeconds: number;
}

export interface TaskSize {
  cpu: number;
  memory: number;
}

export type CapacityMode = (typeof CAPACITY_MODES)[number];

/** Where a service's tasks run: Fargate, Fargate Spot, or a base on Fargate and the rest split by weight. */
export interface Capacity {
  mode: CapacityMode;
  /** With `mixed`: tasks always on demand. */
  onDemandBase: number;
  /** With `mixed`: Spot weight beside on demand's 1. */
  spotWeight: number;
}

/** The hours a stack runs; outside them every service is scaled to 0. */
export interface AwakeSchedule {
  /** IANA time zone the hours are in. */
  timezone: string;
  /** First and last day, as cron names (MON..SUN). */
  days: [string, string];
  /** Wake and sleep times. */
  wake: { hour: number; minute: number };
  sleep: { hour: number; minute: number };
  /** Hours awake in a week (for the cost estimate). */
  hoursPerWeek: number;
}

export interface BackupSettings {
  dailyRetentionDays: number;
  /** 0: no monthly backups. */
  monthlyRetentionMonths: number;
  /** Region of the vault every recovery point is copied to; undefined: no copy. */
  copyRegion?: string;
  vaultLock: boolean;
}

export interface WafSettings {
  /** Requests one client IP may send per window before it is blocked. */
  rateLimit: number;
  rateWindowSeconds: number;
  /** Blocked requests in 5 minutes that notify the alarm topic. */
  blockedRequestsAlarm: number;
}

/** What the load balancer checks in a Supabase access token before it forwards a key-API request. */
export interface JwtValidation {
  issuer: string;
  jwksEndpoint: string;
  /** Claims besides exp, iss, nbf and iat, each with the values it may take. */
  claims: { name: string; values: string[] }[];
  /** How the issuer signs its tokens: the load balancer verifies RS256 only (config-constraints.ts refuses others). */
  algorithm: "RS256";
}

export interface AlarmSettings {
  emails: string[];
  cpuPercent: number;
  memoryPercent: number;
  target5xxCount: number;
  evaluationPeriods: number;
}

/** Where a stack's images come from: the stack that must run them first, and the reason to deploy ones it does not. */
export interface PromotionSettings {
  /** The stack of this project whose images this one may run. @example "staging" */
  from: string;
  /** Why this deploy may run images `from` does not run (a hotfix); undefined: such images are refused. */
  override?: string;
}

/** The whole stack config, typed and validated. */
export interface StackConfig {
  project: string;
  stack: string;
  /** Absolute path of the app repo checkout. */
  appRepoPath: string;
  /**
   * What a missing app checkout means: `error` (preview/up) or `warn` (the offline plan, which sets
   * AI_PLATFORM_OFFLINE_PLAN=1 and plans the rest).
   */
  missingContext: "error" | "warn";
  /** The stack this one promotes from (components/systems/promotion.ts); undefined: it builds what its checkout holds. */
  promotion?: PromotionSettings;
  architecture: Architecture;
  systems: Record<SystemName, boolean>;
  network: {
    existing?: { vpcId: string; publicSubnetIds: string[]; privateSubnetIds: string[] };
    cidr: string;
    availabilityZones: number;
    natGateways: "single" | "onePerAz" | "instance";
  };
  /** Undefined: always awake. */
  schedule?: AwakeSchedule;
  /** Route 53 hosted zone name; undefined: HTTP on listener ports of the ALB's DNS name. */
  domain?: string;
  /** The web application firewall on the load balancer; undefined: none. */
  waf?: WafSettings;
  alb: {
    ingressCidrs: string[];
    accessLogs: boolean;
    deletionProtection: boolean;
    idleTimeoutSeconds: number;
    ports: { gateway: number; api: number; control: number; console: number };
  };
  healthCheck: HealthCheckTiming;
  logRetentionDays: number;
  protectState: boolean;
  secretRecoveryWindowDays: number;
  efs: {
    throughputMode: "bursting" | "elastic" | "provisioned";
    provisionedThroughputMibps?: number;
    transitionToIa: string;
    /** Region of each file system's read-only replica; undefined: none. */
    replicationRegion?: string;
  };
  /** The stack's own backup plan; undefined: EFS's default daily backups (35 days). */
  backups?: BackupSettings;
  ecrKeepImages: number;
  ecsExec: boolean;
  /** Name of the permissions-boundary policy every role of the stack carries (bootstrap/ makes it). */
  iamPermissionsBoundary: string;
  alarms: AlarmSettings;
  supabase: { url: string; anonKey: string };
  gateway: TaskSize & {
    capacity: Capacity;
    /** A restored file system the gateway adopts instead of its own, and where its directories are on it. */
    restore?: VolumeRestore;
    healthCheckGracePeriodSeconds: number;
    chromaImage: string;
    intelligenceEnabled: boolean;
    summaryThresholdBytes: number;
    intelligenceTtlHours: number;
    adminCidrs: string[];
    /** With a domain: the key API also needs a valid Supabase token; undefined: the CIDRs alone decide. */
    keyApiJwt?: JwtValidation;
  };
  securityStack: TaskSize & {
    capacity: Capacity;
    /** A restored file system the security stack adopts instead of its own, and where its directories are on it. */
    restore?: VolumeRestore;
    healthCheckGracePeriodSeconds: number;
    rustLog: string;
    /** Networks that may reach the control plane through the load balancer; none: closed. */
    controlCidrs: string[];
    /** Whether the API's interactive docs are served publicly. */
    apiDocs: boolean;
  };
  uiConsole: TaskSize & { capacity: Capacity; minCount: number; maxCount: number };
}

/** Raised when stack config is invalid: every problem, one per line, printed without a stack trace. */
export class ConfigError extends pulumi.RunError {
  constructor(public readonly problems: string[]) {
    super(
      `Invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Keys that were stack secrets before the values moved to Secrets Manager alone (components/resources/operator-secrets.ts). */
const MOVED_TO_SECRETS_MANAGER = ["geminiApiKey", "googleApiKey", "supabaseJwtSecret"];

/**
 * Reads keys with their schema defaults and records problems instead of throwing at the first: a value of the
 * wrong type, or outside its key's limits (config-schema.ts). Each key is judged once, however often it is read.
 */
class Reader {
  readonly problems: string[] = [];
  private readonly raw: Record<string, string>;
  private readonly judged = new Set<ConfigKeyName>();

  constructor(private readonly project: string) {
    this.raw = pulumi.runtime.allConfig();
  }

  private value(key: ConfigKeyName): string | undefined {
    return this.raw[`${this.project}:${key}`];
  }

  /** A key of another namespace, as set (`aws:region`). */
  foreign(qualifiedKey: string): string | undefined {
    return this.raw[qualifiedKey];
  }

  /** Keys set in this project's namespace that the program never reads: a typo would fall back to the default. */
  rejectUnknownKeys(): void {
    const prefix = `${this.project}:`;
    for (const qualified of Object.keys(this.raw).filter((k) => k.startsWith(prefix))) {
      const key = qualified.slice(prefix.length);
      if (key in configSchema) continue;
      if (MOVED_TO_SECRETS_MANAGER.includes(key)) {
        this.problems.push(
          `${qualified}: lives in Secrets Manager now, never in stack config; put it with \`pulumi config get ${key} | scripts/stack-secrets.sh ${pulumi.getStack()} ${key}\`, then \`pulumi config rm ${key}\``,
        );
        continue;
      }
      const near = Object.keys(configSchema).find((k) => k.toLowerCase() === key.toLowerCase());
      this.problems.push(
        `${qualified}: is not a config key of this project${near ? ` (did you mean ${near}?)` : ""}; remove it with \`pulumi config rm ${key}\``,
      );
    }
  }

  /** A problem about `key`, worded `<project>:<key>: <what>` so it names the key to change. */
  problem(key: ConfigKeyName, message: string): void {
    this.problems.push(`${this.project}:${key}: ${message}`);
  }

  /**
   * Judges every key against its type and limits, used by this stack or not: a bad value is refused where it is
   * written, not later when a stack starts to use it.
   */
  judgeEveryKey(): void {
    for (const [key, spec] of Object.entries(configSchema) as [ConfigKeyName, ConfigKey][]) {
      if (spec.secret) continue;
      if (spec.type === "integer") this.integer(key);
      else if (spec.type === "boolean") this.boolean(key);
      else if (spec.type === "array") this.array(key);
      else this.string(key);
    }
  }

  /** Records the key's limit problem with a value, once per key. */
  private judge<T extends string | number | string[]>(key: ConfigKeyName, value: T): T {
    if (this.judged.has(key)) return value;
    this.judged.add(key);
    const problem = limitProblem(configSchema[key] as ConfigKey, value);
    if (problem) this.problem(key, problem);
    return value;
  }

  /** Whether a problem about this key is recorded already (a rule between keys then says nothing more). */
  hasProblem(key: ConfigKeyName): boolean {
    return this.problems.some((p) => p.startsWith(`${this.project}:${key}: `));
  }

  /** Records a type problem once per key; the default stands in. */
  private typeProblem(key: ConfigKeyName, message: string): void {
    if (this.judged.has(key)) return;
    this.judged.add(key);
    this.problem(key, message);
  }

  string(key: ConfigKeyName): string {
    const v = this.value(key);
    return this.judge(key, v === undefined ? String(schemaDefault(key)) : v);
  }

  integer(key: ConfigKeyName): number {
    const v = this.value(key);
    if (v === undefined) return this.judge(key, schemaDefault(key) as number);
    if (!/^-?\d+$/.test(v.trim())) {
      this.typeProblem(key, `"${v}" is not a whole number; set it with \`pulumi config set ${key} <number>\``);
      return schemaDefault(key) as number;
    }
    return this.judge(key, Number(v));
  }

  boolean(key: ConfigKeyName): boolean {
    const v = this.value(key);
    if (v === undefined) return schemaDefault(key) as boolean;
    if (v !== "true" && v !== "false") {
      this.typeProblem(key, `"${v}" is not true or false`);
      return schemaDefault(key) as boolean;
    }
    return v === "true";
  }

  array(key: ConfigKeyName): string[] {
    const v = this.value(key);
    if (v === undefined) return this.judge(key, schemaDefault(key) as string[]);
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return this.judge(key, parsed as string[]);
    } catch {
      // fall through to the problem below
    }
    this.typeProblem(key, `must be a list of strings, e.g. \`pulumi config set --path '${key}[0]' value\``);
    return schemaDefault(key) as string[];
  }

  /** Records the problem of each rule between keys (config-constraints.ts) that the values break. */
  checkConstraints(constraints: Constraint[]): void {
    const values: ConfigValues = {
      get: <T extends ConfigValue>(key: ConfigKeyName): T => {
        const type = (configSchema[key] as ConfigKey).type;
        return (type === "integer" ? this.integer(key) : type === "boolean" ? this.boolean(key) : type === "array" ? this.array(key) : this.string(key)) as T;
      },
      region: this.foreign("aws:region") ?? "",
      refused: (key) => this.hasProblem(key),
    };
    for (const c of constraints) {
      const problem = c.check(values);
      if (problem) this.problem(c.keys[0], problem);
    }
  }


}

function schemaDefault(key: ConfigKeyName): ConfigKey["default"] {
  return (configSchema[key] as ConfigKey).default;
}

/** A valid IPv4 CIDR (`a.b.c.d/n`) with its prefix length, or undefined. */
export function parseCidr(cidr: string): { prefix: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const hostBits = 2 ** (32 - prefix);
  if (ip % hostBits !== 0) return undefined;
  return { prefix };
}


/**
 * Reads every key once and validates all of it before any resource exists.
 * Throws a ConfigError listing every problem, each naming the key and the fix.
 */
export function loadConfig(): StackConfig {
  const project = pulumi.getProject() || PROJECT;
  const stack = pulumi.getStack();
  const r = new Reader(project);
  r.rejectUnknownKeys();
  r.judgeEveryKey();

  // The sections in the order their problems are reported: systems first, since what is required depends on them.
  const systems = readSystems(r);
  const architecture = r.string("architecture") as Architecture;
  const appRepoPath = path.resolve(r.string("appRepoPath"));
  const promotion = readPromotion(r, stack);
  const network = readNetwork(r);
  const domain = r.string("domain").toLowerCase().replace(/\.$/, "");
  const edge = readEdge(r, domain);
  const healthCheck = readHealthCheck(r);
  const storage = readStorage(r);
  const alarms = readAlarms(r);
  const supabase = readSupabase(r, systems);
  const waf = readWaf(r);
  const keyApiJwt = readKeyApiJwt(r, domain, supabase.url);
  const protectState = r.boolean("protectState");
  const capacities = readCapacities(r, protectState);
  const schedule = readSchedule(r);
  const services = readServices(r, { capacities, restores: storage.restores, adminCidrs: edge.adminCidrs, controlCidrs: edge.controlCidrs, keyApiJwt });
  const iamPermissionsBoundary = readPermissionsBoundary(r);

  r.checkConstraints(CONFIG_CONSTRAINTS);
  if (r.problems.length > 0) throw new ConfigError(r.problems);

  return {
    project,
    stack,
    appRepoPath,
    missingContext: process.env.AI_PLATFORM_OFFLINE_PLAN === "1" ? "warn" : "error",
    promotion,
    architecture,
    systems,
    network,
    schedule,
    domain: domain || undefined,
    waf,
    alb: edge.alb,
    healthCheck,
    logRetentionDays: r.integer("logRetentionDays"),
    protectState,
    secretRecoveryWindowDays: r.integer("secretRecoveryWindowDays"),
    efs: storage.efs,
    backups: storage.backups,
    ecrKeepImages: r.integer("ecrKeepImages"),
    ecsExec: r.boolean("ecsExec"),
    iamPermissionsBoundary,
    alarms,
    supabase,
    ...services,
  };
}

/** Which systems the stack deploys; the console needs both others. */
function readSystems(r: Reader): Record<SystemName, boolean> {
  const systemList = r.array("systems");
  const systems = Object.fromEntries(SYSTEM_NAMES.map((n) => [n, false])) as Record<SystemName, boolean>;
  // With a domain, the platform's certificate is issued for the systems' hosts: none would leave it without one.
  if (systemList.length === 0) r.problem("systems", `is empty; deploy at least one of ${SYSTEM_NAMES.join(", ")}`);
  for (const s of systemList) if ((SYSTEM_NAMES as readonly string[]).includes(s)) systems[s as SystemName] = true;
  if (systems.uiConsole && !(systems.gateway && systems.securityStack)) {
    const missing = (["gateway", "securityStack"] as const).filter((s) => !systems[s]);
    r.problem(
      "systems",
      `uiConsole needs ${missing.join(" and ")} (the console is built with their URLs); add ${missing.join(", ")} to systems or remove uiConsole`,
    );
  }
  return systems;
}

/** A new VPC, or an existing one with its subnets. */
function readNetwork(r: Reader): StackConfig["network"] {
  const vpcId = r.string("vpcId");
  const publicSubnetIds = r.array("publicSubnetIds");
  const privateSubnetIds = r.array("privateSubnetIds");
  if (vpcId) {
    if (publicSubnetIds.length < 2) {
      r.problem("publicSubnetIds", "with vpcId, give at least 2 public subnets in different AZs for the load balancer");
    }
    if (privateSubnetIds.length < 1) {
      r.problem("privateSubnetIds", "with vpcId, give the private subnets (with a NAT route) the tasks run in");
    }
  } else if (publicSubnetIds.length || privateSubnetIds.length) {
    r.problem("vpcId", "subnet ids are given but vpcId is empty; set vpcId to use an existing VPC, or remove the subnet ids");
  }
  const cidr = r.string("vpcCidr");
  const parsedCidr = parseCidr(cidr);
  if (!parsedCidr) r.problem("vpcCidr", `"${cidr}" is not an IPv4 CIDR block such as 10.0.0.0/16`);
  else if (parsedCidr.prefix < 16) r.problem("vpcCidr", `/${parsedCidr.prefix} is larger than a VPC may be; use /16 or longer`);
  return {
    existing: vpcId ? { vpcId, publicSubnetIds, privateSubnetIds } : undefined,
    cidr,
    availabilityZones: r.integer("availabilityZones"),
    natGateways: r.string("natGateways") as "single" | "onePerAz" | "instance",
  };
}

/** The load balancer: who may reach it and each restricted endpoint, and its listener ports without a domain. */
function readEdge(r: Reader, domain: string): { alb: StackConfig["alb"]; adminCidrs: string[]; controlCidrs: string[] } {
  const ingressCidrs = r.array("allowedIngressCidrs");
  if (ingressCidrs.length === 0) r.problem("allowedIngressCidrs", "is empty, so nobody could reach the load balancer; use [\"0.0.0.0/0\"] for public");
  const adminCidrs = r.array("gatewayAdminCidrs");
  const controlCidrs = r.array("securityStackControlCidrs");
  for (const [key, list] of [["allowedIngressCidrs", ingressCidrs], ["gatewayAdminCidrs", adminCidrs], ["securityStackControlCidrs", controlCidrs]] as const) {
    for (const c of list) if (!parseCidr(c)) r.problem(key, `"${c}" is not an IPv4 CIDR block such as 203.0.113.0/24`);
    // EC2 refuses a second rule for the same CIDR and port (InvalidPermission.Duplicate) at `pulumi up`.
    for (const c of new Set(list.filter((x, i) => list.indexOf(x) !== i))) r.problem(key, `"${c}" is listed twice; list each CIDR once`);
  }
  const idleTimeoutSeconds = r.integer("albIdleTimeoutSeconds");
  const ports = {
    gateway: r.integer("gatewayListenerPort"),
    api: r.integer("apiListenerPort"),
    control: r.integer("controlListenerPort"),
    console: r.integer("consoleListenerPort"),
  };
  const portKeys = {
    gateway: "gatewayListenerPort", api: "apiListenerPort", control: "controlListenerPort", console: "consoleListenerPort",
  } as const;
  if (!domain) {
    const seen = new Map<number, string>();
    for (const [name, port] of Object.entries(ports) as [keyof typeof ports, number][]) {
      const key = portKeys[name];
      if (port === 443) r.problem(key, "443 is kept for HTTPS; choose another port or set a domain");
      else if (seen.has(port)) r.problem(key, `${port} is already used by ${seen.get(port)}; each endpoint needs its own listener port`);
      seen.set(port, key);
    }
  }
  const alb = { ingressCidrs, accessLogs: r.boolean("albAccessLogs"), deletionProtection: r.boolean("albDeletionProtection"), idleTimeoutSeconds, ports };
  return { alb, adminCidrs, controlCidrs };
}

/** Target-group health checks: each key's own limits are the ELBv2 API's (config-schema.ts). */
function readHealthCheck(r: Reader): HealthCheckTiming {
  return {
    intervalSeconds: r.integer("healthCheckIntervalSeconds"),
    timeoutSeconds: r.integer("healthCheckTimeoutSeconds"),
    healthyThreshold: r.integer("healthyThreshold"),
    unhealthyThreshold: r.integer("unhealthyThreshold"),
    deregistrationDelaySeconds: r.integer("deregistrationDelaySeconds"),
  };
}

/** The file systems, their backups and a restore in progress. */
function readStorage(r: Reader): Pick<StackConfig, "efs" | "backups"> & { restores: Record<"gateway" | "securityStack", VolumeRestore | undefined> } {
  const throughputMode = r.string("efsThroughputMode") as StackConfig["efs"]["throughputMode"];
  const provisioned = r.integer("efsProvisionedThroughputMibps");
  const backups: BackupSettings = {
    dailyRetentionDays: r.integer("backupDailyRetentionDays"),
    monthlyRetentionMonths: r.integer("backupMonthlyRetentionMonths"),
    copyRegion: r.string("backupCopyRegion") || undefined,
    vaultLock: r.boolean("backupVaultLock"),
  };
  return {
    efs: {
      throughputMode,
      provisionedThroughputMibps: throughputMode === "provisioned" ? provisioned : undefined,
      transitionToIa: r.string("efsTransitionToIa"),
      replicationRegion: r.string("efsReplicationRegion") || undefined,
    },
    backups: r.boolean("backups") ? backups : undefined,
    restores: {
      gateway: readRestore(r.string("gatewayRestoreFileSystemId"), r.string("gatewayRestorePath")),
      securityStack: readRestore(r.string("securityStackRestoreFileSystemId"), r.string("securityStackRestorePath")),
    },
  };
}

function readAlarms(r: Reader): AlarmSettings {
  return {
    emails: r.array("alarmEmails"),
    cpuPercent: r.integer("alarmCpuPercent"),
    memoryPercent: r.integer("alarmMemoryPercent"),
    target5xxCount: r.integer("alarm5xxCount"),
    evaluationPeriods: r.integer("alarmEvaluationPeriods"),
  };
}

/** The Supabase project; the URL's form is its key's own limit, here whether the stack needs it. */
function readSupabase(r: Reader, systems: Record<SystemName, boolean>): StackConfig["supabase"] {
  const supabase = { url: r.string("supabaseUrl"), anonKey: r.string("supabaseAnonKey") };
  if ((systems.securityStack || systems.uiConsole) && !supabase.url) {
    r.problem("supabaseUrl", "is required by securityStack and uiConsole; run `pulumi config set supabaseUrl https://<ref>.supabase.co`");
  }
  if (systems.uiConsole && !supabase.anonKey) {
    r.problem("supabaseAnonKey", "is required by uiConsole; run `pulumi config set supabaseAnonKey <anon key>` (it is public)");
  }
  return supabase;
}

function readWaf(r: Reader): WafSettings | undefined {
  const waf: WafSettings = {
    rateLimit: r.integer("wafRateLimit"),
    rateWindowSeconds: r.integer("wafRateWindowSeconds"),
    blockedRequestsAlarm: r.integer("wafBlockedRequestsAlarm"),
  };
  return r.boolean("waf") ? waf : undefined;
}

/** Each system's own settings: its task size, capacity, restore and the keys only it reads. */
function readServices(
  r: Reader,
  shared: {
    capacities: ReturnType<typeof readCapacities>;
    restores: Record<"gateway" | "securityStack", VolumeRestore | undefined>;
    adminCidrs: string[];
    controlCidrs: string[];
    keyApiJwt: JwtValidation | undefined;
  },
): Pick<StackConfig, "gateway" | "securityStack" | "uiConsole"> {
  const taskSize = (cpuKey: ConfigKeyName, memoryKey: ConfigKeyName): TaskSize => ({ cpu: r.integer(cpuKey), memory: r.integer(memoryKey) });
  return {
    gateway: {
      ...taskSize("gatewayCpu", "gatewayMemory"),
      capacity: shared.capacities.gateway,
      restore: shared.restores.gateway,
      healthCheckGracePeriodSeconds: r.integer("gatewayHealthCheckGracePeriodSeconds"),
      chromaImage: r.string("gatewayChromaImage"),
      intelligenceEnabled: r.boolean("gatewayIntelligenceEnabled"),
      summaryThresholdBytes: r.integer("gatewaySummaryThresholdBytes"),
      intelligenceTtlHours: r.integer("gatewayIntelligenceTtlHours"),
      adminCidrs: shared.adminCidrs,
      keyApiJwt: shared.keyApiJwt,
    },
    securityStack: {
      ...taskSize("securityStackCpu", "securityStackMemory"),
      capacity: shared.capacities.securityStack,
      restore: shared.restores.securityStack,
      healthCheckGracePeriodSeconds: r.integer("securityStackHealthCheckGracePeriodSeconds"),
      rustLog: r.string("securityStackRustLog"),
      controlCidrs: shared.controlCidrs,
      apiDocs: r.boolean("securityStackApiDocs"),
    },
    uiConsole: {
      ...taskSize("uiConsoleCpu", "uiConsoleMemory"),
      capacity: shared.capacities.uiConsole,
      minCount: r.integer("uiConsoleMinCount"),
      maxCount: r.integer("uiConsoleMaxCount"),
    },
  };
}

/** The permissions boundary every role of the stack carries: required (bootstrap/ makes it). */
function readPermissionsBoundary(r: Reader): string {
  const boundary = r.string("iamPermissionsBoundary");
  if (!boundary) {
    r.problem(
      "iamPermissionsBoundary",
      "is not set; every role the stack creates carries bootstrap's permissions boundary, without which the deploy roles may not create it: run `pulumi config set iamPermissionsBoundary ai-platform-stack-boundary`",
    );
  }
  return boundary;
}

/**
 * The promotion keys. An override without a stack to promote from overrides nothing, and left in a stack file it
 * would read as if a check were being skipped: refused, as is a stack that promotes from itself.
 */
function readPromotion(r: Reader, stack: string): PromotionSettings | undefined {
  const from = r.string("promoteFrom");
  const override = r.string("promotionOverride");
  if (from && from === stack) {
    r.problem("promoteFrom", `is this stack itself (${stack}); name the stack it promotes from, such as staging, or remove it with \`pulumi config rm promoteFrom\``);
  }
  if (override && !from) {
    r.problem("promotionOverride", "overrides nothing: promoteFrom is empty, so this stack promotes from no stack; remove it with `pulumi config rm promotionOverride`");
  }
  if (!from || r.hasProblem("promoteFrom")) return undefined;
  return { from, override: override && !r.hasProblem("promotionOverride") ? override : undefined };
}

/** A restore, when both of its keys are set (config-constraints.ts refuses one without the other). */
function readRestore(fileSystemId: string, path: string): VolumeRestore | undefined {
  return fileSystemId && path ? { fileSystemId, path } : undefined;
}

/** Claims the load balancer always validates; AWS refuses them as additional claims. */
const VALIDATED_CLAIMS = ["exp", "iss", "nbf", "iat"];

/**
 * The key API's token check from `gatewayKeyApiJwt` and its claims: Supabase's issuer and JWKS of the project.
 * ALB validates tokens only in HTTPS listener rules, so the switch needs a domain.
 */
function readKeyApiJwt(r: Reader, domain: string, supabaseUrl: string): JwtValidation | undefined {
  const on = r.boolean("gatewayKeyApiJwt");
  const entries = r.array("gatewayKeyApiJwtClaims");
  const algorithm = r.string("supabaseJwtAlgorithm");
  if (!on) return undefined;
  if (!domain) {
    r.problem(
      "gatewayKeyApiJwt",
      "needs a domain: the load balancer validates tokens only on HTTPS listeners; set domain, or `pulumi config set gatewayKeyApiJwt false`",
    );
  }
  if (!supabaseUrl) {
    r.problem("gatewayKeyApiJwt", "needs supabaseUrl, whose project issues the tokens; run `pulumi config set supabaseUrl https://<ref>.supabase.co`");
  }
  const claims: { name: string; values: string[] }[] = [];
  for (const entry of entries) {
    const at = entry.indexOf("=");
    if (at < 0) continue; // the key's own pattern has reported it
    const [name, value] = [entry.slice(0, at), entry.slice(at + 1)];
    if (VALIDATED_CLAIMS.includes(name)) {
      r.problem("gatewayKeyApiJwtClaims", `"${name}" is validated by the load balancer already; remove ${entry}`);
      continue;
    }
    const claim = claims.find((c) => c.name === name);
    if (claim) claim.values.push(value);
    else claims.push({ name, values: [value] });
  }
  const issuer = `${supabaseUrl}/auth/v1`;
  // Any other algorithm is a problem recorded by the rule gatewayKeyApiJwt × supabaseJwtAlgorithm.
  return { issuer, jwksEndpoint: `${issuer}/.well-known/jwks.json`, claims, algorithm: algorithm as "RS256" };
}

/** The capacity keys of each system, and whether it is a single writer (one task, state on EFS). */
const CAPACITY_KEYS = {
  gateway: { key: "gatewayCapacity", title: "the gateway", singleWriter: true },
  securityStack: { key: "securityStackCapacity", title: "the security stack", singleWriter: true },
  uiConsole: { key: "uiConsoleCapacity", title: "the console", singleWriter: false },
} as const;

/**
 * Each system's capacity. A single writer runs one task: `mixed` has nothing to mix, and on Spot every interruption
 * is an outage until a replacement starts, which a protected (production) stack does not accept. On Spot, a task gets
 * SIGTERM two minutes before it is taken: draining and the containers' stop timeout must fit in them.
 */
function readCapacities(r: Reader, protectState: boolean): Record<keyof typeof CAPACITY_KEYS, Capacity> {
  const onDemandBase = r.integer("capacityOnDemandBase");
  const spotWeight = r.integer("capacitySpotWeight");
  const out = {} as Record<keyof typeof CAPACITY_KEYS, Capacity>;
  // Each key read by name, so that tests/project-file.test.ts sees what config.ts reads.
  const modes: Record<keyof typeof CAPACITY_KEYS, string> = {
    gateway: r.string("gatewayCapacity"),
    securityStack: r.string("securityStackCapacity"),
    uiConsole: r.string("uiConsoleCapacity"),
  };
  for (const [system, { key, title, singleWriter }] of Object.entries(CAPACITY_KEYS) as [keyof typeof CAPACITY_KEYS, (typeof CAPACITY_KEYS)[keyof typeof CAPACITY_KEYS]][]) {
    const mode = modes[system] as CapacityMode;
    if (singleWriter && mode === "mixed") {
      r.problem(key, `mixed needs more than one task, and ${title} runs exactly one (a single writer); use onDemand or spot`);
    }
    if (singleWriter && mode === "spot" && protectState) {
      r.problem(
        key,
        `spot in a protected stack (protectState) would take ${title} down at every Spot interruption: a single writer has no second task to carry on while its replacement starts; use onDemand`,
      );
    }
    out[system] = { mode, onDemandBase, spotWeight };
  }
  return out;
}


/** The awake hours, or undefined when the stack never sleeps. */
function readSchedule(r: Reader): AwakeSchedule | undefined {
  const hours = r.string("awakeHours");
  const timezone = r.string("awakeTimezone");
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat("en", { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    resolved = undefined;
  }
  if (!resolved) r.problem("awakeTimezone", `"${timezone}" is not an IANA time zone; use a name such as Europe/Berlin or UTC`);
  else if (resolved !== timezone) r.problem("awakeTimezone", `"${timezone}" is not spelled as AWS expects; use ${resolved}`);
  if (!hours || r.hasProblem("awakeHours")) return undefined;
  const m = /^(\w{3})(?:-(\w{3}))? (\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(hours)!;
  const [from, to] = [m[1], m[2] ?? m[1]].map((d) => d.toUpperCase());
  const [wake, sleep] = [
    { hour: Number(m[3]), minute: Number(m[4]) },
    { hour: Number(m[5]), minute: Number(m[6]) },
  ];
  const minutes = (t: { hour: number; minute: number }) => t.hour * 60 + t.minute;
  const day = (d: string) => CRON_DAYS.indexOf(d as (typeof CRON_DAYS)[number]);
  if (day(to) < day(from)) {
    r.problem("awakeHours", `"${hours}" runs its days backwards; list them in week order, Mon to Sun (such as Mon-Fri)`);
  }
  if (minutes(sleep) <= minutes(wake)) {
    r.problem("awakeHours", `"${hours}" ends before it starts; overnight hours are not supported, use a window inside one day such as 07:00-20:00`);
  }
  return { timezone, days: [from, to], wake, sleep, hoursPerWeek: awakeHoursPerWeek([from, to], minutes(wake), minutes(sleep)) };
}
