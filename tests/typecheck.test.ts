/**
 * `npm test` type-checks with tsgo (scripts/test.mjs). This holds it honest: over this project's own tsconfig it
 * refuses a type error in a file that uses the program's components, and accepts the same file without it.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./support/harness";

const TSGO = path.join(ROOT, "node_modules", "@typescript", "native-preview", "bin", "tsgo");

/** tsgo over a project of the given files (name → source), as `npm test` runs it; the exit code and what it printed. */
function check(files: Record<string, string>): Promise<{ code: number; output: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ai-platform-typecheck-"));
  for (const [name, source] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), source);
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: path.join(ROOT, "tsconfig.json"),
      include: Object.keys(files),
      exclude: [],
      compilerOptions: { rootDir: "/", types: ["node"], typeRoots: [path.join(ROOT, "node_modules", "@types")] },
    }),
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSGO, "--noEmit", "-p", dir, "--singleThreaded"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code: code ?? 1, output });
    });
  });
}

const probe = (cpu: string) => `
import { deployTime } from "${path.join(ROOT, "components", "service", "deploy-time")}";
export const t = deployTime({ containers: [], gracePeriodSeconds: ${cpu}, bakeSeconds: 0, stopSeconds: 30, singleWriter: false, desiredCount: 1 });
`;

describe("the type check of npm test", () => {
  // One tsgo run over both probes: the file with the error and the same file without it.
  let result: { code: number; output: string };
  beforeAll(async () => {
    result = await check({ "broken.ts": probe('"ninety"'), "sound.ts": probe("90") });
  });

  it("fails on a type error, naming the file and the error", () => {
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/broken\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  });

  it("passes the same file without it: the error above is the only one", () => {
    expect(result.output.trim().split("\n").filter((l) => /error TS\d+/.test(l))).toEqual([expect.stringMatching(/\/broken\.ts\(\d+,\d+\): error TS2322/)]);
  });
});
