/**
 * What a promoting stack reads of the stack it promotes from, when the program runs without a backend: the outputs
 * that stack would export had it deployed the same app checkout (its own run, from its own stack file). So the
 * offline plan of prod shows the promotion as it stands for this checkout, a config change that would make prod
 * refuse (another architecture, a system switched off in staging) shows as that refusal, and the tests start from
 * the deploy that passes and vary it with `stackOutputs`. The live stack is what a preview reads; nothing here
 * claims to be it.
 */
import { PROJECT } from "../config-schema";
import { RELEASE_OUTPUTS } from "../components/shared/defaults";
import { ProgramRun, ROOT, RunOptions, stackConfig } from "./program-runner";
import { stacksIn } from "./stacks";

/** The stack `opts.stack` promotes from (its `promoteFrom`, overrides applied), if any. */
function promotionSourceOf(opts: RunOptions): string | undefined {
  return stackConfig(opts).values[`${PROJECT}:promoteFrom`] || undefined;
}

/**
 * `opts` with the outputs of the stack it promotes from, unless they are given: that stack run by `run` from the
 * same app checkout, project and environment, without `opts`' config overrides (they are this stack's). A stack
 * with no stack file in the project is `missing`, as the backend would answer.
 */
export async function withPromotionSource(opts: RunOptions, run: (o: RunOptions) => Promise<ProgramRun>): Promise<RunOptions> {
  const from = promotionSourceOf(opts);
  if (!from || from === opts.stack || opts.stackOutputs?.[from] !== undefined) return opts;
  let outputs: Record<string, unknown> | "missing";
  if (!stacksIn(opts.root ?? ROOT).includes(from)) {
    outputs = "missing";
  } else {
    const sourceOpts: RunOptions = { stack: from, root: opts.root, appRepoPath: opts.appRepoPath, env: opts.env };
    // Two stacks that promote from each other would run each other without end: the source reads this one as never
    // deployed, and so refuses, which names the loop's first step.
    const source = await run(promotionSourceOf(sourceOpts) === opts.stack ? { ...sourceOpts, stackOutputs: { [opts.stack]: {} } } : sourceOpts);
    // Only what a promotion reads: the rest of a stack's outputs is no business of the stack promoting from it.
    outputs = Object.fromEntries(Object.values(RELEASE_OUTPUTS).flatMap((k) => (k in source.outputs ? [[k, source.outputs[k]]] : [])));
  }
  return { ...opts, stackOutputs: { ...opts.stackOutputs, [from]: outputs } };
}
