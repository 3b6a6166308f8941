/**
 * The offline plan (`npm run plan`): runs the real program for a stack under mocks and renders what it would
 * create, its outputs, rollout bounds and an estimated monthly cost — optionally against a second stack, or what a
 * change does to each stack against a base revision (`--base`).
 */
import { ProgramRun, RunData, RunOptions, runData, runKey, runProgram, withLookups } from "../../lib/program-runner";
import { StackName } from "../../lib/stacks";
import { changeSummary } from "./change";
import { CostEstimate, estimateOrWhy } from "./cost";
import { StackDiff, diffStacks, diffSummary, renderDiff } from "./diff";
import { StackPlan } from "./model";
import { renderStack } from "./render";
import { DEFAULT_COST_THRESHOLD_PERCENT, newStackLine, prComment, renderRevisions } from "./render-change";
import { RevisionOptions, RevisionResult, planRevisions } from "./revision";
import { redact, runStack, secretValues } from "./run";

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

async function planOne(stack: StackName, options: PlanOptions, run: (o: RunOptions) => Promise<ProgramRun>): Promise<StackResult> {
  const plan = await runStack({ stack, config: options.config, appRepoPath: options.appRepoPath }, run);
  const cost = estimateOrWhy(plan);
  return { plan, cost, markdown: redact(renderStack(plan, cost), secretValues(plan)) };
}

/** Warnings of a plan for stderr: the program's, stand-ins used, and a missing price table. */
function warningsOf(plan: StackPlan, cost: CostEstimate | string): string[] {
  return [
    ...plan.warnings.map((w) => `${plan.stack}: ${w}`),
    ...(typeof cost === "string" ? [`${plan.stack}: ${cost}`] : cost.unpriced.map((u) => `${plan.stack}: not priced: ${u}`)),
  ];
}

/**
 * runProgram for one plan, running each distinct set of options once. Prod planned against staging would otherwise
 * run staging twice alike: as the stack prod promotes from (lib/promotion-source.ts runs it without prod's overrides)
 * and as the stack compared with prod, when no override is given; a third of the command's time. The program is
 * deterministic under mocks, so the second run would be the same. Each caller after the first gets its own copy, as
 * every runProgram call does, taken before the first caller could change it.
 */
function runEachOnce(): (o: RunOptions) => Promise<ProgramRun> {
  const done = new Map<string, string>();
  return async (o) => {
    const key = runKey(o);
    const seen = done.get(key);
    if (seen !== undefined) return withLookups(JSON.parse(seen) as RunData);
    const run = await runProgram(o);
    done.set(key, JSON.stringify(runData(run)));
    return run;
  };
}

/** Plans `options.stack` (and `options.diff`), and renders the result as Markdown or JSON. */
export async function renderPlan(options: PlanOptions): Promise<PlanResult> {
  const run = runEachOnce();
  const main = await planOne(options.stack, options, run);
  const stacks: PlanResult["stacks"] = { [options.stack]: main };
  let diff: StackDiff | undefined;
  let summary: string | undefined;
  if (options.diff && options.diff !== options.stack) {
    const base = await planOne(options.diff, options, run);
    stacks[options.diff] = base;
    const costs = typeof main.cost !== "string" && typeof base.cost !== "string" ? ([base.cost, main.cost] as [CostEstimate, CostEstimate]) : undefined;
    diff = diffStacks(base.plan, main.plan, costs);
    summary = diffSummary(options.diff, options.stack, diff);
  }

  const all = Object.values(stacks) as StackResult[];
  const secrets = all.flatMap((r) => secretValues(r.plan));
  const warnings = all.flatMap((r) => warningsOf(r.plan, r.cost));

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

export interface ChangeOptions extends RevisionOptions {
  /** @default "markdown" */
  format?: "markdown" | "json";
  /** Print the pull-request comment (first line: stacks whose cost rises past the threshold) instead. */
  comment?: boolean;
  /** In percent. @default DEFAULT_COST_THRESHOLD_PERCENT */
  costThresholdPercent?: number;
}

export interface ChangeResult {
  text: string;
  result: RevisionResult;
  warnings: string[];
}

/** What a change does to each stack against `options.base`, as Markdown, JSON or the PR comment. */
export async function renderChanges(options: ChangeOptions): Promise<ChangeResult> {
  const result = await planRevisions(options);
  const warnings = result.stacks.flatMap((r) => warningsOf(r.head, r.headCost));
  let text: string;
  if (options.format === "json") {
    text = JSON.stringify(
      {
        base: result.base,
        stacks: result.stacks.map((r) => ({
          stack: r.stack,
          summary: r.change ? changeSummary(r.change) : newStackLine(r, result.base),
          change: r.change,
        })),
      },
      null,
      2,
    );
  } else {
    text = options.comment ? prComment(result, options.costThresholdPercent ?? DEFAULT_COST_THRESHOLD_PERCENT) : renderRevisions(result);
  }
  return { text: redact(text, result.secrets), result, warnings: warnings.map((w) => redact(w, result.secrets)) };
}
