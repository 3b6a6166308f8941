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
  "containerInsightsEnhancedMetricMonth",
  "logsIngestGb",
  "logsStorageGbMonth",
  "kmsKeyMonth",
  "wafWebAclMonth",
  "wafRuleMonth",
  "wafRequestsMillion",
  "ecrStorageGbMonth",
  "efsBackupGbMonth",
  "crossRegionTransferGb",
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

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
}

export interface PriceTable {
  region: string;
  currency: "USD";
  /** When the table was assembled. */
  retrieved: string;
  about: string;
  prices: Record<PriceKey, Price>;
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
  for (const key of PRICE_KEYS) {
    const p = table.prices?.[key];
    if (!p) {
      problems.push(`${key} is missing`);
      continue;
    }
    if (typeof p.usd !== "number" || !(p.usd >= 0)) problems.push(`${key}.usd must be a number >= 0`);
    if (!p.unit) problems.push(`${key}.unit is missing`);
    if (!/^https:\/\/aws\.amazon\.com\//.test(p.source ?? "")) problems.push(`${key}.source must be an aws.amazon.com pricing page`);
    if (!p.via) problems.push(`${key}.via must say where the figure was read`);
    if (!DATE.test(p.date ?? "")) problems.push(`${key}.date must be a date (YYYY-MM or YYYY-MM-DD)`);
    if (!p.region) problems.push(`${key}.region is missing`);
  }
  if (problems.length) throw new PriceTableError(`pricing/${region}.json is invalid: ${problems.join("; ")}`);
  return { ...table, file: path.relative(path.resolve(dir, ".."), file) } as PriceTable;
}
