/**
 * The price table kept in the repository (`pricing/<region>.json`): every price with its unit, the AWS page that
 * publishes it, where the figure was read and the date it holds for.
 */
import * as fs from "fs";
import * as path from "path";

export const PRICING_DIR = path.resolve(__dirname, "..", "..", "pricing");

/** Every price the cost model reads. */
export const PRICE_KEYS = [
  "fargateVcpuHourX86",
  "fargateGbHourX86",
  "fargateVcpuHourArm",
  "fargateGbHourArm",
  "fargateSpotVcpuHourX86",
  "fargateSpotGbHourX86",
  "ec2T4gNanoHour",
  "ebsGp3GbMonth",
  "albHour",
  "albLcuHour",
  "natHour",
  "natGb",
  "publicIpv4Hour",
  "efsStandardGbMonth",
  "efsIaGbMonth",
  "efsElasticReadGb",
  "efsElasticWriteGb",
  "secretMonth",
  "alarmMetricMonth",
  "dashboardMonth",
  "containerInsightsObservationsMillion",
  "logsIngestGb",
  "logsStorageGbMonth",
  "kmsKeyMonth",
  "kmsRotationMonth",
  "wafWebAclMonth",
  "wafRuleMonth",
  "wafRequestsMillion",
  "ecrStorageGbMonth",
  "efsBackupGbMonth",
  "crossRegionTransferGb",
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

/** Prices the table also gives for the regions a stack copies data to (the EFS replica, the backup copy vault). */
export const COPY_REGION_KEYS = ["efsStandardGbMonth", "efsBackupGbMonth"] as const satisfies readonly PriceKey[];
export type CopyRegionKey = (typeof COPY_REGION_KEYS)[number];

/** One step of a tiered price: `usd` per unit for usage up to `upTo` units a month (null: no upper bound). */
export interface PriceTier {
  upTo: number | null;
  usd: number;
}

export interface Price {
  description: string;
  unit: string;
  usd: number;
  /** Region the figure is for; differs from the table's region when no figure for it was found. */
  region: string;
  /** The AWS pricing page. */
  source: string;
  /** Where the figure was read. */
  via: string;
  /** Date the figure holds for (YYYY-MM or YYYY-MM-DD). */
  date: string;
  /**
   * For a tiered price: the tiers in order, the first one's price being `usd`. Usage past the last bounded tier
   * is priced at that tier's rate (the table lacks the lower ones), and the estimate says so.
   */
  tiers?: PriceTier[];
}

export interface PriceTable {
  region: string;
  currency: "USD";
  /** When the table was assembled. */
  retrieved: string;
  about: string;
  prices: Record<PriceKey, Price>;
  /** By region: the prices of COPY_REGION_KEYS there, for the copies a stack keeps in that region. */
  copyRegions: Record<string, Record<CopyRegionKey, Price>>;
  file: string;
}

/** Raised when a region has no table or the table is incomplete; the plan prints it instead of a cost. */
export class PriceTableError extends Error {}

const DATE = /^\d{4}-\d{2}(-\d{2})?$/;

/** The table for `region`; throws a PriceTableError naming the file to add or the fields to fix. */
export function loadPriceTable(region: string, dir = PRICING_DIR): PriceTable {
  const file = path.join(dir, `${region}.json`);
  if (!fs.existsSync(file)) {
    const have = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")) : [];
    throw new PriceTableError(
      `no price table for region ${region}: add pricing/${region}.json (tables exist for: ${have.join(", ") || "none"}); the cost estimate is left out`,
    );
  }
  const table = JSON.parse(fs.readFileSync(file, "utf8")) as Omit<PriceTable, "file">;
  const problems: string[] = [];
  if (table.region !== region) problems.push(`region is "${table.region}", expected "${region}"`);
  if (!DATE.test(table.retrieved ?? "")) problems.push("retrieved must be a date (YYYY-MM-DD)");
  for (const key of PRICE_KEYS) problems.push(...priceProblems(key, table.prices?.[key]));
  for (const [copyRegion, prices] of Object.entries(table.copyRegions ?? {})) {
    for (const key of COPY_REGION_KEYS) {
      problems.push(...priceProblems(`copyRegions.${copyRegion}.${key}`, prices?.[key]));
      if (prices?.[key] && prices[key].region !== copyRegion) problems.push(`copyRegions.${copyRegion}.${key}.region must be ${copyRegion}`);
    }
  }
  if (problems.length) throw new PriceTableError(`pricing/${region}.json is invalid: ${problems.join("; ")}`);
  return { ...table, copyRegions: table.copyRegions ?? {}, file: path.relative(path.resolve(dir, ".."), file) } as PriceTable;
}

/** What is wrong with one price entry: every field present, a source on aws.amazon.com, dates, ordered tiers. */
function priceProblems(key: string, p: Price | undefined): string[] {
  if (!p) return [`${key} is missing`];
  const problems: string[] = [];
  if (typeof p.usd !== "number" || !(p.usd >= 0)) problems.push(`${key}.usd must be a number >= 0`);
  if (!p.unit) problems.push(`${key}.unit is missing`);
  if (!/^https:\/\/aws\.amazon\.com\//.test(p.source ?? "")) problems.push(`${key}.source must be an aws.amazon.com pricing page`);
  if (!p.via) problems.push(`${key}.via must say where the figure was read`);
  if (!DATE.test(p.date ?? "")) problems.push(`${key}.date must be a date (YYYY-MM or YYYY-MM-DD)`);
  if (!p.region) problems.push(`${key}.region is missing`);
  if (p.tiers) {
    const bounds = p.tiers.map((t) => t.upTo ?? Infinity);
    const ordered = bounds.every((b, i) => b > 0 && (i === 0 || b > bounds[i - 1]));
    if (!p.tiers.length || p.tiers[0].usd !== p.usd || !ordered || p.tiers.some((t) => !(t.usd >= 0))) {
      problems.push(`${key}.tiers must ascend by upTo, with the first tier's usd equal to ${key}.usd`);
    }
  }
  return problems;
}

/**
 * The monthly charge for `units` of a tiered price, tier by tier, and whether usage ran past the last bounded
 * tier the table has (priced at that tier's rate).
 */
export function tieredCharge(price: Price, units: number): { usd: number; pastLastTier: boolean } {
  const tiers = price.tiers ?? [{ upTo: null, usd: price.usd }];
  let usd = 0;
  let from = 0;
  for (const t of tiers) {
    const upTo = t.upTo ?? Infinity;
    usd += Math.max(0, Math.min(units, upTo) - from) * t.usd;
    from = upTo;
  }
  const last = tiers[tiers.length - 1];
  const pastLastTier = last.upTo !== null && units > last.upTo;
  if (pastLastTier) usd += (units - last.upTo!) * last.usd;
  return { usd, pastLastTier };
}
