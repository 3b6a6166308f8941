/**
 * `npm run plan -- --base <ref>`: each stack planned at a base revision and at the working tree, compared. The
 * base is checked out once for every stack (scripts/plan/base.ts); both sides are priced with the working tree's
 * price table, so a cost difference is what the change does, not a change of prices.
 */
import { ROOT } from "../../lib/program-runner";
import { StackName, stackFile, stacksIn } from "../../lib/stacks";
import { BaseCheckout, Install, checkoutBase, npmCi, runInOwnProcess } from "./base";
import { StackChange, compareRevisions } from "./change";
import { CostEstimate, estimateOrWhy } from "./cost";
import { Diagram, renderChangeDiagram } from "./diagram";
import { StackPlan } from "./model";
import { runStack, secretValues } from "./run";

export interface RevisionOptions {
  /** The base revision: a branch, tag, commit or `HEAD~1`. */
  base: string;
  /** Stacks to compare. @default every stack with a config file in the working tree */
  stacks?: StackName[];
  /** The project directory, a git checkout. @default ROOT, this checkout */
  projectDir?: string;
  /** Config overrides, applied on both sides. */
  config?: Record<string, string>;
  /** The app checkout, relative to the project directory. @default each stack's appRepoPath config */
  appRepoPath?: string;
  /** How a base whose lockfile differs gets its dependencies. @default `npm ci` */
  install?: Install;
}

export interface StackRevision {
  stack: StackName;
  head: StackPlan;
  headCost: CostEstimate | string;
  /** The stack at the base; absent when the base has no config file for it (the change adds the stack). */
  base?: StackPlan;
  change?: StackChange;
  diagram?: Diagram;
}

export interface RevisionResult {
  /** The base as the reader knows it: `main (3f2c1ab)`. */
  base: string;
  stacks: StackRevision[];
  /** Every secret value the runs handled, for the caller to redact. */
  secrets: string[];
}

/** Plans each stack at the base and at the working tree, and compares them. */
export async function planRevisions(opts: RevisionOptions): Promise<RevisionResult> {
  const projectDir = opts.projectDir ?? ROOT;
  const stacks = opts.stacks ?? stacksIn(projectDir);
  for (const s of stacks) stackFile(projectDir, s);
  const checkout: BaseCheckout = checkoutBase(projectDir, opts.base, opts.install ?? npmCi);
  try {
    const out: StackRevision[] = [];
    for (const stack of stacks) {
      const head = await runStack({ stack, root: projectDir, config: opts.config, appRepoPath: opts.appRepoPath });
      const headCost = estimateOrWhy(head);
      if (!stacksIn(checkout.dir).includes(stack)) {
        out.push({ stack, head, headCost });
        continue;
      }
      // The same app checkout on both sides: the change is to this repository, not to the app.
      const base = await runStack(
        { stack, root: checkout.dir, config: opts.config, appRepoPath: head.appRepoPath },
        checkout.sharesPackages ? undefined : async (o) => runInOwnProcess({ ...o, root: checkout.dir }),
      );
      const baseCost = estimateOrWhy(base);
      const costs = typeof baseCost !== "string" && typeof headCost !== "string" ? ([baseCost, headCost] as [CostEstimate, CostEstimate]) : undefined;
      const change = compareRevisions(base, head, { baseLabel: checkout.label, dirs: [checkout.dir, projectDir], costs });
      out.push({ stack, head, headCost, base, change, diagram: renderChangeDiagram(base, head, change) });
    }
    const secrets = out.flatMap((r) => [...secretValues(r.head), ...(r.base ? secretValues(r.base) : [])]);
    return { base: checkout.label, stacks: out, secrets };
  } finally {
    checkout.remove();
  }
}
