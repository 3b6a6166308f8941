/**
 * Runs the real program for one stack under the mock harness, the way the offline plan needs it: the stack's own
 * app checkout (a missing one is a warning, not an error), config overrides, and a record of which operator
 * values were filled with stand-ins.
 */
import * as path from "path";
import { PROJECT } from "../../config-schema";
import { ROOT, committedConfig, runProgram } from "../../lib/program-runner";
import { StackName } from "../../lib/stacks";
import { StackPlan, TYPES, buildPlan } from "./model";

export { STACKS } from "../../lib/stacks";

export interface StackRunOptions {
  stack: StackName;
  /** Config overrides as `pulumi config set` would store them: `{ gatewayCpu: "512" }`. */
  config?: Record<string, string>;
  /** The app checkout, relative to the repository root. @default the stack's appRepoPath config */
  appRepoPath?: string;
}

const unqualified = (key: string) => (key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key);


/** Runs the program for a stack and builds its plan model; rejects with the program's error (e.g. ConfigError). */
export async function runStack(opts: StackRunOptions): Promise<StackPlan> {
  const overrides = { ...(opts.config ?? {}) };
  let appRepoPath = opts.appRepoPath;
  for (const key of Object.keys(overrides)) {
    if (unqualified(key) === "appRepoPath") {
      appRepoPath ??= overrides[key];
      delete overrides[key];
    }
  }
  const resolvedAppRepo = path.resolve(ROOT, appRepoPath ?? committedConfig(opts.stack)[`${PROJECT}:appRepoPath`]);

  const run = await runProgram({
    stack: opts.stack,
    config: overrides,
    appRepoPath: resolvedAppRepo,
    env: { AI_PLATFORM_OFFLINE_PLAN: "1" },
  });
  return buildPlan(run, { appRepoPath: resolvedAppRepo });
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
