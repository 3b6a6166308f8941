// `npm test`: the type check and the jest suite at once, so the loop costs the longer of the two rather than
// their sum. Either failing fails the command; the type check's report is printed after jest's.
//
// - The type check is tsgo (@typescript/native-preview, TypeScript's native compiler): the same checker over the
//   same tsconfig in under 2 s of one core (1.4 s when the incremental record finds the tree unchanged), where
//   tsc 5.9 takes 7-14 s of CPU parsing @pulumi/aws's types while jest needs both cores. It runs single-threaded
//   so jest keeps them. `npm run typecheck` is tsc 5.9, and .ci/run runs it too.
// - jest's workers get a larger young generation: the program runs allocate short-lived objects by the
//   million, and the default 16 MiB semi-space made garbage collection a fifth of the suite's time.
// - V8 gets one background thread per process instead of one per core: the suite keeps both cores busy with two
//   workers (and their child processes), so more threads for concurrent marking and compiling only take turns
//   with the other worker (wall 0.96 of without it, median of 4 pairs, `farm-bench -n 4 --vs`).
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Runs a package's Node.js program (a path under node_modules); resolves with its exit code and kept output. */
function node(bin, args, { keepOutput = false, env = process.env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, "node_modules", bin), ...args], {
      cwd: root,
      env,
      stdio: keepOutput ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    let output = "";
    if (keepOutput) {
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
    }
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const started = Date.now();
// Incremental: the record of the last check (under node_modules/.cache, never committed) lets an unchanged tree's
// check skip what it already knows, and a change re-checks what depends on it (tests/typecheck.test.ts).
const typecheck = node(
  "@typescript/native-preview/bin/tsgo",
  ["--noEmit", "-p", ".", "--singleThreaded", "--incremental", "--tsBuildInfoFile", join(root, "node_modules", ".cache", "tsgo", "tsbuildinfo.json")],
  { keepOutput: true },
);
const tests = node("jest/bin/jest.js", process.argv.slice(2), {
  env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, "--max-semi-space-size=128", "--v8-pool-size=1"].filter(Boolean).join(" ") },
});

const [types, suite] = await Promise.all([typecheck, tests]);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (types.code !== 0) {
  process.stderr.write(`\ntype check (tsgo --noEmit) failed:\n${types.output}`);
} else {
  process.stdout.write(`\ntype check (tsgo --noEmit): no errors\n`);
}
process.stdout.write(`npm test: ${seconds} s\n`);
process.exit(types.code !== 0 ? types.code : suite.code);
