/**
 * Markdown of what a change does to each stack (`--base`), and the pull-request comment made of it: the first
 * line says whether any stack's monthly cost rises past the threshold, then one line per stack, then each changed
 * stack's resources, settings, cost and picture.
 */
import { ChangeKind, ResourceChange, StackChange, changeSummary, costRise, unchanged } from "./change";
import { CostEstimate, money } from "./cost";
import { costTable, settingsTable } from "./diff";
import { OWNER_TITLES } from "./model";
import { table } from "./render";
import { RevisionResult, StackRevision } from "./revision";

/** The default threshold: a stack whose estimate rises more than this (in percent) is marked on the first line. */
export const DEFAULT_COST_THRESHOLD_PERCENT = 10;

/** GitHub refuses comment bodies above 65,536 characters; leave room for the marker the script appends. */
export const COMMENT_LIMIT = 60_000;

const KIND_LABEL: Record<ChangeKind, string> = { add: "+ add", remove: "− remove", replace: "± replace", update: "~ update" };
const shortType = (type: string) => type.split(":").pop() ?? type;

function resourceRow(r: ResourceChange): string[] {
  const why = [
    ...(r.kind === "add" ? ["new"] : r.kind === "remove" ? ["no longer registered"] : r.reasons),
    ...(r.loses ? [`**${r.loses}**`] : []),
    ...r.guards.map((g) => `**${g}**`),
  ];
  return [`${r.flagged ? "⚠️ " : ""}${KIND_LABEL[r.kind]}`, `${shortType(r.type)} \`${r.name}\``, OWNER_TITLES[r.owner], why.join("; ")];
}

/** One stack's change: its summary line, or the whole account when something changes. */
export function renderChange(c: StackChange, diagram?: { text: string }): string {
  const summary = changeSummary(c);
  if (unchanged(c)) return summary;
  const out = [`## \`${c.stack}\`: change against ${c.base}`, "", summary, ""];
  const flagged = c.resources.filter((r) => r.flagged);
  if (flagged.length) {
    out.push(
      `> **⚠️ ${flagged.length} stateful or protected resource${flagged.length === 1 ? " is" : "s are"} deleted by this change** ` +
        `(removed, or replaced: a new one is created and the old one deleted). They are listed first.`,
      "",
    );
  }
  out.push(`### Resources (${c.resources.length})`, "");
  out.push(c.resources.length ? table(["change", "resource", "system", "why"], c.resources.map(resourceRow)) : "None.", "");
  out.push(`### Settings that changed (${c.settings.length})`, "", settingsTable(["before", "after"], c.settings), "");
  if (c.cost) out.push("### Estimated monthly cost", "", costTable(["before", "after"], c.cost), "");
  if (diagram) {
    out.push(
      "### Picture",
      "",
      "The stack after the change; green: added, red (dashed edges): removed, amber: changed.",
      "",
      "```mermaid",
      diagram.text,
      "```",
      "",
    );
  }
  return out.join("\n");
}

/** The line for a stack that the base has no config file for: the change adds the whole stack. */
export function newStackLine(r: StackRevision, base: string): string {
  const cost = typeof r.headCost === "string" ? "" : `, estimated ${money(r.headCost.total)} a month`;
  const count = r.head.run.resources.filter((x) => x.custom).length;
  return `\`${r.stack}\`: new stack (no Pulumi.${r.stack}.yaml at ${base}): ${count} resources${cost}.`;
}

/** The change in a stack's monthly estimate, as a fraction; Infinity for a new stack with a cost. */
function rise(r: StackRevision): number | undefined {
  if (r.change) return costRise(r.change);
  return typeof r.headCost === "string" || r.headCost.total === 0 ? undefined : Infinity;
}

const headCostOf = (r: StackRevision): CostEstimate | undefined => (typeof r.headCost === "string" ? undefined : r.headCost);

/** Every stack's change as the plan prints it for `--base`. */
export function renderRevisions(result: RevisionResult): string {
  return result.stacks.map((r) => (r.change ? renderChange(r.change, r.diagram) : newStackLine(r, result.base))).join("\n\n");
}

/**
 * The pull-request comment: a first line that marks every stack whose monthly estimate rises more than
 * `thresholdPercent`, one line per stack, and each changed stack's details in a collapsed block.
 */
export function prComment(result: RevisionResult, thresholdPercent: number = DEFAULT_COST_THRESHOLD_PERCENT): string {
  const over = result.stacks.filter((r) => (rise(r) ?? 0) * 100 > thresholdPercent);
  const describe = (r: StackRevision) => {
    const f = rise(r)!;
    if (!Number.isFinite(f)) return `\`${r.stack}\` (new stack, ${money(headCostOf(r)!.total)} a month)`;
    const [before, after] = r.change!.cost!.total;
    return `\`${r.stack}\` +${Math.round(f * 1000) / 10} % (${money(before)} → ${money(after)})`;
  };
  const first = over.length
    ? `**⚠️ Monthly cost rises more than ${thresholdPercent} %: ${over.map(describe).join(", ")}.**`
    : `**Offline plan of this change against ${result.base}:** no stack's monthly cost rises more than ${thresholdPercent} %.`;
  const lines = result.stacks.map((r) => `- ${r.change ? changeSummary(r.change) : newStackLine(r, result.base)}`);
  const details = result.stacks
    .filter((r) => r.change && !unchanged(r.change))
    .map((r) => ["<details>", `<summary><code>${r.stack}</code>: resources, settings, cost and picture</summary>`, "", renderChange(r.change!, r.diagram), "", "</details>"].join("\n"));
  const footer = "<sub>Offline plan (`npm run plan -- --base`): the program run under Pulumi mocks at both revisions; estimates at list prices (see the plan's price table).</sub>";
  const full = [first, "", ...lines, "", ...details, "", footer].join("\n");
  if (full.length <= COMMENT_LIMIT) return full;
  return [first, "", ...lines, "", "The details are too long for a comment: run `npm run plan -- --base <base> --stack <stack>`, or read the workflow's job summary.", "", footer].join("\n");
}
