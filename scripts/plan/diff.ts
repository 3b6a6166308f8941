/** Markdown of what differs between two stacks: resources, reviewed settings, and estimated cost. */
import { CostEstimate, money } from "./cost";
import { OWNERS, OWNER_TITLES, StackPlan, TYPES } from "./model";
import { table } from "./markdown";

/** A reviewed setting whose value differs: [before/base, after/other]. */
export interface SettingChange {
  key: string;
  values: [string, string];
}

/** Estimated monthly cost per system and in total: [before/base, after/other]. */
export interface CostChange {
  byOwner: { owner: string; values: [number, number] }[];
  total: [number, number];
}

export interface StackDiff {
  onlyIn: Record<string, string[]>;
  settings: SettingChange[];
  cost?: CostChange;
}

const resourceKeys = (plan: StackPlan): Set<string> =>
  new Set(plan.run.resources.filter((r) => r.type !== TYPES.stack).map((r) => `${r.type} ${r.name}`));

/** The reviewed settings whose values differ from `base` to `other`. */
export function settingChanges(base: StackPlan, other: StackPlan): SettingChange[] {
  const baseSettings = new Map(base.settings.map((s) => [s.key, s.value]));
  const otherSettings = new Map(other.settings.map((s) => [s.key, s.value]));
  const keys = [...new Set([...baseSettings.keys(), ...otherSettings.keys()])];
  return keys
    .filter((k) => baseSettings.get(k) !== otherSettings.get(k))
    .map((k) => ({ key: k, values: [baseSettings.get(k) ?? "—", otherSettings.get(k) ?? "—"] as [string, string] }));
}

/** Each system's estimate and the total, before and after. */
export function costChange([before, after]: [CostEstimate, CostEstimate]): CostChange {
  return {
    byOwner: OWNERS.map((o) => ({ owner: OWNER_TITLES[o], values: [before.byOwner[o], after.byOwner[o]] as [number, number] })),
    total: [before.total, after.total],
  };
}

/** What differs from `base` to `other` (e.g. staging → prod). */
export function diffStacks(base: StackPlan, other: StackPlan, costs?: [CostEstimate, CostEstimate]): StackDiff {
  const a = resourceKeys(base);
  const b = resourceKeys(other);
  return {
    onlyIn: {
      [base.stack]: [...a].filter((k) => !b.has(k)).sort(),
      [other.stack]: [...b].filter((k) => !a.has(k)).sort(),
    },
    settings: settingChanges(base, other),
    cost: costs ? costChange(costs) : undefined,
  };
}

/** Resources grouped by type: `Record ×8: platform-api, platform-cert-validation-api, ...`. */
function groupByType(keys: string[]): string[] {
  const byType = new Map<string, string[]>();
  for (const k of keys) {
    const [type, name] = k.split(" ");
    byType.set(type, [...(byType.get(type) ?? []), name]);
  }
  return [...byType.entries()].map(([type, names]) => `- ${type.split(":").pop()} ×${names.length} (\`${type}\`): ${names.map((n) => `\`${n}\``).join(", ")}`);
}

/** An amount with its sign: +$7.33, −$2.00. */
export const signed = (n: number) => `${n >= 0 ? "+" : "−"}${money(Math.abs(n))}`;

/** One-paragraph summary of a diff (the line quoted in PRs and issue notes). */
export function diffSummary(base: string, other: string, d: StackDiff): string {
  const parts = [
    `${d.onlyIn[other].length} resources only in ${other}, ${d.onlyIn[base].length} only in ${base}`,
    `${d.settings.length} settings differ`,
  ];
  if (d.cost) parts.push(`estimated cost ${money(d.cost.total[0])} → ${money(d.cost.total[1])} per month (${signed(d.cost.total[1] - d.cost.total[0])})`);
  return `${other} vs ${base}: ${parts.join("; ")}.`;
}

export function renderDiff(base: string, other: string, d: StackDiff): string {
  const out: string[] = [`# Diff: ${other} vs ${base}`, "", diffSummary(base, other, d), ""];
  for (const stack of [other, base]) {
    out.push(`## Resources only in ${stack} (${d.onlyIn[stack].length})`, "");
    out.push(...(d.onlyIn[stack].length ? groupByType(d.onlyIn[stack]) : ["None."]), "");
  }
  out.push(`## Settings that differ (${d.settings.length})`, "");
  out.push(settingsTable([base, other], d.settings), "");
  if (d.cost) out.push("## Estimated monthly cost", "", costTable([base, other], d.cost), "");
  return out.join("\n");
}

/** The settings that differ as a table with a column per side, or "None.". */
export function settingsTable([before, after]: [string, string], settings: SettingChange[]): string {
  return settings.length ? table(["setting", before, after], settings.map((s) => [s.key, s.values[0], s.values[1]])) : "None.";
}

/** Each system's monthly estimate on both sides, the difference, and the totals. */
export function costTable([before, after]: [string, string], cost: CostChange): string {
  return table(
    ["system", before, after, "difference"],
    [
      ...cost.byOwner.map((c) => [c.owner, money(c.values[0]), money(c.values[1]), signed(c.values[1] - c.values[0])]),
      ["**Total**", `**${money(cost.total[0])}**`, `**${money(cost.total[1])}**`, `**${signed(cost.total[1] - cost.total[0])}**`],
    ],
  );
}
