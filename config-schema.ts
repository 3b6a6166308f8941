/**
 * Every stack config key the program reads: its type, default, description and limits.
 *
 * This table is the single source of the defaults and of each key's own limits. `Pulumi.yaml`'s `config:` block
 * and docs/config.md's table are generated from it (`npm run gen:project`, descriptions with their limits),
 * and a test fails when they drift apart; config.ts enforces the limits of every key that is set, whether or not
 * the stack uses it. Rules between keys (memory for a CPU size, a timeout under its interval) stay in config.ts.
 */
export type ConfigType = "string" | "integer" | "boolean" | "array";

/** A key's own limits. Each produces one message, worded from the fields here (see `limitProblem`). */
export interface Limits {
  /** Smallest whole number allowed. */
  min?: number;
  /** Largest whole number allowed. */
  max?: number;
  /** The only values allowed (numbers, or strings). */
  oneOf?: readonly (string | number)[];
  /** A regular expression a non-empty string (or each list item) must match. */
  pattern?: string;
  /** Most list items allowed. */
  maxItems?: number;
  /**
   * What a refused value is not, worded after "is not": "a port", "a NAT strategy", "a VPC id (vpc-0123abcd...)".
   * Without it a number is "out of range".
   */
  is?: string;
  /** Why, in parentheses after the allowed values: "an ALB needs subnets in 2 AZs". */
  why?: string;
  /** What to do about too many list items: "summarize them into wider blocks". */
  fix?: string;
  /** Unit after the allowed range: "seconds". */
  unit?: string;
}

export interface ConfigKey extends Limits {
  type: ConfigType;
  description: string;
  /** Absent for keys that must be set per stack (secrets). */
  default?: string | number | boolean | string[];
  secret?: boolean;
}

/** Where a service's tasks run (Fargate capacity providers). */
export const CAPACITY_MODES = ["onDemand", "spot", "mixed"] as const;

/** The systems a stack can deploy. */
export const SYSTEM_NAMES = ["gateway", "securityStack", "uiConsole"] as const;

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
const FARGATE_CPUS = Object.keys(FARGATE_SIZES).map(Number);

/** The only values CloudWatch Logs accepts for retention. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export const EFS_TRANSITIONS = [
  "AFTER_1_DAY", "AFTER_7_DAYS", "AFTER_14_DAYS", "AFTER_30_DAYS", "AFTER_60_DAYS", "AFTER_90_DAYS",
  "AFTER_180_DAYS", "AFTER_270_DAYS", "AFTER_365_DAYS",
];

/** The most provisioned throughput EFS sells per file system, MiB/s. */
export const MAX_PROVISIONED_THROUGHPUT_MIBPS = 3414;

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** `a or b`, `a, b or c`; longer lists `one of a, b, ...`; runs of whole numbers as `7 to 30`. */
export function allowedText(values: readonly (string | number)[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i++) {
    let j = i;
    while (typeof values[j] === "number" && values[j + 1] === (values[j] as number) + 1) j++;
    parts.push(j - i >= 2 ? `${values[i]} to ${values[j]}` : String(values[i]));
    if (j - i === 1) parts.push(String(values[j]));
    i = j;
  }
  if (parts.length <= 3) return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} or ${parts[parts.length - 1]}`;
  return `one of ${parts.join(", ")}`;
}

/** The allowed values of a key's limits, as a phrase ("2 to 6", "1 or more", "X86_64 or ARM64"), if it has any. */
export function limitsText(l: Limits): string | undefined {
  if (l.oneOf) return allowedText(l.oneOf);
  if (l.min !== undefined && l.max !== undefined) return `${l.min} to ${l.max}`;
  if (l.min !== undefined) return `${l.min} or more`;
  if (l.max !== undefined) return `at most ${l.max}`;
  return undefined;
}

/** The problem with a value under a key's limits, worded after the key's name, or undefined when it is within them. */
export function limitProblem(l: Limits, value: string | number | string[]): string | undefined {
  const suffix = `${l.unit ? ` ${l.unit}` : ""}${l.why ? ` (${l.why})` : ""}`;
  if (Array.isArray(value)) {
    if (l.maxItems !== undefined && value.length > l.maxItems) {
      return `${value.length} entries is more than ${l.maxItems}${l.fix ? `; ${l.fix}` : ""}`;
    }
    for (const item of value) {
      // An empty item is a value like any other: only a whole empty string key means "not set".
      const problem = item === "" ? `"" is not ${l.is ?? "allowed"}` : limitProblem({ ...l, maxItems: undefined }, item);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === "string") {
    if (value === "") return undefined;
    if (l.oneOf && !l.oneOf.includes(value)) return `"${value}" is not ${l.is ?? "allowed"}; use ${allowedText(l.oneOf)}${suffix}`;
    if (l.pattern && !new RegExp(l.pattern).test(value)) return `"${value}" is not ${l.is ?? `matching ${l.pattern}`}`;
    return undefined;
  }
  const outside =
    (l.oneOf !== undefined && !l.oneOf.includes(value)) || (l.min !== undefined && value < l.min) || (l.max !== undefined && value > l.max);
  if (!outside) return undefined;
  return `${value} is ${l.is ? `not ${l.is}` : "out of range"}; use ${limitsText(l)}${suffix}`;
}

/** A key's limits in words, for its description in Pulumi.yaml and docs/config.md ("Limits: 2 to 6."). */
export function limitsDescription(k: ConfigKey): string | undefined {
  const phrases: string[] = [];
  const allowed = limitsText(k);
  if (allowed) phrases.push(`${allowed}${k.unit ? ` ${k.unit}` : ""}`);
  if (k.pattern) phrases.push(`matches /${k.pattern}/`);
  if (k.maxItems !== undefined) phrases.push(`at most ${k.maxItems} entries`);
  return phrases.length ? `Limits: ${phrases.join("; ")}.` : undefined;
}

export const PROJECT = "ai-platform";

export const configSchema = {
  appRepoPath: {
    type: "string",
    default: "../app",
    description: "Path to the checkout of the app repo (build context of every image), relative to this project.",
  },
  // Stack names: what `pulumi stack init` accepts (letters, digits, -, _ and .).
  promoteFrom: {
    type: "string",
    pattern: "^[A-Za-z0-9_.-]+$", is: "a stack name of this project (such as staging)",
    default: "",
    description: "The stack of this project this one promotes from (prod: staging). Preview refuses an image that stack does not run, compared by content tag (the console: by app revision), unless this stack runs it already or promotionOverride says why. Empty: build whatever the app checkout holds.",
  },
  promotionOverride: {
    type: "string",
    pattern: "^\\S.{11,}$", is: "a reason of at least 12 characters (why this deploy skips the promotion check: a ticket and a few words)",
    default: "",
    description: "With promoteFrom: why this deploy may run images the promoted-from stack does not run (a hotfix). Each difference is then a warning at preview and in the plan instead of an error. Remove it once that stack runs them too.",
  },
  architecture: {
    type: "string",
    oneOf: ["X86_64", "ARM64"], is: "a supported architecture",
    default: "X86_64",
    description: "CPU architecture of images and Fargate tasks: X86_64 is linux/amd64, ARM64 is linux/arm64.",
  },
  systems: {
    type: "array",
    oneOf: SYSTEM_NAMES, is: "a system",
    default: ["gateway", "securityStack", "uiConsole"],
    description: "Systems deployed in this stack (the console needs both others).",
  },
  vpcId: {
    type: "string",
    pattern: "^vpc-[0-9a-f]{8,17}$", is: "a VPC id (vpc-0123abcd...)",
    default: "",
    description: "Existing VPC to deploy into. Empty: create a new VPC.",
  },
  publicSubnetIds: {
    type: "array",
    pattern: "^subnet-[0-9a-f]{8,17}$", is: "a subnet id",
    default: [],
    description: "With vpcId: public subnets (at least 2 AZs) for the load balancer.",
  },
  privateSubnetIds: {
    type: "array",
    pattern: "^subnet-[0-9a-f]{8,17}$", is: "a subnet id",
    default: [],
    description: "With vpcId: private subnets with a NAT route for tasks and EFS mount targets.",
  },
  vpcCidr: {
    type: "string",
    default: "10.0.0.0/16",
    description: "CIDR block of the new VPC (/16 to /23: each AZ gets a /19 to /26 block, halved into a public and a private subnet, and an ALB needs /27 subnets).",
  },
  availabilityZones: {
    type: "integer",
    min: 2, max: 6, why: "an ALB needs subnets in 2 AZs",
    default: 3,
    description: "Number of availability zones of the new VPC.",
  },
  natGateways: {
    type: "string",
    oneOf: ["onePerAz", "single", "instance"], is: "a NAT strategy",
    default: "onePerAz",
    description: "Egress of the new VPC's private subnets: onePerAz is a NAT gateway per AZ; single one shared NAT gateway (one AZ of failure); instance one small EC2 NAT instance (cheapest; one instance of failure, no managed failover: for staging).",
  },
  domain: {
    type: "string",
    pattern: "^(?=.{1,253}\\.?$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}\\.?$", is: "a DNS name such as example.com",
    default: "",
    description: "Route 53 hosted zone name (e.g. example.com). Set: HTTPS with one host per system. Empty: HTTP on listener ports.",
  },
  waf: {
    type: "boolean",
    default: true,
    description: "A web application firewall on the load balancer: AWS's IP reputation, known-bad-input and common rule groups, a per-IP rate limit, and the key API closed to all but gatewayAdminCidrs in every spelling of its path.",
  },
  wafRateLimit: {
    type: "integer",
    min: 10, max: 2000000000, unit: "requests per IP per window",
    default: 2000,
    description: "With waf: requests one client IP may send in wafRateWindowSeconds before WAF blocks it until its rate falls below.",
  },
  wafRateWindowSeconds: {
    type: "integer",
    oneOf: [60, 120, 300, 600], is: "a WAF evaluation window",
    default: 300,
    description: "With waf: the window, in seconds, the rate limit counts over.",
  },
  wafBlockedRequestsAlarm: {
    type: "integer",
    min: 1, max: 100000000, unit: "requests in 5 minutes",
    default: 500,
    description: "With waf: blocked requests in 5 minutes above which the alarm topic is notified.",
  },
  allowedIngressCidrs: {
    type: "array",
    default: ["0.0.0.0/0"],
    description: "CIDRs allowed to reach the public load balancer.",
  },
  albAccessLogs: {
    type: "boolean",
    default: true,
    description: "Write load balancer access logs to an encrypted S3 bucket.",
  },
  albDeletionProtection: {
    type: "boolean",
    default: true,
    description: "Deletion protection on the load balancer.",
  },
  albIdleTimeoutSeconds: {
    type: "integer",
    min: 1, max: 4000, unit: "seconds", why: "what the ALB accepts",
    default: 120,
    description: "Load balancer idle timeout; MCP streams need more than the 60 s default.",
  },
  gatewayListenerPort: {
    type: "integer",
    min: 1, max: 65535, is: "a port",
    default: 3000,
    description: "Without a domain: the load balancer port of the MCP Gateway.",
  },
  apiListenerPort: {
    type: "integer",
    min: 1, max: 65535, is: "a port",
    default: 8000,
    description: "Without a domain: the load balancer port of the management plane API.",
  },
  controlListenerPort: {
    type: "integer",
    min: 1, max: 65535, is: "a port",
    default: 8001,
    description: "Without a domain: the load balancer port of the control plane.",
  },
  consoleListenerPort: {
    type: "integer",
    min: 1, max: 65535, is: "a port",
    default: 80,
    description: "Without a domain: the load balancer port of the UI Console.",
  },
  healthCheckIntervalSeconds: {
    type: "integer",
    min: 5, max: 300,
    default: 5,
    description: "Target group health-check interval in seconds.",
  },
  healthCheckTimeoutSeconds: {
    type: "integer",
    min: 2, max: 120,
    default: 4,
    description: "Target group health-check timeout in seconds, less than the interval.",
  },
  healthyThreshold: {
    type: "integer",
    min: 2, max: 10,
    default: 2,
    description: "Consecutive passing health checks before a target is healthy.",
  },
  unhealthyThreshold: {
    type: "integer",
    min: 2, max: 10,
    default: 3,
    description: "Consecutive failing health checks before a target is unhealthy.",
  },
  deregistrationDelaySeconds: {
    type: "integer",
    min: 0, max: 3600,
    default: 20,
    description: "Seconds the load balancer drains a target before removing it: in-flight requests finish, new ones go to other targets. Every deploy waits it out, and a single writer's cutover with it.",
  },
  logRetentionDays: {
    type: "integer",
    oneOf: LOG_RETENTION_DAYS, is: "a value CloudWatch Logs accepts",
    default: 30,
    description: "CloudWatch Logs retention in days.",
  },
  protectState: {
    type: "boolean",
    default: true,
    description: "Keep stateful resources on pulumi destroy: EFS file systems (also protected from replacement), ECR repositories with their images, the access-log bucket.",
  },
  secretRecoveryWindowDays: {
    type: "integer",
    oneOf: [0, ...range(7, 30, 1)], why: "0 deletes at once",
    default: 30,
    description: "Days a deleted Secrets Manager secret can be restored.",
  },
  efsThroughputMode: {
    type: "string",
    oneOf: ["bursting", "elastic", "provisioned"], is: "a throughput mode",
    default: "elastic",
    description: "EFS throughput mode.",
  },
  efsProvisionedThroughputMibps: {
    type: "integer",
    min: 0, max: MAX_PROVISIONED_THROUGHPUT_MIBPS, why: "0 unless efsThroughputMode is provisioned",
    default: 0,
    description: "With efsThroughputMode provisioned: throughput in MiB/s (at least 1 then).",
  },
  efsTransitionToIa: {
    type: "string",
    oneOf: EFS_TRANSITIONS, is: "an EFS lifecycle value",
    default: "AFTER_30_DAYS",
    description: "EFS lifecycle: move files not read for this long to Infrequent Access.",
  },
  backups: {
    type: "boolean",
    default: true,
    description: "An AWS Backup plan of the stack's own for its file systems (vault on a customer-managed key, daily and optional monthly rules, failures to the alarm topic); it replaces EFS's default backup policy.",
  },
  backupDailyRetentionDays: {
    type: "integer",
    min: 1, max: 36500, unit: "days",
    default: 35,
    description: "With backups: days each daily recovery point is kept.",
  },
  backupMonthlyRetentionMonths: {
    type: "integer",
    min: 0, max: 1200, unit: "months",
    default: 0,
    description: "With backups: months each monthly recovery point (the 1st of the month) is kept; 0 takes no monthly backups.",
  },
  backupCopyRegion: {
    type: "string",
    pattern: "^[a-z]{2}(-[a-z]+)+-[0-9]$", is: "an AWS region such as eu-central-1",
    default: "",
    description: "With backups: a second region whose vault receives a copy of every recovery point (kept as long as the original). Empty: no copy.",
  },
  backupVaultLock: {
    type: "boolean",
    default: false,
    description: "With backups: lock the vault in compliance mode. After a 3-day grace period this is IRREVERSIBLE: nobody, not even the root user or AWS, can delete the vault or shorten its recovery points' retention until they expire.",
  },
  efsReplicationRegion: {
    type: "string",
    pattern: "^[a-z]{2}(-[a-z]+)+-[0-9]$", is: "an AWS region such as eu-central-1",
    default: "",
    description: "Replicate each file system to a read-only copy in this region (RPO about 15 minutes, not point-in-time consistent). Empty: no replication.",
  },
  gatewayRestoreFileSystemId: {
    type: "string",
    pattern: "^fs-[0-9a-f]{8,40}$", is: "an EFS file system id such as fs-0123456789abcdef0",
    default: "",
    description: "Adopt this file system, restored from a backup on the volume's own key in this region, for the gateway instead of its own (with gatewayRestorePath): mount targets, access points and a policy of its own are added on it, and the service moves to it; the own file system stays as it was. Removing the key moves the gateway back to its own file system and leaves what was written since the restore on the restored one.",
  },
  gatewayRestorePath: {
    type: "string",
    pattern: "^aws-backup-restore_[A-Za-z0-9._:-]+/gateway(/writer/snapshot)?$", is: "a restored directory such as aws-backup-restore_<timestamp>/gateway/writer/snapshot",
    default: "",
    description: "With gatewayRestoreFileSystemId: where the gateway's directories are on the restored file system, the consistent nightly snapshot (aws-backup-restore_<timestamp>/gateway/writer/snapshot) or the live copy the backup took (aws-backup-restore_<timestamp>/gateway).",
  },
  securityStackRestoreFileSystemId: {
    type: "string",
    pattern: "^fs-[0-9a-f]{8,40}$", is: "an EFS file system id such as fs-0123456789abcdef0",
    default: "",
    description: "Adopt this restored file system for the security stack instead of its own, with securityStackRestorePath (as gatewayRestoreFileSystemId).",
  },
  securityStackRestorePath: {
    type: "string",
    pattern: "^aws-backup-restore_[A-Za-z0-9._:-]+/security-stack(/writer/snapshot)?$", is: "a restored directory such as aws-backup-restore_<timestamp>/security-stack/writer/snapshot",
    default: "",
    description: "With securityStackRestoreFileSystemId: where the security stack's directories are on the restored file system (as gatewayRestorePath).",
  },
  ecrKeepImages: {
    type: "integer",
    min: 1, max: 1000,
    default: 20,
    description: "Images each ECR repository keeps (older ones expire).",
  },
  iamPermissionsBoundary: {
    type: "string",
    pattern: "^[A-Za-z0-9+=,.@_-]{1,128}$", is: "an IAM policy name such as ai-platform-stack-boundary",
    default: "",
    description: "Name of the permissions boundary every IAM role of the stack carries (bootstrap/ makes it, under /ai-platform/): the deploy roles may create roles only with it. Required.",
  },
  ecsExec: {
    type: "boolean",
    default: false,
    description: "Allow `aws ecs execute-command` into running containers (grants the task role SSM messages).",
  },
  alarmEmails: {
    type: "array",
    pattern: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", is: "an e-mail address",
    default: [],
    description: "E-mail addresses subscribed to the stack's alarm topic (each must confirm the subscription).",
  },
  alarmCpuPercent: {
    type: "integer",
    min: 1, max: 100,
    default: 85,
    description: "CPU utilization (percent of the task's reservation) above which a service alarms.",
  },
  alarmMemoryPercent: {
    type: "integer",
    min: 1, max: 100,
    default: 85,
    description: "Memory utilization (percent of the task's reservation) above which a service alarms.",
  },
  alarm5xxCount: {
    type: "integer",
    min: 1,
    default: 10,
    description: "Target 5xx responses per minute above which an endpoint alarms.",
  },
  alarmEvaluationPeriods: {
    type: "integer",
    min: 1, max: 60,
    default: 3,
    description: "Consecutive one-minute periods a threshold must be breached before an alarm fires.",
  },
  supabaseUrl: {
    type: "string",
    pattern: "^https://[^\\s/]+$", is: "an https origin such as https://abcd.supabase.co",
    default: "",
    description: "Supabase project URL (https://<ref>.supabase.co); required by securityStack and uiConsole.",
  },
  supabaseAnonKey: {
    type: "string",
    default: "",
    description: "Supabase anon key (public; baked into the console bundle); required by uiConsole.",
  },
  gatewayCapacity: {
    type: "string",
    oneOf: CAPACITY_MODES, is: "a capacity mode",
    default: "onDemand",
    description: "Where the gateway's task runs: onDemand (Fargate) or spot (Fargate Spot, about 70% cheaper; an interruption is an outage until the replacement starts, since a single writer has no second task). Not spot where protectState is on.",
  },
  securityStackCapacity: {
    type: "string",
    oneOf: CAPACITY_MODES, is: "a capacity mode",
    default: "onDemand",
    description: "Where the security stack's task runs: onDemand or spot (as gatewayCapacity; a single writer).",
  },
  uiConsoleCapacity: {
    type: "string",
    oneOf: CAPACITY_MODES, is: "a capacity mode",
    default: "onDemand",
    description: "Where the console's tasks run: onDemand, spot, or mixed (capacityOnDemandBase tasks on demand, the rest split 1 : capacitySpotWeight between on demand and Spot).",
  },
  capacityOnDemandBase: {
    type: "integer",
    min: 0, max: 100000,
    default: 1,
    description: "With mixed capacity: tasks that always run on demand before any runs on Spot.",
  },
  capacitySpotWeight: {
    type: "integer",
    min: 1, max: 1000, why: "ECS's weight range; on demand has weight 1",
    default: 3,
    description: "With mixed capacity: Spot tasks per on-demand task beyond the base.",
  },
  awakeHours: {
    type: "string",
    pattern: "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))? ([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$",
    is: "a schedule such as Mon-Fri 07:00-20:00",
    default: "",
    description: "When the stack runs: outside these hours (in awakeTimezone) every service scales to 0 tasks, inside them back to its configured size. Empty: always awake.",
  },
  awakeTimezone: {
    type: "string",
    default: "UTC",
    description: "IANA time zone of awakeHours, such as Europe/Berlin (daylight saving time followed).",
  },
  gatewayCpu: { type: "integer", oneOf: FARGATE_CPUS, is: "a Fargate size", default: 1024, description: "Gateway task CPU units (gateway + ChromaDB)." },
  gatewayMemory: { type: "integer", min: 512, max: 122880, unit: "MiB", default: 2048, description: "Gateway task memory in MiB." },
  gatewayHealthCheckGracePeriodSeconds: {
    type: "integer",
    min: 0, max: 7200, unit: "seconds",
    default: 120,
    description: "Seconds ECS ignores failing load balancer and container checks after a gateway task starts. A good deploy does not wait for it: ECS moves on once the task is healthy.",
  },
  gatewayChromaImage: {
    type: "string",
    // An exact MAJOR.MINOR.PATCH tag (a suffix may follow) or a digest: `1` or `1.0` move with every release.
    pattern: "^[a-z0-9./_-]+(?::\\d+\\.\\d+\\.\\d+(?:-[A-Za-z0-9._-]+)?(?:@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$", is: "pinned; use a version tag such as chromadb/chroma:1.0.15",
    default: "chromadb/chroma:1.0.15",
    description: "ChromaDB image of the gateway's sidecar, an exact version tag or a digest. It is copied into the stack's ECR repository when the stack is deployed, and the task runs the copy by digest.",
  },
  gatewayIntelligenceEnabled: {
    type: "boolean",
    default: true,
    description: "MCP_GATEWAY_INTELLIGENCE_ENABLED: summaries and vector search through ChromaDB.",
  },
  gatewaySummaryThresholdBytes: {
    type: "integer",
    min: 1,
    default: 2048,
    description: "MCP_GATEWAY_SUMMARY_THRESHOLD_BYTES: responses larger than this are summarized.",
  },
  gatewayIntelligenceTtlHours: {
    type: "integer",
    min: 1,
    default: 3,
    description: "MCP_GATEWAY_INTELLIGENCE_TTL_HOURS: how long summaries are kept.",
  },
  // Three CIDRs fit one listener rule; an ALB listener holds 100 rules, shared by every system on it.
  gatewayAdminCidrs: {
    type: "array",
    maxItems: 30, fix: "summarize them into wider blocks",
    default: [],
    description: "CIDRs allowed to call the unauthenticated key-management API (/api/keys*); everyone else gets 403.",
  },
  gatewayKeyApiJwt: {
    type: "boolean",
    default: false,
    description: "The load balancer validates a Supabase access token (RS256, the project's JWKS) on every key-API request before forwarding it; CORS preflights pass. Needs a domain (HTTPS listeners only), supabaseUrl, and a project that signs with RS256 (supabaseJwtAlgorithm).",
  },
  supabaseJwtAlgorithm: {
    type: "string",
    oneOf: ["HS256", "RS256"], is: "a signing algorithm Supabase offers here",
    default: "HS256",
    description: "How the Supabase project signs its access tokens: HS256 with the legacy JWT secret (Supabase's default, what supabaseJwtSecret holds) or RS256 with an asymmetric signing key (Supabase dashboard, JWT Signing Keys). gatewayKeyApiJwt needs RS256: the load balancer verifies nothing else.",
  },
  gatewayKeyApiJwtClaims: {
    type: "array",
    pattern: "^[A-Za-z0-9_:.-]{1,64}=[^\\s]{1,256}$", is: "a claim test such as role=authenticated",
    maxItems: 10, fix: "ALB validates at most 10 claims besides exp, iss, nbf and iat",
    default: [],
    description: "With gatewayKeyApiJwt: claims the token must carry, each name=value; a name listed twice accepts either value.",
  },
  securityStackCpu: { type: "integer", oneOf: FARGATE_CPUS, is: "a Fargate size", default: 2048, description: "Security stack task CPU units (three containers)." },
  securityStackMemory: { type: "integer", min: 512, max: 122880, unit: "MiB", default: 8192, description: "Security stack task memory in MiB." },
  securityStackHealthCheckGracePeriodSeconds: {
    type: "integer",
    min: 0, max: 7200, unit: "seconds",
    default: 900,
    description: "Seconds ECS ignores failing load balancer and container checks after a security-stack task starts: the first start's allowance to download the models into the empty EFS cache. A good deploy does not wait for it, a task that never turns healthy does, three times before the circuit breaker rolls back.",
  },
  securityStackRustLog: { type: "string", default: "info", description: "RUST_LOG of the data plane." },
  // Three CIDRs fit one listener rule beside the host and path; an ALB listener holds 100 rules, shared.
  securityStackControlCidrs: {
    type: "array",
    maxItems: 30, fix: "summarize them into wider blocks",
    default: [],
    description: "CIDRs allowed to reach the policy control plane (control.<domain>, Flask's development server, no authentication of its own); everyone else gets 403 from the load balancer. Empty: closed to all.",
  },
  securityStackApiDocs: {
    type: "boolean",
    default: false,
    description: "Serve the management plane's interactive API docs (/docs, /redoc, /openapi.json) publicly; off, the load balancer answers them 404.",
  },
  uiConsoleCpu: { type: "integer", oneOf: FARGATE_CPUS, is: "a Fargate size", default: 256, description: "Console task CPU units." },
  uiConsoleMemory: { type: "integer", min: 512, max: 122880, unit: "MiB", default: 512, description: "Console task memory in MiB." },
  uiConsoleMinCount: { type: "integer", min: 1, default: 2, description: "Fewest console tasks (autoscaling floor)." },
  uiConsoleMaxCount: { type: "integer", min: 1, max: 100, default: 6, description: "Most console tasks (autoscaling ceiling)." },
} satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof configSchema;
