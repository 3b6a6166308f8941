/** The program runner (lib/program-runner.ts): one run at a time per process, and nothing left changed after. */
import { FIXTURE_APP_REPO, FIXTURE_APP_REVISION } from "./support/harness";
import { runProgram } from "../lib/program-runner";

describe("the program runner", () => {
  const checkout = { appRepoPath: FIXTURE_APP_REPO, env: { APP_REVISION: FIXTURE_APP_REVISION } };

  it("refuses a second run while one is in progress, and runs again once it is done", async () => {
    const first = runProgram({ stack: "staging", ...checkout });
    await expect(runProgram({ stack: "prod", ...checkout })).rejects.toThrow("a run is already in progress");
    // Prod promotes from staging: it reads what the first run exports.
    const staging = await first;
    await expect(runProgram({ stack: "prod", ...checkout, stackOutputs: { staging: staging.outputs } })).resolves.toHaveProperty("stack", "prod");
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
