/**
 * The offline plan (`npm run plan`): runs the real program for a stack under mocks and renders what it would
 * create, its outputs, rollout bounds and an estimated monthly cost — optionally against a second stack.
 */
import { StackName } from "../../lib/stacks";
import { CostEstimate, estimateCost } from "./cost";
import { StackDiff, diffStacks, diffSummary, renderDiff } from "./diff";
import { StackPlan } from "./model";
import { PriceTableError, loadPriceTable } from "./pricing";
import { renderStack } from "./render";
import { runStack, secretValues } from "./run";

export { STACKS } from "./run";
export { isProgramError } from "../../lib/program-runner";

export interface PlanOptions {
  stack: StackName;
  /** Also plan this stack and show what differs from it to `stack`. */
  diff?: StackName;
  /** Config overrides, as `--config key=value` gives them (`gatewayCpu`, `aws:region`, ...). */
  config?: Record<string, string>;
  /** App checkout, relative to the repository root. @default each stack's appRepoPath config */
  appRepoPath?: string;
  /** @default "markdown" */
  format?: "markdown" | "json";
}

export interface StackResult {
  plan: StackPlan;
  /** The estimate, or why there is none (no price table for the region). */
  cost: CostEstimate | string;
  markdown: string;
}

export interface PlanResult {
  /** What the command prints. */
  text: string;
  stacks: Partial<Record<StackName, StackResult>>;
  diff?: StackDiff;
  /** The diff in one sentence (for PR and issue notes). */
  diffSummary?: string;
  /** Warnings for stderr: missing checkout, stand-ins, no price table. */
  warnings: string[];
}

async function planOne(stack: StackName, options: PlanOptions): Promise<StackResult> {
  const plan = await runStack({ stack, config: options.config, appRepoPath: options.appRepoPath });
  let cost: CostEstimate | string;
  try {
    cost = estimateCost(plan, loadPriceTable(plan.region));
  } catch (err) {
    if (!(err instanceof PriceTableError)) throw err;
    cost = err.message;
  }
  return { plan, cost, markdown: redact(renderStack(plan, cost), secretValues(plan)) };
}

/** Replaces every secret value a run handled, so no output can carry one even by mistake. */
function redact(text: string, secrets: string[]): string {
  return secrets.reduce((t, s) => t.split(s).join("[redacted]"), text);
}

/** Plans `options.stack` (and `options.diff`), and renders the result as Markdown or JSON. */
export async function renderPlan(options: PlanOptions): Promise<PlanResult> {
  const main = await planOne(options.stack, options);
  const stacks: PlanResult["stacks"] = { [options.stack]: main };
  let diff: StackDiff | undefined;
  let summary: string | undefined;
  if (options.diff && options.diff !== options.stack) {
    const base = await planOne(options.diff, options);
    stacks[options.diff] = base;
    const costs = typeof main.cost !== "string" && typeof base.cost !== "string" ? ([base.cost, main.cost] as [CostEstimate, CostEstimate]) : undefined;
    diff = diffStacks(base.plan, main.plan, costs);
    summary = diffSummary(options.diff, options.stack, diff);
  }

  const all = Object.values(stacks) as StackResult[];
  const secrets = all.flatMap((r) => secretValues(r.plan));
  const warnings = all.flatMap((r) => [
    ...r.plan.warnings.map((w) => `${r.plan.stack}: ${w}`),
    ...(typeof r.cost === "string" ? [`${r.plan.stack}: ${r.cost}`] : []),
  ]);

  let text: string;
  if (options.format === "json") {
    text = JSON.stringify(
      {
        stacks: Object.fromEntries(
          all.map((r) => [
            r.plan.stack,
            {
              region: r.plan.region,
              resources: r.plan.run.resources.length,
              warnings: r.plan.warnings,
              settings: Object.fromEntries(r.plan.settings.map((s) => [s.key, s.value])),
              outputs: r.plan.run.outputs,
              cost: typeof r.cost === "string" ? { error: r.cost } : { total: r.cost.total, byOwner: r.cost.byOwner, lines: r.cost.lines },
            },
          ]),
        ),
        diff,
        diffSummary: summary,
      },
      null,
      2,
    );
  } else {
    text = [main.markdown, ...(diff && options.diff ? [renderDiff(options.diff, options.stack, diff)] : [])].join("\n\n");
  }
  return { text: redact(text, secrets), stacks, diff, diffSummary: summary, warnings: warnings.map((w) => redact(w, secrets)) };
}
