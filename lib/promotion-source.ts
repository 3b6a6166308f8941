/**
 * What a promoting stack reads of the stack it promotes from, when the program runs without a backend: the outputs
 * that stack would export had it deployed the same app checkout (its own run, from its own stack file). So the
 * offline plan of prod shows the promotion as it stands for this checkout, a config change that would make prod
 * refuse (another architecture, a system switched off in staging) shows as that refusal, and the tests start from
 * the deploy that passes and vary it with `stackOutputs`. The live stack is what a preview reads; nothing here
 * claims to be it.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../config-schema";
import { ProgramRun, ROOT, RunOptions, stackConfig } from "./program-runner";
import { RELEASE_OUTPUTS } from "../components/defaults";

/** The stack `opts.stack` promotes from (its `promoteFrom`, overrides applied), if any. */
export function promotionSourceOf(opts: RunOptions): string | undefined {
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
  const root = opts.root ?? ROOT;
  let outputs: Record<string, unknown> | "missing";
  if (!fs.existsSync(path.join(root, `Pulumi.${from}.yaml`))) {
    outputs = "missing";
  } else {
    const source = await run({ stack: from, root: opts.root, appRepoPath: opts.appRepoPath, env: opts.env });
    // Only what a promotion reads: the rest of a stack's outputs is no business of the stack promoting from it.
    outputs = Object.fromEntries(Object.values(RELEASE_OUTPUTS).flatMap((k) => (k in source.outputs ? [[k, source.outputs[k]]] : [])));
  }
  return { ...opts, stackOutputs: { ...opts.stackOutputs, [from]: outputs } };
}
