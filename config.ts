import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigKey, ConfigKeyName, PROJECT, configSchema } from "./config-schema";

/** The systems a stack can switch on. */
export const SYSTEM_NAMES = ["gateway", "securityStack", "uiConsole"] as const;
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

export interface AlarmSettings {
  emails: string[];
  cpuPercent: number;
  memoryPercent: number;
  target5xxCount: number;
  evaluationPeriods: number;
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
  architecture: Architecture;
  systems: Record<SystemName, boolean>;
  network: {
    existing?: { vpcId: string; publicSubnetIds: string[]; privateSubnetIds: string[] };
    cidr: string;
    availabilityZones: number;
    natGateways: "single" | "onePerAz";
  };
  /** Route 53 hosted zone name; undefined: HTTP on listener ports of the ALB's DNS name. */
  domain?: string;
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
  };
  ecrKeepImages: number;
  ecsExec: boolean;
  alarms: AlarmSettings;
  supabase: { url: string; anonKey: string };
  gateway: TaskSize & {
    desiredCount: number;
    healthCheckGracePeriodSeconds: number;
    chromaImage: string;
    intelligenceEnabled: boolean;
    summaryThresholdBytes: number;
    intelligenceTtlHours: number;
    adminCidrs: string[];
    geminiApiKey: pulumi.Output<string>;
  };
  securityStack: TaskSize & {
    desiredCount: number;
    healthCheckGracePeriodSeconds: number;
    rustLog: string;
    googleApiKey: pulumi.Output<string>;
    supabaseJwtSecret: pulumi.Output<string>;
  };
  uiConsole: TaskSize & { minCount: number; maxCount: number };
}

/** Fargate's task sizes: memory (MiB) allowed for each CPU value. */
export const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** Admin CIDRs of the gateway's key API: 3 per listener rule keeps its rules well under a listener's 100. */
export const MAX_ADMIN_CIDRS = 30;

/** The only values CloudWatch Logs accepts for retention. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export const EFS_TRANSITIONS = [
  "AFTER_1_DAY", "AFTER_7_DAYS", "AFTER_14_DAYS", "AFTER_30_DAYS", "AFTER_60_DAYS", "AFTER_90_DAYS",
  "AFTER_180_DAYS", "AFTER_270_DAYS", "AFTER_365_DAYS",
];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
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

/** Reads keys with their schema defaults and records type errors instead of throwing at the first. */
class Reader {
  readonly problems: string[] = [];
  private readonly raw: Record<string, string>;

  constructor(private readonly project: string) {
    this.raw = pulumi.runtime.allConfig();
  }

  private value(key: ConfigKeyName): string | undefined {
    return this.raw[`${this.project}:${key}`];
  }

  /** Keys set in this project's namespace that the program never reads: a typo would fall back to the default. */
  rejectUnknownKeys(): void {
    const prefix = `${this.project}:`;
    for (const qualified of Object.keys(this.raw).filter((k) => k.startsWith(prefix))) {
      const key = qualified.slice(prefix.length);
      if (key in configSchema) continue;
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

  string(key: ConfigKeyName): string {
    const v = this.value(key);
    return v === undefined ? String(schemaDefault(key)) : v;
  }

  integer(key: ConfigKeyName): number {
    const v = this.value(key);
    if (v === undefined) return schemaDefault(key) as number;
    if (!/^-?\d+$/.test(v.trim())) {
      this.problem(key, `"${v}" is not a whole number; set it with \`pulumi config set ${key} <number>\``);
      return schemaDefault(key) as number;
    }
    return Number(v);
  }

  boolean(key: ConfigKeyName): boolean {
    const v = this.value(key);
    if (v === undefined) return schemaDefault(key) as boolean;
    if (v !== "true" && v !== "false") {
      this.problem(key, `"${v}" is not true or false`);
      return schemaDefault(key) as boolean;
    }
    return v === "true";
  }

  array(key: ConfigKeyName): string[] {
    const v = this.value(key);
    if (v === undefined) return schemaDefault(key) as string[];
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return parsed;
    } catch {
      // fall through to the problem below
    }
    this.problem(key, `must be a list of strings, e.g. \`pulumi config set --path '${key}[0]' value\``);
    return schemaDefault(key) as string[];
  }

  /** A stack secret, or a problem naming the command that sets it. */
  secret(key: ConfigKeyName, neededBy: string): pulumi.Output<string> {
    const v = this.value(key);
    if (v === undefined || v === "") {
      this.problem(
        key,
        `is required by ${neededBy} but not set; run \`pulumi config set --secret ${key} <value> --stack ${pulumi.getStack()}\``,
      );
      return pulumi.secret("");
    }
    return new pulumi.Config(this.project).requireSecret(key);
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

const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Reads every key once and validates all of it before any resource exists.
 * Throws a ConfigError listing every problem, each naming the key and the fix.
 */
export function loadConfig(): StackConfig {
  const project = pulumi.getProject() || PROJECT;
  const stack = pulumi.getStack();
  const r = new Reader(project);
  r.rejectUnknownKeys();

  // Systems first: which secrets are required depends on them.
  const systemList = r.array("systems");
  const systems = { gateway: false, securityStack: false, uiConsole: false };
  // With a domain, the platform's certificate is issued for the systems' hosts: none would leave it without one.
  if (systemList.length === 0) r.problem("systems", `is empty; deploy at least one of ${SYSTEM_NAMES.join(", ")}`);
  for (const s of systemList) {
    if ((SYSTEM_NAMES as readonly string[]).includes(s)) systems[s as SystemName] = true;
    else r.problem("systems", `"${s}" is not a system; use any of ${SYSTEM_NAMES.join(", ")}`);
  }
  if (systems.uiConsole && !(systems.gateway && systems.securityStack)) {
    const missing = (["gateway", "securityStack"] as const).filter((s) => !systems[s]);
    r.problem(
      "systems",
      `uiConsole needs ${missing.join(" and ")} (the console is built with their URLs); add ${missing.join(", ")} to systems or remove uiConsole`,
    );
  }

  const architecture = r.string("architecture");
  if (architecture !== "X86_64" && architecture !== "ARM64") {
    r.problem("architecture", `"${architecture}" is not supported; use X86_64 or ARM64`);
  }

  const appRepoPath = path.resolve(r.string("appRepoPath"));

  // Network
  const vpcId = r.string("vpcId");
  const publicSubnetIds = r.array("publicSubnetIds");
  const privateSubnetIds = r.array("privateSubnetIds");
  if (vpcId) {
    if (!/^vpc-[0-9a-f]{8,17}$/.test(vpcId)) r.problem("vpcId", `"${vpcId}" is not a VPC id (vpc-0123abcd...)`);
    if (publicSubnetIds.length < 2) {
      r.problem("publicSubnetIds", "with vpcId, give at least 2 public subnets in different AZs for the load balancer");
    }
    if (privateSubnetIds.length < 1) {
      r.problem("privateSubnetIds", "with vpcId, give the private subnets (with a NAT route) the tasks run in");
    }
    for (const [key, ids] of [["publicSubnetIds", publicSubnetIds], ["privateSubnetIds", privateSubnetIds]] as const) {
      for (const id of ids) if (!/^subnet-[0-9a-f]{8,17}$/.test(id)) r.problem(key, `"${id}" is not a subnet id`);
    }
  } else if (publicSubnetIds.length || privateSubnetIds.length) {
    r.problem("vpcId", "subnet ids are given but vpcId is empty; set vpcId to use an existing VPC, or remove the subnet ids");
  }
  const cidr = r.string("vpcCidr");
  const parsedCidr = parseCidr(cidr);
  if (!parsedCidr) r.problem("vpcCidr", `"${cidr}" is not an IPv4 CIDR block such as 10.0.0.0/16`);
  else if (parsedCidr.prefix < 16 || parsedCidr.prefix > 24) {
    r.problem("vpcCidr", `/${parsedCidr.prefix} is outside what a VPC with public and private subnets per AZ fits; use /16 to /24`);
  }
  const availabilityZones = r.integer("availabilityZones");
  if (availabilityZones < 2 || availabilityZones > 6) {
    r.problem("availabilityZones", `${availabilityZones} is out of range; use 2 to 6 (an ALB needs subnets in 2 AZs)`);
  }
  const natGateways = r.string("natGateways");
  if (natGateways !== "single" && natGateways !== "onePerAz") {
    r.problem("natGateways", `"${natGateways}" is not a NAT strategy; use single or onePerAz`);
  }

  const domain = r.string("domain").toLowerCase().replace(/\.$/, "");
  if (domain && !DOMAIN_PATTERN.test(domain)) r.problem("domain", `"${domain}" is not a DNS name such as example.com`);

  // Load balancer
  const ingressCidrs = r.array("allowedIngressCidrs");
  if (ingressCidrs.length === 0) r.problem("allowedIngressCidrs", "is empty, so nobody could reach the load balancer; use [\"0.0.0.0/0\"] for public");
  const adminCidrs = r.array("gatewayAdminCidrs");
  // Three CIDRs fit one listener rule; an ALB listener holds 100 rules, shared by every system on it.
  if (adminCidrs.length > MAX_ADMIN_CIDRS) {
    r.problem("gatewayAdminCidrs", `${adminCidrs.length} CIDRs is more than ${MAX_ADMIN_CIDRS}; summarize them into wider blocks`);
  }
  for (const [key, list] of [["allowedIngressCidrs", ingressCidrs], ["gatewayAdminCidrs", adminCidrs]] as const) {
    for (const c of list) if (!parseCidr(c)) r.problem(key, `"${c}" is not an IPv4 CIDR block such as 203.0.113.0/24`);
    // EC2 refuses a second rule for the same CIDR and port (InvalidPermission.Duplicate) at `pulumi up`.
    for (const c of new Set(list.filter((x, i) => list.indexOf(x) !== i))) r.problem(key, `"${c}" is listed twice; list each CIDR once`);
  }
  const idleTimeoutSeconds = r.integer("albIdleTimeoutSeconds");
  if (idleTimeoutSeconds < 1 || idleTimeoutSeconds > 4000) {
    r.problem("albIdleTimeoutSeconds", `${idleTimeoutSeconds} is out of range; the ALB accepts 1 to 4000`);
  }
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
      if (port < 1 || port > 65535) r.problem(key, `${port} is not a port; use 1 to 65535`);
      else if (port === 443) r.problem(key, "443 is kept for HTTPS; choose another port or set a domain");
      else if (seen.has(port)) r.problem(key, `${port} is already used by ${seen.get(port)}; each endpoint needs its own listener port`);
      seen.set(port, key);
    }
  }

  // Health checks: the limits the ELBv2 API enforces.
  const healthCheck: HealthCheckTiming = {
    intervalSeconds: r.integer("healthCheckIntervalSeconds"),
    timeoutSeconds: r.integer("healthCheckTimeoutSeconds"),
    healthyThreshold: r.integer("healthyThreshold"),
    unhealthyThreshold: r.integer("unhealthyThreshold"),
    deregistrationDelaySeconds: r.integer("deregistrationDelaySeconds"),
  };
  if (healthCheck.intervalSeconds < 5 || healthCheck.intervalSeconds > 300) {
    r.problem("healthCheckIntervalSeconds", `${healthCheck.intervalSeconds} is out of range; use 5 to 300`);
  }
  if (healthCheck.timeoutSeconds < 2 || healthCheck.timeoutSeconds > 120) {
    r.problem("healthCheckTimeoutSeconds", `${healthCheck.timeoutSeconds} is out of range; use 2 to 120`);
  } else if (healthCheck.timeoutSeconds >= healthCheck.intervalSeconds) {
    r.problem(
      "healthCheckTimeoutSeconds",
      `${healthCheck.timeoutSeconds} must be less than healthCheckIntervalSeconds (${healthCheck.intervalSeconds})`,
    );
  }
  for (const key of ["healthyThreshold", "unhealthyThreshold"] as const) {
    const v = healthCheck[key];
    if (v < 2 || v > 10) r.problem(key, `${v} is out of range; use 2 to 10`);
  }
  if (healthCheck.deregistrationDelaySeconds < 0 || healthCheck.deregistrationDelaySeconds > 3600) {
    r.problem("deregistrationDelaySeconds", `${healthCheck.deregistrationDelaySeconds} is out of range; use 0 to 3600`);
  }

  const logRetentionDays = r.integer("logRetentionDays");
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    r.problem("logRetentionDays", `${logRetentionDays} is not a value CloudWatch Logs accepts; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  const secretRecoveryWindowDays = r.integer("secretRecoveryWindowDays");
  if (secretRecoveryWindowDays !== 0 && (secretRecoveryWindowDays < 7 || secretRecoveryWindowDays > 30)) {
    r.problem("secretRecoveryWindowDays", `${secretRecoveryWindowDays} is out of range; use 0 (delete at once) or 7 to 30`);
  }

  const throughputMode = r.string("efsThroughputMode");
  if (!["bursting", "elastic", "provisioned"].includes(throughputMode)) {
    r.problem("efsThroughputMode", `"${throughputMode}" is not a throughput mode; use bursting, elastic or provisioned`);
  }
  const provisioned = r.integer("efsProvisionedThroughputMibps");
  if (throughputMode === "provisioned" && (provisioned < 1 || provisioned > 3414)) {
    r.problem("efsProvisionedThroughputMibps", `${provisioned} is out of range for provisioned throughput; use 1 to 3414`);
  }
  const transitionToIa = r.string("efsTransitionToIa");
  if (!EFS_TRANSITIONS.includes(transitionToIa)) {
    r.problem("efsTransitionToIa", `"${transitionToIa}" is not an EFS lifecycle value; use one of ${EFS_TRANSITIONS.join(", ")}`);
  }

  const ecrKeepImages = r.integer("ecrKeepImages");
  if (ecrKeepImages < 1 || ecrKeepImages > 1000) r.problem("ecrKeepImages", `${ecrKeepImages} is out of range; use 1 to 1000`);

  const alarms: AlarmSettings = {
    emails: r.array("alarmEmails"),
    cpuPercent: r.integer("alarmCpuPercent"),
    memoryPercent: r.integer("alarmMemoryPercent"),
    target5xxCount: r.integer("alarm5xxCount"),
    evaluationPeriods: r.integer("alarmEvaluationPeriods"),
  };
  for (const e of alarms.emails) if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)) r.problem("alarmEmails", `"${e}" is not an e-mail address`);
  for (const key of ["alarmCpuPercent", "alarmMemoryPercent"] as const) {
    const v = key === "alarmCpuPercent" ? alarms.cpuPercent : alarms.memoryPercent;
    if (v < 1 || v > 100) r.problem(key, `${v} is out of range; use 1 to 100`);
  }
  if (alarms.target5xxCount < 1) r.problem("alarm5xxCount", `${alarms.target5xxCount} is out of range; use 1 or more`);
  if (alarms.evaluationPeriods < 1 || alarms.evaluationPeriods > 60) {
    r.problem("alarmEvaluationPeriods", `${alarms.evaluationPeriods} is out of range; use 1 to 60`);
  }

  const taskSize = (cpuKey: ConfigKeyName, memoryKey: ConfigKeyName): TaskSize => {
    const cpu = r.integer(cpuKey);
    const memory = r.integer(memoryKey);
    const allowed = FARGATE_SIZES[cpu];
    if (!allowed) {
      r.problem(cpuKey, `${cpu} is not a Fargate size; use one of ${Object.keys(FARGATE_SIZES).join(", ")}`);
    } else if (!allowed.includes(memory)) {
      // 256 CPU units take 512, 1024 or 2048 MiB: no even step, so list them rather than imply 1536.
      const choices = cpu === 256
        ? allowed.join(", ")
        : `${allowed[0]} to ${allowed[allowed.length - 1]} in steps of ${allowed[1] - allowed[0]}`;
      r.problem(memoryKey, `${memory} MiB is not available with ${cpu} CPU units on Fargate; use ${choices}`);
    }
    return { cpu, memory };
  };
  const singleWriter = (key: ConfigKeyName, what: string): number => {
    const n = r.integer(key);
    if (n !== 1) {
      r.problem(key, `${n} tasks asked for, but ${what} must have exactly one writer; set it to 1`);
    }
    return n;
  };
  const grace = (key: ConfigKeyName): number => {
    const n = r.integer(key);
    // ECS accepts up to 2,147,483,647 s; more than two hours only hides a broken task.
    if (n < 0 || n > 7200) r.problem(key, `${n} is out of range; use 0 to 7200 seconds`);
    return n;
  };

  const supabase = { url: r.string("supabaseUrl"), anonKey: r.string("supabaseAnonKey") };
  if ((systems.securityStack || systems.uiConsole) && !/^https:\/\/[^\s/]+$/.test(supabase.url)) {
    r.problem(
      "supabaseUrl",
      supabase.url
        ? `"${supabase.url}" is not an https origin such as https://abcd.supabase.co`
        : "is required by securityStack and uiConsole; run `pulumi config set supabaseUrl https://<ref>.supabase.co`",
    );
  }
  if (systems.uiConsole && !supabase.anonKey) {
    r.problem("supabaseAnonKey", "is required by uiConsole; run `pulumi config set supabaseAnonKey <anon key>` (it is public)");
  }

  const chromaImage = r.string("gatewayChromaImage");
  if (!/^[a-z0-9./_-]+:[A-Za-z0-9._-]+$|@sha256:[0-9a-f]{64}$/.test(chromaImage) || /:latest$/.test(chromaImage)) {
    r.problem("gatewayChromaImage", `"${chromaImage}" is not pinned; use a version tag such as chromadb/chroma:1.0.15`);
  }

  const gatewaySize = taskSize("gatewayCpu", "gatewayMemory");
  const gateway = {
    ...gatewaySize,
    desiredCount: systems.gateway ? singleWriter("gatewayDesiredCount", "the gateway (tenants.json, ChromaDB files)") : 1,
    healthCheckGracePeriodSeconds: grace("gatewayHealthCheckGracePeriodSeconds"),
    chromaImage,
    intelligenceEnabled: r.boolean("gatewayIntelligenceEnabled"),
    summaryThresholdBytes: r.integer("gatewaySummaryThresholdBytes"),
    intelligenceTtlHours: r.integer("gatewayIntelligenceTtlHours"),
    adminCidrs,
    geminiApiKey: systems.gateway ? r.secret("geminiApiKey", "the gateway") : pulumi.secret(""),
  };
  if (gateway.summaryThresholdBytes < 1) r.problem("gatewaySummaryThresholdBytes", "must be 1 or more bytes");
  if (gateway.intelligenceTtlHours < 1) r.problem("gatewayIntelligenceTtlHours", "must be 1 or more hours");

  const securitySize = taskSize("securityStackCpu", "securityStackMemory");
  const securityStack = {
    ...securitySize,
    desiredCount: systems.securityStack ? singleWriter("securityStackDesiredCount", "the security stack (SQLite)") : 1,
    healthCheckGracePeriodSeconds: grace("securityStackHealthCheckGracePeriodSeconds"),
    rustLog: r.string("securityStackRustLog"),
    googleApiKey: systems.securityStack ? r.secret("googleApiKey", "the security stack") : pulumi.secret(""),
    supabaseJwtSecret: systems.securityStack ? r.secret("supabaseJwtSecret", "the security stack") : pulumi.secret(""),
  };

  const uiSize = taskSize("uiConsoleCpu", "uiConsoleMemory");
  const uiConsole = { ...uiSize, minCount: r.integer("uiConsoleMinCount"), maxCount: r.integer("uiConsoleMaxCount") };
  if (uiConsole.minCount < 1) r.problem("uiConsoleMinCount", `${uiConsole.minCount} is out of range; use 1 or more`);
  if (uiConsole.maxCount < uiConsole.minCount) {
    r.problem("uiConsoleMaxCount", `${uiConsole.maxCount} is less than uiConsoleMinCount (${uiConsole.minCount})`);
  }
  if (uiConsole.maxCount > 100) r.problem("uiConsoleMaxCount", `${uiConsole.maxCount} is out of range; use at most 100`);

  const accessLogs = r.boolean("albAccessLogs");
  const deletionProtection = r.boolean("albDeletionProtection");
  const protectState = r.boolean("protectState");
  const ecsExec = r.boolean("ecsExec");

  if (r.problems.length > 0) throw new ConfigError(r.problems);

  return {
    project,
    stack,
    appRepoPath,
    missingContext: process.env.AI_PLATFORM_OFFLINE_PLAN === "1" ? "warn" : "error",
    architecture: architecture as Architecture,
    systems,
    network: {
      existing: vpcId ? { vpcId, publicSubnetIds, privateSubnetIds } : undefined,
      cidr,
      availabilityZones,
      natGateways: natGateways as "single" | "onePerAz",
    },
    domain: domain || undefined,
    alb: { ingressCidrs, accessLogs, deletionProtection, idleTimeoutSeconds, ports },
    healthCheck,
    logRetentionDays,
    protectState,
    secretRecoveryWindowDays,
    efs: {
      throughputMode: throughputMode as "bursting" | "elastic" | "provisioned",
      provisionedThroughputMibps: throughputMode === "provisioned" ? provisioned : undefined,
      transitionToIa,
    },
    ecrKeepImages,
    ecsExec,
    alarms,
    supabase,
    gateway,
    securityStack,
    uiConsole,
  };
}
