/**
 * The jest side of running the program: the product runner (lib/program-runner.ts) with the fixture app
 * checkout as the default, and a run cache per jest session.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Captured, ProgramRun, ROOT, RunData, RunOptions, runData, runKey, runProgram as run, withLookups } from "../../lib/program-runner";
import { withPromotionSource } from "../../lib/promotion-source";

export { ACCOUNT_ID } from "../../lib/mocks";
export { STACKS } from "../../lib/stacks";
export type { StackName } from "../../lib/stacks";
export { ROOT, committedConfig, containerDefinitions, policyDocument, registeredUrns, stableJson, stackConfig } from "../../lib/program-runner";
export type { Captured, ProgramRun, RunOptions } from "../../lib/program-runner";

/**
 * Directory where one jest session keeps the result of each scenario it has run (tests/support/jest-global-setup.ts
 * creates it fresh per session and removes it after): the program is deterministic under mocks, so a scenario
 * that several test files share runs once. Runs with their own app checkout or environment are never cached.
 */
export const RUN_CACHE_ENV = "AI_PLATFORM_RUN_CACHE";

/** The app checkout the tests build from: a fixture tree with the folders and files the Dockerfiles copy. */
export const FIXTURE_APP_REPO = path.join(ROOT, "tests", "fixtures", "app-repo");

/**
 * The commit the fixture checkout stands for. It has no git metadata of its own (it is a folder of this
 * repository), so runs give it as APP_REVISION, as a workflow does for the commit it checked out.
 */
export const FIXTURE_APP_REVISION = "f1e2d3c4b5a697887766554433221100ffeeddcc";

/**
 * Runs index.ts under mocks (the fixture checkout unless given, as FIXTURE_APP_REVISION unless the run's environment
 * says otherwise); rejects with the program's error. A stack that promotes from another reads that stack's run from
 * the same checkout, unless the run gives its outputs (lib/promotion-source.ts).
 */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
  const cacheDir = process.env[RUN_CACHE_ENV];
  const cacheable = cacheDir && opts.appRepoPath === undefined && opts.env === undefined;
  const file = cacheable ? path.join(cacheDir, `${crypto.createHash("sha256").update(runKey(opts)).digest("hex").slice(0, 32)}.json`) : undefined;
  if (file && fs.existsSync(file)) return withLookups(JSON.parse(fs.readFileSync(file, "utf8")) as RunData);
  // The source stack's run from the fixture checkout is the cached default, however the caller named the checkout.
  const promoted = await withPromotionSource(opts, (o) => runProgram(o.appRepoPath === FIXTURE_APP_REPO ? { ...o, appRepoPath: undefined } : o));
  const result = await run({
    ...promoted,
    appRepoPath: opts.appRepoPath ?? FIXTURE_APP_REPO,
    env: { APP_REVISION: FIXTURE_APP_REVISION, ...opts.env },
  });
  if (file) {
    // Write then rename: a concurrent worker reading the same scenario never sees half a file.
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, JSON.stringify(runData(result)));
    fs.renameSync(partial, file);
  }
  return result;
}

/** A task definition's EFS volumes, without the scratch volumes of its containers' writable paths. */
export function efsVolumes(taskDefinition: Captured): any[] {
  return (taskDefinition.inputs.volumes ?? []).filter((v: { efsVolumeConfiguration?: unknown }) => v.efsVolumeConfiguration);
}
