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

function check(source: string): Promise<{ code: number; output: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ai-platform-typecheck-"));
  fs.writeFileSync(path.join(dir, "probe.ts"), source);
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: path.join(ROOT, "tsconfig.json"),
      include: ["probe.ts"],
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
  it("fails on a type error, naming the file and the error", async () => {
    const result = await check(probe('"ninety"'));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/probe\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  });

  it("passes the same file without it", async () => {
    expect(await check(probe("90"))).toEqual({ code: 0, output: "" });
  });
});
