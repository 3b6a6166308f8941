/**
 * An estimate of what a stack costs per month at list price: what the plan model says is provisioned (tasks,
 * sizes, NAT gateways, load balancer, file systems, secrets, alarms, ...) times the price table, plus usage
 * assumptions stated next to the result. An estimate for comparing stacks and changes, not a bill.
 */
import { SYSTEM_REGISTRY } from "../../components/systems/registry";
import { SystemDescriptor } from "../../components/systems/system";
import { OWNERS, Owner, StackPlan, TYPES } from "./model";
import { CopyRegionKey, Price, PriceKey, PriceTable, PriceTableError, loadPriceTable, tieredCharge } from "./pricing";
import { DAYS_PER_MONTH } from "../../components/shared/defaults";

/** AWS's convention for a month of hours (8,760 / 12). */
export const HOURS_PER_MONTH = 730;
/** Weeks in a month, by the same convention (52 / 12): awake hours a week times this is a month's. */
export const WEEKS_PER_MONTH = 52 / 12;

/** One service's Fargate cost as configured (capacity, sleep) next to the same tasks on demand around the clock. */
export interface CapacityLine {
  owner: Owner;
  service: string;
  alwaysOnDemand: number;
  configured: number;
  tasks: number;
  spotTasks: number;
  hoursPerMonth: number;
}

/**
 * Of `tasks` tasks, how many ECS places on FARGATE_SPOT: each provider's base first, then the rest in proportion
 * to the weights.
 */
export function spotTaskCount(strategies: { provider: string; weight: number; base?: number }[], tasks: number): number {
  const bases = strategies.reduce((n, s) => n + (s.base ?? 0), 0);
  const spotBase = strategies.filter((s) => s.provider === "FARGATE_SPOT").reduce((n, s) => n + (s.base ?? 0), 0);
  const weights = strategies.reduce((n, s) => n + s.weight, 0);
  const spotWeight = strategies.filter((s) => s.provider === "FARGATE_SPOT").reduce((n, s) => n + s.weight, 0);
  const rest = Math.max(0, tasks - bases);
  return Math.min(tasks, spotBase) + (weights ? (rest * spotWeight) / weights : 0);
}

/** One usage figure of every registered system that states it, by system key. */
function usageOf(key: keyof SystemDescriptor["usage"]): Record<string, number> {
  return Object.fromEntries(SYSTEM_REGISTRY.flatMap((s) => (s.usage[key] === undefined ? [] : [[s.key, s.usage[key]!] as const])));
}

/** Usage no plan can know, assumed per system; stated in the output so a reader can disagree with them. */
export const ASSUMPTIONS = {
  /**
   * Per system, from its descriptor (components/systems/registry.ts): GB kept on its EFS file system (all in Standard:
   * files read at every start move back from IA), read / written through EFS per month (charged only in Elastic
   * throughput mode), container logs per month, and stored in its ECR repository.
   */
  efsStoredGb: usageOf("efsStoredGb"),
  efsReadGb: usageOf("efsReadGb"),
  efsWriteGb: usageOf("efsWriteGb"),
  logsGb: usageOf("logsGb"),
  ecrStoredGb: usageOf("ecrStoredGb"),
  /** Average load-balancer capacity units in use. */
  albLcu: 1,
  /** GB through the NAT gateways per month: image pulls from ECR, model downloads, third-party APIs. */
  natGb: 50,
  /** Requests through the web firewall per month, in millions; GB of WAF logs per month. */
  wafRequestsMillion: 5,
  wafLogsGb: 1,
  /**
   * Container Insights with enhanced observability: observations a minute per cluster, service, running task and
   * running container. An estimate of observation counts, not a measurement: one observation per metric per entity
   * per minute, with the metric counts of each level in AWS's list of ECS enhanced observability metrics, rounded.
   */
  insightsObservationsPerMinute: { cluster: 20, service: 30, task: 25, container: 15 },
};

/** AWS rotates a KMS key's material yearly unless a rotation period is set (rotationPeriodInDays). */
export const KMS_DEFAULT_ROTATION_DAYS = 365;
/** Rotations AWS bills a key for (April 2024 pricing): the first two; later ones are free. */
export const KMS_BILLED_ROTATIONS = 2;

/**
 * A KMS key's average monthly price in each of its first three years and from then on: the key, plus one rotation
 * price for each billed rotation it has had.
 */
export function kmsKeyMonthly(keyUsd: number, rotationUsd: number, rotationDays: number | undefined): { years: [number, number, number]; steady: number } {
  const perDay = (day: number) => keyUsd + (rotationDays ? Math.min(KMS_BILLED_ROTATIONS, Math.floor(day / rotationDays)) : 0) * rotationUsd;
  const yearAverage = (y: number) => {
    let sum = 0;
    for (let d = 365 * y; d < 365 * (y + 1); d++) sum += perDay(d);
    return round2(sum / 365);
  };
  return { years: [yearAverage(0), yearAverage(1), yearAverage(2)], steady: perDay(Number.MAX_SAFE_INTEGER) };
}

/** A price the estimate used: a key of the table, or a copy region's (`eu-central-1/efsStandardGbMonth`). */
export type PriceRef = PriceKey | `${string}/${CopyRegionKey}`;

/** The table's entry for a price the estimate used. */
export function priceOf(table: PriceTable, ref: PriceRef): Price {
  const slash = ref.indexOf("/");
  return slash < 0 ? table.prices[ref as PriceKey] : table.copyRegions[ref.slice(0, slash)][ref.slice(slash + 1) as CopyRegionKey];
}

export interface CostLine {
  owner: Owner;
  item: string;
  /** How the figure was computed, e.g. `1 task × (0.5 vCPU × $0.04048 + 2 GB × $0.004445) × 730 h`. */
  basis: string;
  usd: number;
  prices: PriceRef[];
}

export interface CostEstimate {
  region: string;
  lines: CostLine[];
  byOwner: Record<Owner, number>;
  total: number;
  /** Facts about the estimate a reader must know (maximum scale, what is not priced, ...). */
  notes: string[];
  /** What the table has no price for and the estimate therefore leaves out (a copy region it lacks). */
  unpriced: string[];
  /** Per service: the configured Fargate cost beside on demand around the clock. */
  capacity: CapacityLine[];
  /** The stack's total with every service on demand around the clock (everything else as configured). */
  totalAlwaysOnDemand: number;
  assumptions: string[];
  table: PriceTable;
}

/** A unit price as the table gives it, with at least cents: $0.04048, $0.40, $3.00. */
export const usd = (n: number): string => `$${Number(n.toFixed(2)) === n ? n.toFixed(2) : String(n)}`;
/** An amount of money. */
export const money = (n: number): string => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const round2 = (n: number): number => Math.round(n * 100) / 100;

/** What one section of the estimate finds: its lines, the notes about them, and what the table could not price. */
interface CostSection {
  lines: CostLine[];
  notes: string[];
  unpriced: string[];
}

/** A section's own record and the helpers that write to it: each section returns its record, shared with no other. */
function sectionWriter(table: PriceTable) {
  const section: CostSection = { lines: [], notes: [], unpriced: [] };
  return {
    section,
    p: (k: PriceKey) => table.prices[k].usd,
    add: (owner: Owner, item: string, basis: string, amount: number, prices: PriceRef[]) =>
      void section.lines.push({ owner, item, basis, usd: round2(amount), prices }),
    notes: section.notes,
    /** A price in a region the stack copies data to, or undefined (and a line in `unpriced`) when the table lacks it. */
    copyPrice: (region: string, key: CopyRegionKey, what: string): { usd: number; ref: PriceRef } | undefined => {
      const price = table.copyRegions[region]?.[key];
      if (price) return { usd: price.usd, ref: `${region}/${key}` };
      section.unpriced.push(`${what} in ${region}: ${table.file} has no ${key} for ${region} (copyRegions); add it with its source and date`);
      return undefined;
    },
  };
}

/** The monthly estimate of one stack: each section's lines in the order the plan lists them, then the totals. */
export function estimateCost(plan: StackPlan, table: PriceTable): CostEstimate {
  const fargate = fargateCost(plan, table);
  const sections = [
    fargate.section,
    efsCost(plan, table),
    backupCost(plan, table),
    replicationCost(plan, table),
    secretsCost(plan, table),
    alarmsCost(plan, table),
    logsCost(plan, table),
    ecrCost(plan, table),
    loadBalancerCost(plan, table),
    natCost(plan, table),
    publicIpv4Cost(plan, table),
    dashboardCost(plan, table),
    kmsCost(plan, table),
    wafCost(plan, table),
    insightsCost(plan, table, fargate.capacity),
  ];
  const lines = sections.flatMap((x) => x.lines);
  const capacity = fargate.capacity;
  const byOwner = Object.fromEntries(OWNERS.map((o) => [o, round2(lines.filter((l) => l.owner === o).reduce((n, l) => n + l.usd, 0))])) as Record<Owner, number>;
  const total = round2(Object.values(byOwner).reduce((n, v) => n + v, 0));
  const notes = [
    ...sections.flatMap((x) => x.notes),
    "Not priced: data transfer out to the internet and across AZs, the Route 53 hosted zone and queries, the ALB access-log bucket (S3), EFS's default backups (when backups is false), restores, SNS notifications, CloudWatch API calls, ACM certificates (free). No free tier or Savings Plan is applied.",
  ];
  const unpriced = sections.flatMap((x) => x.unpriced);
  const totalAlwaysOnDemand = round2(total - capacity.reduce((n, c) => n + c.configured, 0) + capacity.reduce((n, c) => n + c.alwaysOnDemand, 0));
  return { region: plan.region, lines, byOwner, total, notes, unpriced, assumptions: assumptionsOf(table), table, capacity, totalAlwaysOnDemand };
}

/**
 * Fargate: tasks × (vCPU × price + GB × price) × hours awake; autoscaled services at their floor; the tasks ECS
 * places on FARGATE_SPOT at the Spot price. Beside it, the same tasks on demand around the clock.
 */
function fargateCost(plan: StackPlan, table: PriceTable): { section: CostSection; capacity: CapacityLine[] } {
  const { section, p, add, notes } = sectionWriter(table);
  const h = HOURS_PER_MONTH;
  const capacity: CapacityLine[] = [];
  for (const svc of plan.services) {
    const arm = svc.architecture === "ARM64";
    const [cpuKey, memKey]: PriceKey[] = arm ? ["fargateVcpuHourArm", "fargateGbHourArm"] : ["fargateVcpuHourX86", "fargateGbHourX86"];
    const vcpu = svc.cpu / 1024;
    const gb = svc.memoryMiB / 1024;
    const tasks = svc.scaling ? svc.scaling.min : svc.desiredCount;
    const perTaskHour = vcpu * p(cpuKey) + gb * p(memKey);
    const spot = spotTaskCount(svc.capacity, tasks);
    // Fargate Spot on Graviton: the table has no price for it, so those tasks are priced on demand (a note says so).
    const spotPerTaskHour = arm ? perTaskHour : vcpu * p("fargateSpotVcpuHourX86") + gb * p("fargateSpotGbHourX86");
    const hours = svc.schedule ? round2((svc.schedule.hoursPerWeek * WEEKS_PER_MONTH)) : h;
    const amount = ((tasks - spot) * perTaskHour + spot * spotPerTaskHour) * hours;
    const taskWord = (n: number) => `${round2(n)} task${n === 1 ? "" : "s"}`;
    const basis =
      spot === 0
        ? `${taskWord(tasks)} × (${vcpu} vCPU × ${usd(p(cpuKey))} + ${gb} GB × ${usd(p(memKey))}) × ${hours} h`
        : `${spot === tasks ? taskWord(tasks) + " on Spot" : `${taskWord(tasks - spot)} on demand + ${taskWord(spot)} on Spot`}` +
          (arm ? ` × (priced on demand) × ${hours} h` : ` × (${vcpu} vCPU × ${usd(p("fargateSpotVcpuHourX86"))} + ${gb} GB × ${usd(p("fargateSpotGbHourX86"))}) × ${hours} h`);
    const prices: PriceKey[] = spot > 0 && !arm ? [cpuKey, memKey, "fargateSpotVcpuHourX86", "fargateSpotGbHourX86"] : [cpuKey, memKey];
    add(svc.owner, `Fargate ${arm ? "ARM" : "x86"} (${svc.name})`, `${basis}${svc.schedule ? ` (awake ${svc.schedule.hoursPerWeek} h a week)` : ""}`, amount, prices);
    capacity.push({
      owner: svc.owner,
      service: svc.name,
      alwaysOnDemand: round2(tasks * perTaskHour * h),
      configured: round2(amount),
      spotTasks: spot,
      tasks,
      hoursPerMonth: hours,
    });
    if (spot > 0 && arm) notes.push(`${svc.name} runs on Fargate Spot on ARM, for which the price table has no price: priced on demand.`);
    if (spot > 0 && svc.minHealthyPercent === 0) {
      notes.push(
        `${svc.name} is a single writer on Fargate Spot: each Spot interruption is an outage until its replacement task is started and healthy behind the load balancer${svc.deployTime ? ` (up to ${svc.deployTime.taskStartSeconds + svc.deployTime.healthySeconds + svc.deployTime.targetHealthySeconds} s by its deploy-time bound)` : ""}.`,
      );
    }
    if (svc.scaling && svc.scaling.max > svc.scaling.min) {
      notes.push(
        `${svc.name} is priced at its autoscaling floor of ${svc.scaling.min} task${svc.scaling.min === 1 ? "" : "s"}; at its ceiling of ${svc.scaling.max} tasks its Fargate line is ${money((svc.scaling.max / tasks) * amount)} instead of ${money(amount)}.`,
      );
    }
  }
  return { section, capacity };
}

/** EFS: stored GB in Standard, plus Elastic throughput per GB moved. */
function efsCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add, notes } = sectionWriter(table);
  for (const v of plan.volumes) {
    const stored = ASSUMPTIONS.efsStoredGb[v.owner] ?? 1;
    add(v.owner, `EFS storage (${v.name})`, `${stored} GB × ${usd(p("efsStandardGbMonth"))}`, stored * p("efsStandardGbMonth"), ["efsStandardGbMonth"]);
    if (v.throughputMode === "elastic") {
      const read = ASSUMPTIONS.efsReadGb[v.owner] ?? 1;
      const write = ASSUMPTIONS.efsWriteGb[v.owner] ?? 1;
      add(
        v.owner,
        `EFS Elastic throughput (${v.name})`,
        `${read} GB read × ${usd(p("efsElasticReadGb"))} + ${write} GB written × ${usd(p("efsElasticWriteGb"))}`,
        read * p("efsElasticReadGb") + write * p("efsElasticWriteGb"),
        ["efsElasticReadGb", "efsElasticWriteGb"],
      );
    } else if (v.throughputMode === "provisioned") {
      notes.push(`EFS ${v.name} uses provisioned throughput (${v.provisionedMibps} MiB/s), which the price table does not price.`);
    }
  }
  return section;
}

/**
 * AWS Backup: a full copy of each file system, then the changes each retained recovery point holds: a month's
 * writes for each month of daily retention, and one month's for each monthly point. The copy vault holds the same
 * in the copy region, at that region's price, and receives the new data across regions.
 */
function backupCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add, copyPrice } = sectionWriter(table);
  if (plan.platform.backup) {
    const b = plan.platform.backup;
    const daily = b.rules.find((r) => r.name === "daily")?.retentionDays ?? 0;
    const monthly = b.rules.find((r) => r.name === "monthly");
    for (const v of plan.volumes) {
      const stored = ASSUMPTIONS.efsStoredGb[v.owner] ?? 1;
      const writes = ASSUMPTIONS.efsWriteGb[v.owner] ?? 1;
      const gb = round2(stored + writes * (daily / 30) + (monthly ? writes * (monthly.retentionDays / DAYS_PER_MONTH) : 0));
      const local = `${gb} GB of recovery points × ${usd(p("efsBackupGbMonth"))}`;
      const copy = b.copyRegion ? copyPrice(b.copyRegion, "efsBackupGbMonth", `the backup copy of ${v.name}`) : undefined;
      if (copy) {
        add(
          v.owner,
          `AWS Backup (${v.name})`,
          `${local} + the same in ${b.copyRegion} × ${usd(copy.usd)} + ${writes} GB a month copied × ${usd(p("crossRegionTransferGb"))}`,
          gb * p("efsBackupGbMonth") + gb * copy.usd + writes * p("crossRegionTransferGb"),
          ["efsBackupGbMonth", copy.ref, "crossRegionTransferGb"],
        );
      } else {
        add(v.owner, `AWS Backup (${v.name})`, local, gb * p("efsBackupGbMonth"), ["efsBackupGbMonth"]);
      }
    }
  }
  return section;
}

/** EFS replication: the replica's storage at the Standard price of its region, and the writes sent across. */
function replicationCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add, copyPrice } = sectionWriter(table);
  for (const r of plan.platform.replication) {
    const stored = ASSUMPTIONS.efsStoredGb[r.owner] ?? 1;
    const writes = ASSUMPTIONS.efsWriteGb[r.owner] ?? 1;
    const replica = copyPrice(r.region, "efsStandardGbMonth", `the EFS replica of ${r.fileSystem}`);
    if (!replica) continue;
    add(
      r.owner,
      `EFS replica in ${r.region} (${r.fileSystem})`,
      `${stored} GB × ${usd(replica.usd)} (${r.region}) + ${writes} GB replicated × ${usd(p("crossRegionTransferGb"))}`,
      stored * replica.usd + writes * p("crossRegionTransferGb"),
      [replica.ref, "crossRegionTransferGb"],
    );
  }
  return section;
}

/** Secrets Manager, per secret. */
function secretsCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add } = sectionWriter(table);
  for (const owner of OWNERS) {
    const n = plan.secrets.filter((s) => s.owner === owner).length;
    if (n) add(owner, "Secrets Manager", `${n} secret${n === 1 ? "" : "s"} × ${usd(p("secretMonth"))}`, n * p("secretMonth"), ["secretMonth"]);
  }
  return section;
}

/** CloudWatch alarms, per alarm metric. */
function alarmsCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add } = sectionWriter(table);
  for (const owner of OWNERS) {
    const n = plan.alarmMetrics[owner];
    if (n) add(owner, "CloudWatch alarms", `${n} alarm metric${n === 1 ? "" : "s"} × ${usd(p("alarmMetricMonth"))}`, n * p("alarmMetricMonth"), ["alarmMetricMonth"]);
  }
  return section;
}

/** CloudWatch Logs: ingestion, plus storage of what the retention keeps. */
function logsCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add } = sectionWriter(table);
  for (const svc of plan.services) {
    const gb = ASSUMPTIONS.logsGb[svc.owner] ?? 1;
    const retention = svc.logGroup?.retentionDays ?? 30;
    const storedGb = (gb * retention) / 30;
    add(
      svc.owner,
      `CloudWatch Logs (${svc.logGroup?.name ?? svc.name})`,
      `${gb} GB ingested × ${usd(p("logsIngestGb"))} + ${round2(storedGb)} GB kept (${retention} d) × ${usd(p("logsStorageGbMonth"))}`,
      gb * p("logsIngestGb") + storedGb * p("logsStorageGbMonth"),
      ["logsIngestGb", "logsStorageGbMonth"],
    );
  }
  return section;
}

/** ECR storage. */
function ecrCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add } = sectionWriter(table);
  for (const img of plan.images) {
    const gb = ASSUMPTIONS.ecrStoredGb[img.owner] ?? 0.5;
    add(img.owner, `ECR storage (${img.name})`, `${gb} GB × ${usd(p("ecrStorageGbMonth"))}`, gb * p("ecrStorageGbMonth"), ["ecrStorageGbMonth"]);
  }
  return section;
}

/** The shared load balancer: its hours and its average LCUs. */
function loadBalancerCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add } = sectionWriter(table);
  const h = HOURS_PER_MONTH;
  if (plan.platform.alb) {
    const lcu = ASSUMPTIONS.albLcu;
    add("shared", "Application Load Balancer", `${h} h × ${usd(p("albHour"))} + ${lcu} LCU × ${h} h × ${usd(p("albLcuHour"))}`, h * p("albHour") + lcu * h * p("albLcuHour"), ["albHour", "albLcuHour"]);
  }
  return section;
}

/** NAT: the NAT instances (priced as a t4g.nano and its root volume) or the NAT gateways and what they process. */
function natCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add, notes } = sectionWriter(table);
  const h = HOURS_PER_MONTH;
  for (const nat of plan.network.natInstances) {
    add(
      "shared",
      `NAT instance (${nat.type})`,
      `${h} h × ${usd(p("ec2T4gNanoHour"))} + ${nat.rootGb} GB gp3 × ${usd(p("ebsGp3GbMonth"))}`,
      h * p("ec2T4gNanoHour") + nat.rootGb * p("ebsGp3GbMonth"),
      ["ec2T4gNanoHour", "ebsGp3GbMonth"],
    );
    if (nat.type !== "t4g.nano") notes.push(`NAT instance ${nat.name} is a ${nat.type}, priced as a t4g.nano.`);
  }
  const nat = plan.network.natGateways;
  if (nat) {
    add(
      "shared",
      `NAT gateways (${plan.network.natStrategy})`,
      `${nat} × ${h} h × ${usd(p("natHour"))} + ${ASSUMPTIONS.natGb} GB × ${usd(p("natGb"))}`,
      nat * h * p("natHour") + ASSUMPTIONS.natGb * p("natGb"),
      ["natHour", "natGb"],
    );
  }
  return section;
}

/** Public IPv4 addresses: one per ALB node, NAT gateway and NAT instance. */
function publicIpv4Cost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add } = sectionWriter(table);
  const h = HOURS_PER_MONTH;
  const nat = plan.network.natGateways;
  if (plan.network.publicIpv4) {
    const albIps = plan.platform.alb?.subnets ?? 0;
    add(
      "shared",
      "Public IPv4 addresses",
      `(${albIps} ALB node${albIps === 1 ? "" : "s"} + ${nat} NAT EIP${nat === 1 ? "" : "s"}${plan.network.natInstances.length ? ` + ${plan.network.natInstances.length} NAT instance` : ""}) × ${h} h × ${usd(p("publicIpv4Hour"))}`,
      plan.network.publicIpv4 * h * p("publicIpv4Hour"),
      ["publicIpv4Hour"],
    );
  }
  return section;
}

/** CloudWatch dashboards. */
function dashboardCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add } = sectionWriter(table);
  const dashboards = plan.platform.dashboards.length;
  if (dashboards) add("shared", "CloudWatch dashboard", `${dashboards} × ${usd(p("dashboardMonth"))}`, dashboards * p("dashboardMonth"), ["dashboardMonth"]);
  return section;
}

/**
 * KMS keys, per owner (each file system's key belongs to its system), at what a key costs once it has had the two
 * rotations AWS bills; the line says what it costs in its first two years.
 */
function kmsCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add } = sectionWriter(table);
  for (const owner of OWNERS) {
    const keys = plan.run.ofType(TYPES.kmsKey).filter((k) => plan.ownerOf(k) === owner);
    if (!keys.length) continue;
    const each = keys.map((k) => kmsKeyMonthly(p("kmsKeyMonth"), p("kmsRotationMonth"), k.inputs.enableKeyRotation ? (k.inputs.rotationPeriodInDays ?? KMS_DEFAULT_ROTATION_DAYS) : undefined));
    const sum = (f: (m: (typeof each)[number]) => number) => round2(each.reduce((n, m) => n + f(m), 0));
    const rotating = keys.filter((k) => k.inputs.enableKeyRotation).length;
    add(
      owner,
      "KMS keys",
      `${keys.length} customer managed key${keys.length === 1 ? "" : "s"} × ${usd(p("kmsKeyMonth"))}` +
        (rotating
          ? ` + ${rotating} rotating × ${KMS_BILLED_ROTATIONS} billed rotations × ${usd(p("kmsRotationMonth"))}, from year 3 (year 1: ${money(sum((m) => m.years[0]))}, year 2: ${money(sum((m) => m.years[1]))} a month)`
          : ""),
      sum((m) => m.steady),
      rotating ? ["kmsKeyMonth", "kmsRotationMonth"] : ["kmsKeyMonth"],
    );
  }
  return section;
}

/** The web firewall: the ACL, its rules, requests and its logs. */
function wafCost(plan: StackPlan, table: PriceTable): CostSection {
  const { section, p, add } = sectionWriter(table);
  if (plan.platform.waf) {
    const rules = plan.platform.waf.rules.length;
    const req = ASSUMPTIONS.wafRequestsMillion;
    add(
      "shared",
      "WAF web ACL",
      `1 web ACL × ${usd(p("wafWebAclMonth"))} + ${rules} rules × ${usd(p("wafRuleMonth"))} + ${req} M requests × ${usd(p("wafRequestsMillion"))}`,
      p("wafWebAclMonth") + rules * p("wafRuleMonth") + req * p("wafRequestsMillion"),
      ["wafWebAclMonth", "wafRuleMonth", "wafRequestsMillion"],
    );
    const gb = ASSUMPTIONS.wafLogsGb;
    add(
      "shared",
      "CloudWatch Logs (WAF)",
      `${gb} GB ingested × ${usd(p("logsIngestGb"))}`,
      gb * p("logsIngestGb"),
      ["logsIngestGb"],
    );
  }
  return section;
}

/**
 * Container Insights: enhanced is billed per observation, tiered. A service's, its tasks' and its containers'
 * observations exist while its tasks run (a sleeping service's for its awake hours); the cluster's while any does.
 */
function insightsCost(plan: StackPlan, table: PriceTable, capacity: CapacityLine[]): CostSection {
  const { section, add, notes } = sectionWriter(table);
  if (plan.platform.containerInsights === "enhanced") {
    const o = ASSUMPTIONS.insightsObservationsPerMinute;
    const minutes = (hours: number) => hours * 60;
    const byService = capacity.map((c) => {
      const containers = plan.services.find((s) => s.name === c.service)?.containers.length ?? 1;
      return minutes(c.hoursPerMonth) * (o.service + c.tasks * (o.task + containers * o.container));
    });
    const clusterHours = Math.max(0, ...capacity.map((c) => c.hoursPerMonth));
    const observations = minutes(clusterHours) * o.cluster + byService.reduce((n, v) => n + v, 0);
    const millions = round2(observations / 1e6);
    const price = table.prices.containerInsightsObservationsMillion;
    const charge = tieredCharge(price, observations / 1e6);
    add(
      "shared",
      "Container Insights (enhanced)",
      `${millions} M observations a month (estimated: cluster, ${plan.services.length} services, their tasks and containers, each metric once a minute while running) at ${usd(price.usd)} per million (first tier)`,
      charge.usd,
      ["containerInsightsObservationsMillion"],
    );
    if (charge.pastLastTier) notes.push(`Container Insights: observations past the table's last tier are priced at its rate; AWS's lower tiers beyond it would cost less.`);
  } else if (plan.platform.containerInsights === "enabled") {
    notes.push("Container Insights (standard) is on; its custom metrics are not priced here.");
  }
  return section;
}

/** The usage the estimate assumes, stated beside it. */
function assumptionsOf(table: PriceTable): string[] {
  const p = (k: PriceKey) => table.prices[k].usd;
  const h = HOURS_PER_MONTH;
  const a = ASSUMPTIONS;
  const perSystem = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k} ${v} GB`).join(", ");
  return [
    `${h} hours in a month (${round2(WEEKS_PER_MONTH)} weeks); a task runs all month at its configured size unless its stack sleeps, then for its awake hours; Spot tasks at the Spot price of the table's date (Spot prices move).`,
    `EFS stored (all in Standard): ${perSystem(a.efsStoredGb)}; Elastic throughput per month: read ${perSystem(a.efsReadGb)}, written ${perSystem(a.efsWriteGb)} (bursting mode has no throughput charge).`,
    `Logs ingested per month: ${perSystem(a.logsGb)}; storage = ingestion × retention days / 30.`,
    `ECR stored per repository: ${perSystem(a.ecrStoredGb)}.`,
    "AWS Backup: a full copy of each file system plus its writes of a month for each month of daily retention, and a month's writes per monthly recovery point (backups are incremental); a copy vault holds the same again.",
    `Web firewall: ${a.wafRequestsMillion} M requests and ${a.wafLogsGb} GB of logs per month (AWS's baseline managed groups carry no fee beyond the rule's).`,
    `Load balancer: ${a.albLcu} LCU on average. NAT: ${a.natGb} GB processed per month. Public IPv4: one per ALB node (one per AZ), one per NAT gateway or NAT instance.`,
    `Container Insights (enhanced): an estimate of observation counts, not a measurement: ${a.insightsObservationsPerMinute.cluster} observations a minute per cluster, ${a.insightsObservationsPerMinute.service} per service, ${a.insightsObservationsPerMinute.task} per running task and ${a.insightsObservationsPerMinute.container} per running container (one per metric per minute).`,
    `KMS: every key rotates yearly; AWS bills ${usd(p("kmsRotationMonth"))} a month for each of a key's first ${KMS_BILLED_ROTATIONS} rotations (pricing from April 2024) on top of the key's ${usd(p("kmsKeyMonth"))}, so a key's price rises in years 2 and 3: the total uses the price from year 3 on, and the KMS lines give years 1 and 2.`,
  ];
}

/** The estimate at the price table of the stack's region, or why there is none (no table for the region). */
export function estimateOrWhy(plan: StackPlan): CostEstimate | string {
  try {
    return estimateCost(plan, loadPriceTable(plan.region));
  } catch (err) {
    if (!(err instanceof PriceTableError)) throw err;
    return err.message;
  }
}
