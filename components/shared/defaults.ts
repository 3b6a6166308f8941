/**
 * The decisions this program makes where nobody configures them: health-check and deployment timing,
 * rule-priority offsets, autoscaling targets, alarm thresholds, image retention, address layout. One place, each
 * named, with why. Deliberately free of Pulumi imports, so tests and the plan read them for free.
 */

/** Seconds of one CloudWatch alarm period for every per-minute alarm. */
export const ALARM_PERIOD_SECONDS = 60;

/** Ports the program opens on its own account. */
export const PORTS = { https: 443, http: 80, nfs: 2049 } as const;

/**
 * ECS's health-check defaults where a container gives none: a minute to start, then 3 misses 15 s apart.
 * (ECS's own defaults are 30 s, 5 s, 3 and 0; these suit the apps' start times.)
 */
export const CONTAINER_HEALTH_CHECK = {
  intervalSeconds: 15,
  timeoutSeconds: 5,
  retries: 3,
  startPeriodSeconds: 60,
} as const;

/** What ECS accepts for a container health check (HealthCheck in the ECS API reference). */
export const ECS_HEALTH_CHECK_LIMITS = {
  intervalSeconds: [5, 300],
  timeoutSeconds: [2, 60],
  retries: [1, 10],
  startPeriodSeconds: [0, 300],
} as const;

/** What ECS accepts for a service's health-check grace period, in seconds. */
export const ECS_GRACE_PERIOD_LIMITS = [0, 7200] as const;

/**
 * Deployment percentages. A single writer stops its old task before the new one starts, so two tasks never
 * share the files; a stateless service starts the new tasks first and keeps full capacity.
 *
 * A follow-up that needs the writer lock of #28 (a single writer's app starts only once it holds an exclusive lock on
 * its volume): with it, a single writer could deploy at min 0 % / max 200 %. ECS documents that maximumPercent lets the
 * scheduler start the new tasks before stopping the old ones and that it "may" do so, not that it will; so the
 * successor's launch and image pull could overlap the old task's draining and stop, shortening the expected cutover by
 * up to TASK_START_SECONDS, while the bound (deploy-time.ts) stays sequential. Until the lock lands, max 100 %, which
 * the policy rule `stateful-services-single-writer` and the tests hold.
 */
export const DEPLOYMENT = {
  singleWriter: { minimumHealthyPercent: 0, maximumPercent: 100 },
  rolling: { minimumHealthyPercent: 100, maximumPercent: 200 },
} as const;

/**
 * The listener-rule priority contract between the platform and the services. Each endpoint owns a block of
 * `span` priorities from its base; inside it the service puts the CORS preflights of a token-checked path first
 * (from `preflightFirst`: OPTIONS carries no token, so it must be matched before the rules that validate one),
 * then its source-restricted forwards (one rule per three CIDRs, from `adminFirst`), the 403 for everybody else
 * at `deny`, and the catch-all forward at `forward`. ALB evaluates the lowest number first. Each kind keeps its
 * own range, so switching the token check on adds rules without taking a priority another rule holds.
 */
export const RULE_PRIORITY = { span: 100, preflightFirst: 0, adminFirst: 25, deny: 50, hidden: 60, forward: 90 } as const;

/** The management plane's interactive API docs (FastAPI's defaults): answered 404 unless securityStackApiDocs. */
export const API_DOCS_PATHS = ["/docs*", "/redoc*", "/openapi.json"];

/** A listener rule holds at most 5 condition values: host and path take two, so three CIDRs fit one rule. */
export const CIDRS_PER_RULE = 3;

/** Target tracking for a stateless service: scale out fast, scale in slowly. */
export const AUTOSCALING = {
  cpuTargetPercent: 60,
  requestsPerTarget: 1000,
  scaleInCooldownSeconds: 300,
  scaleOutCooldownSeconds: 60,
} as const;

/** Logical names of target groups must leave room for the 8 characters the provider appends (32 in all). */
export const MAX_TARGET_GROUP_LOGICAL_NAME = 24;

/** The POSIX owner every access point enforces: the images run as uid/gid 1000. */
export const ACCESS_POINT_OWNER = { uid: 1000, gid: 1000, permissions: "0750" } as const;

/**
 * The `user` of every container that writes a volume: the access points' owner, which is also the USER of the
 * gateway, security-stack and ChromaDB images (dockerfiles/). Running as the owner, not only writing as it,
 * keeps a process's files and the image's own directories (/app/tenants, /app/data) its own without a mount.
 */
export const VOLUME_OWNER_USER = `${ACCESS_POINT_OWNER.uid}:${ACCESS_POINT_OWNER.gid}`;

/** Burst credits (bytes) below which a bursting file system alarms: ~17 minutes of 100 MiB/s. */
export const BURST_CREDIT_ALARM_BYTES = 100 * 1024 ** 3;
/** Percent of permitted throughput above which an elastic/provisioned file system alarms. */
export const THROUGHPUT_ALARM_PERCENT = 80;
/** EFS alarms: five periods in a row, burst credits sampled every 5 minutes. */
export const EFS_ALARM = { evaluationPeriods: 5, burstCreditPeriodSeconds: 300 } as const;

/** The tag the registry build cache is kept under. */
export const CACHE_TAG = "buildcache";

/**
 * Days an untagged image stays in the repository. A tag moves when a build is pushed again under the same
 * content tag (a revert, a retry), which leaves the earlier image untagged; a service that rolled back to it
 * still runs it, so it must outlive the next successful deploy by a wide margin, not by hours.
 */
export const UNTAGGED_IMAGE_DAYS = 14;

/**
 * Bits between the VPC's prefix and each AZ's block: room for 8 AZ blocks (no region has more than 6), so the
 * blocks never depend on how many AZs are in use. Left to awsx, the per-AZ mask is derived from the AZ count:
 * going from 2 to 3 AZs would move every subnet's CIDR, and each replacement subnet would overlap the one it
 * replaces (InvalidSubnet.Conflict; pulumi/pulumi-awsx#910). With a fixed block, a new AZ only adds subnets.
 */
export const AZ_BLOCK_BITS = 3;

/** The netmask of each AZ's block in a VPC of this CIDR. */
export function availabilityZoneCidrMask(cidr: string): number {
  return Number(cidr.split("/")[1]) + AZ_BLOCK_BITS;
}

/**
 * Seconds from ECS placing a task to its first container starting: capacity, the task's network interface,
 * the image pull (a few hundred MB to ~2 GB here, ECR in-region) and the EFS mounts. Fargate reports 1–3
 * minutes for images of this size; this is the upper end.
 */
export const TASK_START_SECONDS = 180;

/**
 * Every container's `stopTimeout`: seconds from SIGTERM to SIGKILL (ECS's own default on Fargate). The load balancer
 * has drained the task before ECS sends SIGTERM, so no request is left to finish: what remains is closing SQLite and
 * Chroma cleanly, which takes seconds. It is also part of every single writer's outage (its successor starts only
 * after it), and with draining it fits Fargate Spot's two-minute warning (config-constraints.ts refuses a draining
 * delay that would not). Fargate allows at most 120.
 */
export const CONTAINER_STOP_SECONDS = 30;

/**
 * The deployment circuit breaker's threshold: failed tasks before ECS calls a deployment FAILED and rolls it back,
 * half the desired count between a floor and a ceiling that cannot be changed (ServiceDeploymentCircuitBreaker,
 * ECS API reference). A single writer's threshold is the floor: three tasks.
 */
export const CIRCUIT_BREAKER = { minThreshold: 3, maxThreshold: 200, desiredFraction: 0.5 } as const;

/**
 * The deployment alarms that roll a deploy back. ECS bakes every deployment (keeps watching after the new tasks are
 * steady, `pulumi up` waiting with it) for the longest evaluation window among them, and for a rolling deployment
 * that cannot be set otherwise: one one-minute period (the resolution of the load balancer's metrics) keeps the bake
 * to a minute. Only target 5xx rolls back: nothing a good start or a single writer's restart produces (a slow start
 * fails target checks, a cutover leaves the service with no task) can trip it, while a task that never turns healthy
 * is the circuit breaker's.
 */
export const DEPLOYMENT_ALARM = { evaluationPeriods: 1 } as const;

/**
 * What a prod deploy of each service may take (issue #29): waiting by configuration alone, the worst good deploy
 * (first start included), and a single writer's cutover. The plan marks a service over any of them.
 */
export const DEPLOY_TIME_GOALS = { configuredWaitSeconds: 120, worstGoodSeconds: 20 * 60, cutoverSeconds: 90 } as const;

/** Fargate Spot's warning before it takes a task back: SIGTERM, then the task is stopped this many seconds later. */
export const SPOT_WARNING_SECONDS = 120;

/** The most `stopTimeout` Fargate accepts. */
export const FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120;

/**
 * Headroom of a timeout over the worst good deploy it must allow: ECS schedules in steps of tens of seconds,
 * the provider polls every 15 s, and CloudWatch publishes alarm datapoints a minute or more late.
 */
export const TIMEOUT_MARGIN = 1.25;

/** The smallest timeout we set, so that a tiny service still tolerates a slow API or a throttled poll. */
export const MIN_TIMEOUT_MINUTES = 10;

/**
 * The web application firewall in front of the load balancer, in the order WAF evaluates it (lowest priority
 * first). The key-API block comes first so that no managed group's verdict decides it; the IP reputation list and
 * the rate limit next, because they are cheap and answer floods before the body inspections run.
 */
export const WAF_PRIORITY = { keyApi: 0, ipReputation: 10, rateLimit: 20, knownBadInputs: 30, common: 40 } as const;

/**
 * AWS's baseline managed rule groups. `countOnly` rules only count (their matches show in the logs and metrics):
 * an ALB hands WAF at most the first 8 KB of a body, and `SizeRestrictions_BODY` blocks every body above 8 KB,
 * which MCP tool calls and the security stack's API payloads exceed. Counting it keeps every other Common rule
 * blocking; scoping it down would need a list of paths that the apps grow without us.
 */
export const WAF_MANAGED_GROUPS = [
  { key: "ipReputation", name: "AWSManagedRulesAmazonIpReputationList", countOnly: [] as string[] },
  { key: "knownBadInputs", name: "AWSManagedRulesKnownBadInputsRuleSet", countOnly: [] as string[] },
  { key: "common", name: "AWSManagedRulesCommonRuleSet", countOnly: ["SizeRestrictions_BODY"] },
] as const;

/**
 * The text transformations under which a restricted path's prefix is looked for, in the order WAF applies them:
 * decode (`%6b` to `k`, `%5c` to `\`, `%2e` to `.`), then NORMALIZE_PATH_WIN (`\` to `/`, then collapse `//`, `/./`
 * and `/x/../`), then fold case. NORMALIZE_PATH alone leaves `\` alone, while WHATWG URL parsing, and so every Node
 * router that uses it, reads `\` as `/`: `/api\keys` is the key API there. Decoding comes first so that an encoded
 * backslash or dot is normalized too.
 */
export const WAF_PATH_TRANSFORMS = ["URL_DECODE", "NORMALIZE_PATH_WIN", "LOWERCASE"] as const;

/**
 * The text transformations under which a restricted path's segments and a `..` are looked for: decoded and
 * lowercased, nothing resolved. A back-reference is where the prefix match above can be led astray: decoding turns
 * `..%2f..%2f` into back-references that eat `/keys`, while a router that reads `%2f` as part of a segment still
 * routes `/api/keys/..%2f..%2fx` to the key API.
 */
export const WAF_SEGMENT_TRANSFORMS = ["URL_DECODE", "LOWERCASE"] as const;

/** Request headers WAF logs never show: credentials (Supabase JWTs, `tupl_` keys, session cookies). */
export const WAF_REDACTED_HEADERS = ["authorization", "cookie", "x-api-key"] as const;

/** Blocked-request alarm: summed over 5 minutes, one period (a spike pages at once). */
export const WAF_ALARM = { periodSeconds: 300, evaluationPeriods: 1 } as const;


/**
 * The NAT instance of `natGateways: instance`: the smallest Graviton size (up to 5 Gbit/s burst, plenty for a
 * staging stack's image pulls and API calls), on Amazon Linux 2023 from AWS's public SSM parameter.
 */
export const NAT_INSTANCE = {
  instanceType: "t4g.nano",
  amiParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
  rootVolumeGb: 8,
  /**
   * Seconds the instance's user data has to set up forwarding and signal its wait condition: a boot, a dnf install
   * and the poll for the handle, typically one to three minutes.
   */
  readySeconds: 900,
} as const;

/** Seconds an EFS replica may lag before it alarms: four times the 15 minutes AWS states for most file systems. */
export const EFS_REPLICATION_LAG_ALARM_SECONDS = 3600;

/**
 * The stack's backup plan: daily at 03:00 UTC, monthly on the 1st at 04:00 UTC; a job that has not started within an
 * hour, or not finished within a day, fails (and pages). The single writers' consistent snapshots come half an hour
 * before the daily backup; the restore test restores the newest recovery point at 06:00 UTC, after both.
 */
export const BACKUP_SCHEDULE = {
  daily: "cron(0 3 * * ? *)",
  monthly: "cron(0 4 1 * ? *)",
  startWindowMinutes: 60,
  completionWindowMinutes: 1440,
  /** Minutes between the single writers' snapshot and the daily backup. */
  snapshotLeadMinutes: 30,
  /** Days a compliance-mode vault lock can still be removed after it is set. */
  vaultLockGraceDays: 3,
  /** The restore test (an AWS Backup restore testing plan): daily, after the backup window. */
  restoreTest: "cron(0 6 ? * * *)",
  /** Hours the restore test may take to start, and hours its restored file system is kept for the check. */
  restoreTestStartWindowHours: 2,
  restoreTestValidationHours: 4,
} as const;

/**
 * The vault lock's fixed bounds: wide enough that no retention the config allows ever has to change them (every
 * field of a lock forces its replacement, and a locked vault can never take a new one). The minimum keeps any
 * recovery point a week whatever its rule says; config-constraints.ts refuses a shorter daily retention with a lock.
 */
export const VAULT_LOCK = { minRetentionDays: 7, maxRetentionDays: 36500 } as const;

/** The restore test's check (components/platform/restore-test.ts). */
export const RESTORE_TEST = {
  /** The check's Fargate size: it reads files and runs SQLite, nothing more. */
  cpu: 256,
  memory: 512,
  /** Seconds between looks at a mount target being made or removed. */
  pollSeconds: 15,
  /** Seconds the check's task may take, start to stop (an image pull, a mount, reading the snapshots). */
  checkTimeoutSeconds: 1800,
  /** Period of the failed-check alarm: any failure in it pages. */
  failedPeriodSeconds: 3600,
  /** Step Functions' counts of executions that ended without a passing verdict. */
  failureMetrics: ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"],
} as const;

/** Alarms of the single writers (components/systems/single-writer.ts). */
export const SINGLE_WRITER_ALARM = {
  /** Namespace of the metrics counted from the writers' logs. */
  namespace: "AIPlatform/SingleWriter",
  /** Minutes a second task (or a process waiting for the lock) may last before it alarms: longer than a cutover. */
  overlapMinutes: 3,
  /** Period of the failed-snapshot alarm. */
  snapshotFailedPeriodSeconds: 300,
  /** Hours beyond whole days a snapshot may be old at the restore test (snapshot to test, and the jobs between). */
  snapshotAgeSlackHours: 12,
} as const;

/** Days per month for retention in months (AWS Backup's lifecycle counts days). */
export const DAYS_PER_MONTH = 31;

/** The days of a sleep schedule, in week order, as cron writes them. */
export const CRON_DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;

/** Hours awake in a week: the days from `from` to `to` (cron names), each awake from `wake` to `sleep` minutes. */
export function awakeHoursPerWeek(days: readonly [string, string], wakeMinutes: number, sleepMinutes: number): number {
  const count = CRON_DAYS.indexOf(days[1] as (typeof CRON_DAYS)[number]) - CRON_DAYS.indexOf(days[0] as (typeof CRON_DAYS)[number]) + 1;
  return (count * (sleepMinutes - wakeMinutes)) / 60;
}

/**
 * The stack outputs a promotion reads from the stack it promotes from and from its own last deploy
 * (components/systems/promotion.ts): part of the outputs contract, so renaming one breaks every promotion.
 */
export const RELEASE_OUTPUTS = { appRevision: "appRevision", imageTags: "imageTags" } as const;
