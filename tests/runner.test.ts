/** The program runner (lib/program-runner.ts): one run at a time per process, and nothing left changed after. */
import { FIXTURE_APP_REPO } from "./support/harness";
import { runProgram } from "../lib/program-runner";

describe("the program runner", () => {
  it("refuses a second run while one is in progress, and runs again once it is done", async () => {
    const first = runProgram({ stack: "staging", appRepoPath: FIXTURE_APP_REPO });
    await expect(runProgram({ stack: "prod", appRepoPath: FIXTURE_APP_REPO })).rejects.toThrow("a run is already in progress");
    await first;
    await expect(runProgram({ stack: "prod", appRepoPath: FIXTURE_APP_REPO })).resolves.toHaveProperty("stack", "prod");
  });

  it("gives the process back its stack traces after a run, failed or not", async () => {
    const limit = Error.stackTraceLimit;
    await expect(runProgram({ stack: "staging", appRepoPath: "/nonexistent" })).rejects.toThrow("the app repo checkout is missing");
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error("x").stack).toMatch(/\n\s+at /);
  });
});
