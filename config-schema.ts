/**
 * Every stack config key the program reads: its type, default and description.
 *
 * This table is the single source of the defaults. `Pulumi.yaml`'s `config:` block is generated from it
 * (`npm run gen:project`), and a test fails when the two drift apart, so `pulumi config`, editors and
 * `config.ts` always agree.
 */
export type ConfigType = "string" | "integer" | "boolean" | "array";

export interface ConfigKey {
  type: ConfigType;
  description: string;
  /** Absent for keys that must be set per stack (secrets). */
  default?: string | number | boolean | string[];
  secret?: boolean;
}

export const PROJECT = "ai-platform";

export const configSchema = {
  appRepoPath: {
    type: "string",
    default: "../app",
    description: "Path to the checkout of the app repo (build context of every image), relative to this project.",
  },
  architecture: {
    type: "string",
    default: "X86_64",
    description: "CPU architecture of images and Fargate tasks: X86_64 (linux/amd64) or ARM64 (linux/arm64).",
  },
  systems: {
    type: "array",
    default: ["gateway", "securityStack", "uiConsole"],
    description: "Systems deployed in this stack: any of gateway, securityStack, uiConsole (the console needs both others).",
  },
  vpcId: {
    type: "string",
    default: "",
    description: "Existing VPC to deploy into. Empty: create a new VPC.",
  },
  publicSubnetIds: {
    type: "array",
    default: [],
    description: "With vpcId: public subnets (at least 2 AZs) for the load balancer.",
  },
  privateSubnetIds: {
    type: "array",
    default: [],
    description: "With vpcId: private subnets with a NAT route for tasks and EFS mount targets.",
  },
  vpcCidr: {
    type: "string",
    default: "10.0.0.0/16",
    description: "CIDR block of the new VPC (/16 to /24).",
  },
  availabilityZones: {
    type: "integer",
    default: 3,
    description: "Number of availability zones of the new VPC (2 to 6; the load balancer needs 2).",
  },
  natGateways: {
    type: "string",
    default: "onePerAz",
    description: "NAT gateways of the new VPC: single (one shared, cheaper, one AZ of failure) or onePerAz.",
  },
  domain: {
    type: "string",
    default: "",
    description: "Route 53 hosted zone name (e.g. example.com). Set: HTTPS with one host per system. Empty: HTTP on listener ports.",
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
    default: 120,
    description: "Load balancer idle timeout in seconds (1 to 4000); MCP streams need more than the 60 s default.",
  },
  gatewayListenerPort: {
    type: "integer",
    default: 3000,
    description: "Without a domain: the load balancer port of the MCP Gateway.",
  },
  apiListenerPort: {
    type: "integer",
    default: 8000,
    description: "Without a domain: the load balancer port of the management plane API.",
  },
  controlListenerPort: {
    type: "integer",
    default: 8001,
    description: "Without a domain: the load balancer port of the control plane.",
  },
  consoleListenerPort: {
    type: "integer",
    default: 80,
    description: "Without a domain: the load balancer port of the UI Console.",
  },
  healthCheckIntervalSeconds: {
    type: "integer",
    default: 5,
    description: "Target group health-check interval in seconds (5 to 300).",
  },
  healthCheckTimeoutSeconds: {
    type: "integer",
    default: 4,
    description: "Target group health-check timeout in seconds (2 to 120, less than the interval).",
  },
  healthyThreshold: {
    type: "integer",
    default: 2,
    description: "Consecutive passing health checks before a target is healthy (2 to 10).",
  },
  unhealthyThreshold: {
    type: "integer",
    default: 3,
    description: "Consecutive failing health checks before a target is unhealthy (2 to 10).",
  },
  deregistrationDelaySeconds: {
    type: "integer",
    default: 30,
    description: "Seconds the load balancer drains a target before removing it (0 to 3600).",
  },
  logRetentionDays: {
    type: "integer",
    default: 30,
    description: "CloudWatch Logs retention in days (one of CloudWatch's allowed values).",
  },
  protectState: {
    type: "boolean",
    default: true,
    description: "Keep stateful resources on pulumi destroy: EFS file systems (also protected from replacement), ECR repositories with their images, the access-log bucket.",
  },
  secretRecoveryWindowDays: {
    type: "integer",
    default: 30,
    description: "Days a deleted Secrets Manager secret can be restored (0 deletes at once, else 7 to 30).",
  },
  efsThroughputMode: {
    type: "string",
    default: "elastic",
    description: "EFS throughput mode: bursting, elastic or provisioned.",
  },
  efsProvisionedThroughputMibps: {
    type: "integer",
    default: 0,
    description: "With efsThroughputMode provisioned: throughput in MiB/s (1 to 3414).",
  },
  efsTransitionToIa: {
    type: "string",
    default: "AFTER_30_DAYS",
    description: "EFS lifecycle: move files not read for this long to Infrequent Access (AFTER_1_DAY ... AFTER_365_DAYS).",
  },
  ecrKeepImages: {
    type: "integer",
    default: 20,
    description: "Images each ECR repository keeps (older ones expire; 1 to 1000).",
  },
  ecsExec: {
    type: "boolean",
    default: false,
    description: "Allow `aws ecs execute-command` into running containers (grants the task role SSM messages).",
  },
  alarmEmails: {
    type: "array",
    default: [],
    description: "E-mail addresses subscribed to the stack's alarm topic (each must confirm the subscription).",
  },
  alarmCpuPercent: {
    type: "integer",
    default: 85,
    description: "CPU utilization (percent of the task's reservation) above which a service alarms.",
  },
  alarmMemoryPercent: {
    type: "integer",
    default: 85,
    description: "Memory utilization (percent of the task's reservation) above which a service alarms.",
  },
  alarm5xxCount: {
    type: "integer",
    default: 10,
    description: "Target 5xx responses per minute above which an endpoint alarms.",
  },
  alarmEvaluationPeriods: {
    type: "integer",
    default: 3,
    description: "Consecutive one-minute periods a threshold must be breached before an alarm fires (1 to 60).",
  },
  supabaseUrl: {
    type: "string",
    default: "",
    description: "Supabase project URL (https://<ref>.supabase.co); required by securityStack and uiConsole.",
  },
  supabaseAnonKey: {
    type: "string",
    default: "",
    description: "Supabase anon key (public; baked into the console bundle); required by uiConsole.",
  },
  geminiApiKey: {
    type: "string",
    secret: true,
    description: "Gemini API key of the MCP Gateway (GEMINI_API_KEY). Set with pulumi config set --secret.",
  },
  googleApiKey: {
    type: "string",
    secret: true,
    description: "Google AI key of the management plane (GOOGLE_API_KEY). Set with pulumi config set --secret.",
  },
  supabaseJwtSecret: {
    type: "string",
    secret: true,
    description: "Supabase JWT secret of the security stack (SUPABASE_JWT_SECRET). Set with pulumi config set --secret.",
  },
  gatewayCpu: { type: "integer", default: 1024, description: "Gateway task CPU units (gateway + ChromaDB)." },
  gatewayMemory: { type: "integer", default: 2048, description: "Gateway task memory in MiB." },
  gatewayDesiredCount: {
    type: "integer",
    default: 1,
    description: "Gateway tasks. Must be 1: tenants.json and ChromaDB's files have a single writer.",
  },
  gatewayHealthCheckGracePeriodSeconds: {
    type: "integer",
    default: 120,
    description: "Seconds ECS ignores failing load balancer checks after a gateway task starts.",
  },
  gatewayChromaImage: {
    type: "string",
    default: "chromadb/chroma:1.0.15",
    description: "ChromaDB image of the gateway's sidecar, pinned to a version (never latest).",
  },
  gatewayIntelligenceEnabled: {
    type: "boolean",
    default: true,
    description: "MCP_GATEWAY_INTELLIGENCE_ENABLED: summaries and vector search through ChromaDB.",
  },
  gatewaySummaryThresholdBytes: {
    type: "integer",
    default: 2048,
    description: "MCP_GATEWAY_SUMMARY_THRESHOLD_BYTES: responses larger than this are summarized.",
  },
  gatewayIntelligenceTtlHours: {
    type: "integer",
    default: 3,
    description: "MCP_GATEWAY_INTELLIGENCE_TTL_HOURS: how long summaries are kept.",
  },
  gatewayAdminCidrs: {
    type: "array",
    default: [],
    description: "CIDRs allowed to call the unauthenticated key-management API (/api/keys*); everyone else gets 403.",
  },
  securityStackCpu: { type: "integer", default: 2048, description: "Security stack task CPU units (three containers)." },
  securityStackMemory: { type: "integer", default: 8192, description: "Security stack task memory in MiB." },
  securityStackDesiredCount: {
    type: "integer",
    default: 1,
    description: "Security stack tasks. Must be 1: its SQLite databases have a single writer.",
  },
  securityStackHealthCheckGracePeriodSeconds: {
    type: "integer",
    default: 900,
    description: "Seconds ECS ignores failing load balancer checks after start (first start downloads models).",
  },
  securityStackRustLog: { type: "string", default: "info", description: "RUST_LOG of the data plane." },
  uiConsoleCpu: { type: "integer", default: 256, description: "Console task CPU units." },
  uiConsoleMemory: { type: "integer", default: 512, description: "Console task memory in MiB." },
  uiConsoleMinCount: { type: "integer", default: 2, description: "Fewest console tasks (autoscaling floor)." },
  uiConsoleMaxCount: { type: "integer", default: 6, description: "Most console tasks (autoscaling ceiling)." },
} satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof configSchema;
