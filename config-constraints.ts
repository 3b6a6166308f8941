/**
 * The rules between config keys, and between a key and a limit of the AWS resource it feeds: what each key's own
 * limits (config-schema.ts) cannot say. Each rule names the keys it is about, the primary source of the limit, and
 * a config that breaks it; tests/config-constraints.test.ts runs every rule's example through the whole program and
 * expects the rule's message, naming every one of its keys, so a rule added here is tested without a new test.
 *
 * The sweep behind this list (issue #24): for every resource the program builds from config, the API reference's
 * limits, exclusive combinations, regional availability and replacement on change of each field config sets. What a
 * key's own range covers is in config-schema.ts; what a change of a value does at `up` (a replica region, a copy
 * region) is made to work in the component instead (components/resources/volume.ts, components/platform/backup.ts), and is listed in
 * REPLACEMENT_SAFE_KEYS with where.
 */
import { CONTAINER_STOP_SECONDS, DAYS_PER_MONTH, SPOT_WARNING_SECONDS, AZ_BLOCK_BITS, VAULT_LOCK } from "./components/shared/defaults";
import { ConfigKeyName, FARGATE_SIZES, MAX_PROVISIONED_THROUGHPUT_MIBPS } from "./config-schema";

/** A config value as read: the key's schema default where it is not set. */
export type ConfigValue = string | number | boolean | string[];

/** Reads a key's value (already judged against its own limits) and `aws:region`. */
export interface ConfigValues {
  get<T extends ConfigValue>(key: ConfigKeyName): T;
  region: string;
  /** Whether the key's own limits already refused its value: a rule then says nothing more about it. */
  refused(key: ConfigKeyName): boolean;
}

export interface Constraint {
  /** The keys the rule is about; the problem is reported on the first, and its message names the others. */
  keys: [ConfigKeyName, ...ConfigKeyName[]];
  /** The primary source of the limit: an AWS API or developer guide page, or a provider issue that shows the error. */
  source: string;
  /** The problem with these values, worded after `<project>:<first key>: `, or undefined. */
  check(v: ConfigValues): string | undefined;
  /** Config (on top of the staging stack file) that breaks the rule. */
  example: Record<string, unknown>;
}

/** AWS Backup's longest retention: a rule's DeleteAfterDays and a vault lock's MaxRetentionDays. */
export const BACKUP_MAX_RETENTION_DAYS = 36500;

/** The smallest subnet an ALB accepts, as a prefix length (/27, with at least 8 free addresses). */
export const ALB_SMALLEST_SUBNET_PREFIX = 27;

/** Each stateful system's restore keys: the restored file system and where its directories are on it. */
const RESTORE_KEYS = [
  ["gatewayRestoreFileSystemId", "gatewayRestorePath"],
  ["securityStackRestoreFileSystemId", "securityStackRestorePath"],
] as const;

/** The capacity key of each system. */
const CAPACITY_KEYS = ["gatewayCapacity", "securityStackCapacity", "uiConsoleCapacity"] as const;

/** The CPU and memory keys of each system's task. */
const TASK_SIZE_KEYS = [
  ["gatewayCpu", "gatewayMemory"],
  ["securityStackCpu", "securityStackMemory"],
  ["uiConsoleCpu", "uiConsoleMemory"],
] as const;

/** The memory sizes Fargate sells with a CPU size, in words: "2048 to 8192 in steps of 1024", or the list. */
function memoryChoices(cpu: number): string {
  const allowed = FARGATE_SIZES[cpu];
  // 256 CPU units take 512, 1024 or 2048 MiB: no even step, so list them rather than imply 1536.
  return cpu === 256 ? allowed.join(", ") : `${allowed[0]} to ${allowed[allowed.length - 1]} in steps of ${allowed[1] - allowed[0]}`;
}

const taskSizeRules: Constraint[] = TASK_SIZE_KEYS.map(([cpuKey, memoryKey]) => ({
  keys: [memoryKey, cpuKey],
  source: "Amazon ECS Developer Guide, \"Amazon ECS task definition parameters for Fargate\" (Task size: supported CPU and memory values)",
  check(v) {
    const [cpu, memory] = [v.get<number>(cpuKey), v.get<number>(memoryKey)];
    const allowed = FARGATE_SIZES[cpu];
    // An unknown CPU value is the CPU key's own limit; memory is judged against a known one.
    if (!allowed || allowed.includes(memory)) return undefined;
    return `${memory} MiB is not available with ${cpu} CPU units on Fargate (${cpuKey}); use ${memoryChoices(cpu)}`;
  },
  example: { [cpuKey]: 1024, [memoryKey]: 512 },
}));

const arm64SpotRules: Constraint[] = CAPACITY_KEYS.map((key) => ({
  keys: [key, "architecture"],
  source: "Amazon ECS Developer Guide, \"Amazon ECS clusters for Fargate\" / \"Fargate capacity providers\": Linux tasks with the ARM64 architecture don't support the Fargate Spot capacity provider",
  check(v) {
    const mode = v.get<string>(key);
    if (v.get<string>("architecture") !== "ARM64" || mode === "onDemand") return undefined;
    return `${mode} needs Fargate Spot, which does not run ARM64 tasks (architecture is ARM64): the tasks would never be placed; use onDemand, or architecture X86_64`;
  },
  example: { architecture: "ARM64", [key]: "spot" },
}));

/** A key naming a second region for the stack's data, which must not be the stack's own. */
function notOwnRegion(key: "backupCopyRegion" | "efsReplicationRegion", why: string, source: string): Constraint {
  return {
    keys: [key],
    source,
    check(v) {
      const region = v.get<string>(key);
      return region && region === v.region ? `${region} is the stack's own region; ${why}, such as eu-central-1` : undefined;
    },
    example: { [key]: "eu-west-1" },
  };
}

export const CONFIG_CONSTRAINTS: Constraint[] = [
  ...taskSizeRules,
  ...arm64SpotRules,
  {
    keys: ["healthCheckTimeoutSeconds", "healthCheckIntervalSeconds"],
    source: "Elastic Load Balancing API Reference, CreateTargetGroup: HealthCheckTimeoutSeconds must be less than HealthCheckIntervalSeconds",
    check(v) {
      const [timeout, interval] = [v.get<number>("healthCheckTimeoutSeconds"), v.get<number>("healthCheckIntervalSeconds")];
      if (timeout < interval || v.refused("healthCheckTimeoutSeconds")) return undefined;
      return `${timeout} must be less than healthCheckIntervalSeconds (${interval})`;
    },
    example: { healthCheckIntervalSeconds: 10, healthCheckTimeoutSeconds: 10 },
  },
  {
    keys: ["deregistrationDelaySeconds", "gatewayCapacity", "securityStackCapacity", "uiConsoleCapacity"],
    source: "Amazon ECS Developer Guide, \"Fargate Spot\": a two-minute interruption warning, then the task is stopped",
    check(v) {
      const onSpot = CAPACITY_KEYS.some((k) => v.get<string>(k) !== "onDemand");
      const delay = v.get<number>("deregistrationDelaySeconds");
      if (!onSpot || delay + CONTAINER_STOP_SECONDS <= SPOT_WARNING_SECONDS || v.refused("deregistrationDelaySeconds")) return undefined;
      return `${delay} s of draining and the containers' ${CONTAINER_STOP_SECONDS} s stop timeout exceed Spot's ${SPOT_WARNING_SECONDS} s warning (a system on spot or mixed: gatewayCapacity, securityStackCapacity, uiConsoleCapacity); use at most ${SPOT_WARNING_SECONDS - CONTAINER_STOP_SECONDS}`;
    },
    example: { uiConsoleCapacity: "spot", deregistrationDelaySeconds: 300 },
  },
  {
    keys: ["backupMonthlyRetentionMonths", "backupVaultLock"],
    source: "AWS Backup API Reference, Lifecycle.DeleteAfterDays and PutBackupVaultLockConfiguration.MaxRetentionDays (at most 36500); hashicorp/terraform-provider-aws #24960 shows the error",
    check(v) {
      const months = v.get<number>("backupMonthlyRetentionMonths");
      const days = months * DAYS_PER_MONTH;
      if (days <= BACKUP_MAX_RETENTION_DAYS) return undefined;
      return `${months} months is ${days} days (${DAYS_PER_MONTH} a month), more than AWS Backup's ${BACKUP_MAX_RETENTION_DAYS} days for a recovery point's lifecycle and a vault lock's maximum retention (backupVaultLock); use at most ${Math.floor(BACKUP_MAX_RETENTION_DAYS / DAYS_PER_MONTH)}`;
    },
    example: { backupMonthlyRetentionMonths: 1200 },
  },
  {
    keys: ["backups", "protectState"],
    source: "AWS Backup Developer Guide, \"Managing backup plans\": a plan and its selection back up until they are deleted; a protected stack keeps them on destroy",
    check(v) {
      if (v.get<boolean>("backups") || !v.get<boolean>("protectState")) return undefined;
      return "false in a protected stack (protectState): its backup plan outlives destroy to keep the retained file systems backed up, and no config change turns a protected stack's backups off; set protectState false first, or keep backups on";
    },
    example: { backups: false, protectState: true },
  },
  {
    keys: ["backupDailyRetentionDays", "backupVaultLock"],
    source: "AWS Backup Developer Guide, \"AWS Backup Vault Lock\": a job whose lifecycle is shorter than the lock's minimum retention fails",
    check(v) {
      const days = v.get<number>("backupDailyRetentionDays");
      if (!v.get<boolean>("backupVaultLock") || days >= VAULT_LOCK.minRetentionDays || v.refused("backupDailyRetentionDays")) return undefined;
      return `${days} days is less than the vault lock's minimum of ${VAULT_LOCK.minRetentionDays} (backupVaultLock): every backup would fail; keep recovery points at least ${VAULT_LOCK.minRetentionDays} days`;
    },
    example: { backupVaultLock: true, backupDailyRetentionDays: 3 },
  },
  notOwnRegion("backupCopyRegion", "copies protect against losing the region only in another", "AWS Backup Developer Guide, \"Creating backup copies across AWS Regions\": a copy protects against the loss of a region only in another region"),
  notOwnRegion("efsReplicationRegion", "a replica protects against losing the region only elsewhere", "Amazon EFS API Reference, CreateReplicationConfiguration: the destination is another region (or the same region, which protects nothing against its loss)"),
  {
    keys: ["securityStackRestoreFileSystemId", "gatewayRestoreFileSystemId"],
    source: "Amazon EFS User Guide, access points: two systems on one file system would share (and could overwrite) each other's root",
    check(v) {
      const [gateway, security] = [v.get<string>("gatewayRestoreFileSystemId"), v.get<string>("securityStackRestoreFileSystemId")];
      if (!gateway || gateway !== security) return undefined;
      return `${gateway} is already gatewayRestoreFileSystemId; each system restores into a file system of its own`;
    },
    example: {
      gatewayRestoreFileSystemId: "fs-0123456789abcdef0",
      gatewayRestorePath: "aws-backup-restore_2026-05-01T03-10-00-000Z/gateway/writer/snapshot",
      securityStackRestoreFileSystemId: "fs-0123456789abcdef0",
      securityStackRestorePath: "aws-backup-restore_2026-05-01T03-10-00-000Z/security-stack/writer/snapshot",
    },
  },
  ...RESTORE_KEYS.map(([idKey, pathKey]): Constraint => ({
    keys: [pathKey, idKey],
    source: "AWS Backup Developer Guide, \"Restore an Amazon EFS file system\": a full restore goes to a recovery directory (aws-backup-restore_<datetime>) off the root, never to the root",
    check(v) {
      const [id, path] = [v.get<string>(idKey), v.get<string>(pathKey)];
      if (Boolean(id) === Boolean(path) || v.refused(idKey) || v.refused(pathKey)) return undefined;
      return id
        ? `is not set, and ${idKey} is: the restored data is under aws-backup-restore_<timestamp>/ on it, never at its root; set the directory (its nightly snapshot: aws-backup-restore_<timestamp>/<root>/writer/snapshot)`
        : `is set without ${idKey}; set the restored file system's id too, or remove this key`;
    },
    example: { [idKey]: "fs-0123456789abcdef0" },
  })),
  {
    keys: ["efsProvisionedThroughputMibps", "efsThroughputMode"],
    source: "Amazon EFS API Reference, CreateFileSystem: ProvisionedThroughputInMibps is required with ThroughputMode provisioned",
    check(v) {
      const provisioned = v.get<number>("efsProvisionedThroughputMibps");
      // 0 is the key's "not set"; a provisioned file system needs a figure.
      if (v.get<string>("efsThroughputMode") !== "provisioned" || provisioned >= 1 || v.refused("efsProvisionedThroughputMibps")) return undefined;
      return `${provisioned} is out of range for provisioned throughput (efsThroughputMode is provisioned); use 1 to ${MAX_PROVISIONED_THROUGHPUT_MIBPS}`;
    },
    example: { efsThroughputMode: "provisioned", efsProvisionedThroughputMibps: 0 },
  },
  {
    keys: ["vpcCidr", "vpcId"],
    source: "Elastic Load Balancing User Guide, \"Application Load Balancers\" (Availability Zones and subnets): each subnet needs at least a /27 bitmask and 8 free addresses",
    check(v) {
      const m = /^\d+\.\d+\.\d+\.\d+\/(\d+)$/.exec(v.get<string>("vpcCidr"));
      if (!m || v.get<string>("vpcId")) return undefined;
      // Each AZ gets a block AZ_BLOCK_BITS longer than the VPC's, halved into a public and a private subnet.
      const subnetPrefix = Number(m[1]) + AZ_BLOCK_BITS + 1;
      if (subnetPrefix <= ALB_SMALLEST_SUBNET_PREFIX) return undefined;
      return `/${m[1]} gives each AZ /${subnetPrefix} public subnets, smaller than the /${ALB_SMALLEST_SUBNET_PREFIX} a load balancer needs (without vpcId the program makes the VPC); use /16 to /${ALB_SMALLEST_SUBNET_PREFIX - AZ_BLOCK_BITS - 1}`;
    },
    example: { vpcCidr: "10.0.0.0/24" },
  },
  {
    keys: ["uiConsoleMaxCount", "uiConsoleMinCount"],
    source: "Application Auto Scaling API Reference, RegisterScalableTarget: MaxCapacity must be at least MinCapacity",
    check(v) {
      const [min, max] = [v.get<number>("uiConsoleMinCount"), v.get<number>("uiConsoleMaxCount")];
      return max < min ? `${max} is less than uiConsoleMinCount (${min})` : undefined;
    },
    example: { uiConsoleMinCount: 4, uiConsoleMaxCount: 3 },
  },
  {
    keys: ["gatewayKeyApiJwt", "supabaseJwtAlgorithm"],
    source: "Elastic Load Balancing User Guide, \"Verify JWTs using an Application Load Balancer\": only the RS256 algorithm is supported (and a JWKS of at most 10 keys and 150 KB)",
    check(v) {
      if (!v.get<boolean>("gatewayKeyApiJwt") || v.get<string>("supabaseJwtAlgorithm") === "RS256") return undefined;
      return "the load balancer verifies RS256 tokens only, and the Supabase project signs with HS256 (supabaseJwtAlgorithm), so every key-API call would be refused; give the project an RS256 signing key (Supabase dashboard, JWT Signing Keys) and `pulumi config set supabaseJwtAlgorithm RS256`, or `pulumi config set gatewayKeyApiJwt false`";
    },
    example: { domain: "staging.tupl.example.com", gatewayKeyApiJwt: true },
  },
  {
    keys: ["gatewayAdminCidrs", "waf"],
    source: "AWS WAFV2 API Reference, IPSet.Addresses: every IPv4 block but /0",
    check(v) {
      if (!v.get<boolean>("waf") || !v.get<string[]>("gatewayAdminCidrs").includes("0.0.0.0/0")) return undefined;
      return "0.0.0.0/0 would open the key API to everyone, and WAF's IP sets refuse /0 (waf is on); list the admin networks";
    },
    example: { waf: true, gatewayAdminCidrs: ["0.0.0.0/0"] },
  },
];

/**
 * Keys whose change replaces resources that a plain replacement would fail on at `up`, and what makes the change
 * work instead. tests/config-change.test.ts changes each of them on a stack and checks the plan it makes.
 */
export const REPLACEMENT_SAFE_KEYS: Partial<Record<ConfigKeyName, string>> = {
  efsReplicationRegion:
    "EFS keeps one replication configuration per source file system (ReplicationAlreadyExists), so the configuration is deleted before " +
    "its replacement is created; the old replica stays, writable, with its key, which is retained rather than protected (components/resources/volume.ts)",
  backupCopyRegion:
    "the copy vault, its key and its lock live in that region: a new region makes new ones, and the old ones are retained with their " +
    "recovery points until those expire, in every stack, rather than protected, which would refuse the move (components/platform/backup.ts)",
};
