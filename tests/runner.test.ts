/** The program runner (lib/program-runner.ts): one run at a time per process, and nothing left changed after. */
import * as fs from "fs";
import * as path from "path";
import { FIXTURE_APP_REPO, FIXTURE_APP_REVISION, ROOT } from "./support/harness";
import { runProgram } from "../lib/program-runner";

describe("the program runner", () => {
  const checkout = { appRepoPath: FIXTURE_APP_REPO, env: { APP_REVISION: FIXTURE_APP_REVISION } };

  it("refuses a second run while one is in progress, and runs again once it is done", async () => {
    // A file of the program changed on disk (its time, here): the first run evaluates every module afresh.
    const config = path.join(ROOT, "config.ts");
    const now = new Date();
    fs.utimesSync(config, now, now);
    const first = runProgram({ stack: "staging", ...checkout });
    await expect(runProgram({ stack: "prod", ...checkout })).rejects.toThrow("a run is already in progress");
    // Prod promotes from staging: it reads what the first run exports.
    const staging = await first;
    await expect(runProgram({ stack: "prod", ...checkout, stackOutputs: { staging: staging.outputs } })).resolves.toHaveProperty("stack", "prod");
    // The program's modules stay loaded between runs while their files are unchanged: a run after another stack's
    // is the same as one on freshly evaluated modules, so nothing of one run is carried into the next.
    const again = await runProgram({ stack: "staging", ...checkout });
    expect({ resources: again.resources, outputs: again.outputs, warnings: again.warnings }).toEqual({
      resources: staging.resources,
      outputs: staging.outputs,
      warnings: staging.warnings,
    });
  });

  it("answers a StackReference only to a stack the run says something of", async () => {
    await expect(runProgram({ stack: "prod", ...checkout })).rejects.toThrow(
      'the program reads stack organization/ai-platform/staging, and the run says nothing of it: give its outputs, or "missing", in RunOptions.stackOutputs',
    );
  });

  it("gives the process back its stack traces after a run, failed or not", async () => {
    const limit = Error.stackTraceLimit;
    await expect(runProgram({ stack: "staging", appRepoPath: "/nonexistent" })).rejects.toThrow("the app repo checkout is missing");
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error("x").stack).toMatch(/\n\s+at /);
  });
});
