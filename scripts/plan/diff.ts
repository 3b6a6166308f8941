/** Markdown of what differs between two stacks: resources, reviewed settings, and estimated cost. */
import { CostEstimate, money } from "./cost";
import { OWNERS, OWNER_TITLES, StackPlan, TYPES } from "./model";
import { table } from "./render";

export interface StackDiff {
  onlyIn: Record<string, string[]>;
  settings: { key: string; values: [string, string] }[];
  cost?: { byOwner: { owner: string; values: [number, number] }[]; total: [number, number] };
}

const resourceKeys = (plan: StackPlan): Set<string> =>
  new Set(plan.run.resources.filter((r) => r.type !== TYPES.stack).map((r) => `${r.type} ${r.name}`));

/** What differs from `base` to `other` (e.g. staging → prod). */
export function diffStacks(base: StackPlan, other: StackPlan, costs?: [CostEstimate, CostEstimate]): StackDiff {
  const a = resourceKeys(base);
  const b = resourceKeys(other);
  const baseSettings = new Map(base.settings.map((s) => [s.key, s.value]));
  const otherSettings = new Map(other.settings.map((s) => [s.key, s.value]));
  const keys = [...new Set([...baseSettings.keys(), ...otherSettings.keys()])];
  return {
    onlyIn: {
      [base.stack]: [...a].filter((k) => !b.has(k)).sort(),
      [other.stack]: [...b].filter((k) => !a.has(k)).sort(),
    },
    settings: keys
      .filter((k) => baseSettings.get(k) !== otherSettings.get(k))
      .map((k) => ({ key: k, values: [baseSettings.get(k) ?? "—", otherSettings.get(k) ?? "—"] as [string, string] })),
    cost: costs
      ? {
          byOwner: OWNERS.map((o) => ({ owner: OWNER_TITLES[o], values: [costs[0].byOwner[o], costs[1].byOwner[o]] as [number, number] })),
          total: [costs[0].total, costs[1].total],
        }
      : undefined,
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

const signed = (n: number) => `${n >= 0 ? "+" : "−"}${money(Math.abs(n))}`;

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
  out.push(d.settings.length ? table(["setting", base, other], d.settings.map((s) => [s.key, s.values[0], s.values[1]])) : "None.", "");
  if (d.cost) {
    out.push("## Estimated monthly cost", "");
    out.push(
      table(
        ["system", base, other, "difference"],
        [
          ...d.cost.byOwner.map((c) => [c.owner, money(c.values[0]), money(c.values[1]), signed(c.values[1] - c.values[0])]),
          ["**Total**", `**${money(d.cost.total[0])}**`, `**${money(d.cost.total[1])}**`, `**${signed(d.cost.total[1] - d.cost.total[0])}**`],
        ],
      ),
      "",
    );
  }
  return out.join("\n");
}
