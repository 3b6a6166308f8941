/**
 * Runs the real program for one stack under the mock harness, the way the offline plan needs it: the stack's own
 * app checkout (a missing one is a warning, not an error), config overrides, and a record of which operator
 * values were filled with stand-ins.
 */
import * as path from "path";
import { PROJECT } from "../../config-schema";
import { ProgramRun, ROOT, RunOptions, committedConfig, runProgram } from "../../lib/program-runner";
import { withPromotionSource } from "../../lib/promotion-source";
import { StackName } from "../../lib/stacks";
import { StackPlan, TYPES, buildPlan } from "./model";

export interface StackRunOptions {
  stack: StackName;
  /** Config overrides as `pulumi config set` would store them: `{ gatewayCpu: "512" }`. */
  config?: Record<string, string>;
  /** The app checkout, relative to `root`. @default the stack's appRepoPath config */
  appRepoPath?: string;
  /** The project directory to run (another revision's checkout). @default ROOT, this checkout */
  root?: string;
}

const unqualified = (key: string) => (key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key);


/**
 * Runs the program for a stack and builds its plan model; rejects with the program's error (e.g. ConfigError).
 * `run` runs the program: in this process, or in one of its own for a checkout with its own packages.
 */
export async function runStack(opts: StackRunOptions, run: (o: RunOptions) => Promise<ProgramRun> = runProgram): Promise<StackPlan> {
  const overrides = { ...(opts.config ?? {}) };
  let appRepoPath = opts.appRepoPath;
  for (const key of Object.keys(overrides)) {
    if (unqualified(key) === "appRepoPath") {
      appRepoPath ??= overrides[key];
      delete overrides[key];
    }
  }
  const root = opts.root ?? ROOT;
  const resolvedAppRepo = path.resolve(root, appRepoPath ?? committedConfig(opts.stack, root)[`${PROJECT}:appRepoPath`]);

  // A promoting stack is compared with its source stack as that stack would run from the same checkout.
  const captured = await run(
    await withPromotionSource({ stack: opts.stack, root, config: overrides, appRepoPath: resolvedAppRepo, env: { AI_PLATFORM_OFFLINE_PLAN: "1" } }, run),
  );
  return buildPlan(captured, { appRepoPath: resolvedAppRepo });
}

/**
 * Every secret value a run handled: generated values (an operator's never reach the program). None may reach the
 * output.
 */
export function secretValues(plan: StackPlan): string[] {
  const values = new Set<string>();
  for (const v of plan.run.ofType("aws:secretsmanager/secretVersion:SecretVersion")) {
    if (typeof v.inputs.secretString === "string") values.add(v.inputs.secretString);
  }
  for (const r of plan.run.ofType(TYPES.randomBytes)) {
    for (const k of ["hex", "base64"]) if (typeof r.state[k] === "string") values.add(r.state[k]);
  }
  return [...values].filter((v) => v.length >= 6);
}

/** Replaces every secret value a run handled, so no output can carry one even by mistake. */
export function redact(text: string, secrets: string[]): string {
  return secrets.reduce((t, s) => t.split(s).join("[redacted]"), text);
}
