/**
 * `npm test` type-checks with tsgo (scripts/test.mjs), incrementally: the second check of an unchanged tree reuses
 * the first's results. This holds it honest: over this project's own tsconfig it accepts a file that uses the
 * program's components, and after a change to what that file imports (the file itself unchanged, its previous
 * result on record) it refuses the type error the change makes.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./support/harness";

const TSGO = path.join(ROOT, "node_modules", "@typescript", "native-preview", "bin", "tsgo");

/** A project in a directory of its own, over this project's tsconfig: its files (name → source). */
function project(files: Record<string, string>): string {
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
  return dir;
}

/** tsgo over the project as `npm test` runs it (incremental, its record in the project); exit code and output. */
function check(dir: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const args = ["--noEmit", "-p", dir, "--singleThreaded", "--incremental", "--tsBuildInfoFile", path.join(dir, "tsbuildinfo.json")];
    const child = spawn(process.execPath, [TSGO, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** A file that hands the program's deploy-time estimate a grace period from another file. */
const USE = `
import { grace } from "./grace";
import { deployTime } from "${path.join(ROOT, "components", "service", "deploy-time")}";
export const t = deployTime({ containers: [], gracePeriodSeconds: grace, bakeSeconds: 0, stopSeconds: 30, singleWriter: false, desiredCount: 1 });
`;

describe("the type check of npm test", () => {
  let dir: string;
  let sound: { code: number; output: string };
  let broken: { code: number; output: string };
  beforeAll(async () => {
    dir = project({ "grace.ts": "export const grace = 90;\n", "use.ts": USE });
    sound = await check(dir);
    fs.writeFileSync(path.join(dir, "grace.ts"), 'export const grace = "ninety";\n');
    broken = await check(dir);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("passes a file that uses the program's components, and keeps a record for the next check", () => {
    expect(sound).toEqual({ code: 0, output: "" });
    expect(fs.existsSync(path.join(dir, "tsbuildinfo.json"))).toBe(true);
  });

  it("fails once what the file imports changes, naming the unchanged file and the error", () => {
    expect(broken.code).not.toBe(0);
    expect(broken.output.trim().split("\n").filter((l) => /error TS\d+/.test(l))).toEqual([
      expect.stringMatching(/\/use\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/),
    ]);
  });
});
