import { SpawnOptions, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Running real programs from tests without holding the jest worker: suites whose time is mostly child processes
 * (or their sleeps) start independent ones together instead of one spawnSync after another.
 */

/** What a finished child did: spawnSync's result, as a promise. */
export interface Finished {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `command args` to its end, with its output kept; `input` is written to its stdin. Rejects only if it cannot start. */
export function run(command: string, args: string[], options: SpawnOptions & { input?: string } = {}): Promise<Finished> {
  const { input, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...spawnOptions, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
    // A child that exits without reading its input must not fail the write.
    child.stdin!.on("error", () => undefined);
    child.stdin!.end(input);
  });
}

let python: string | undefined;

/**
 * The interpreter that `python3` on PATH runs, by its own path: where `python3` is a pyenv shim (a shell script
 * that looks the version up), each start through it costs about 0.1 s more. Same interpreter, same packages.
 */
export function python3(): string {
  python ??= execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
  return python;
}

/**
 * Tests whose bodies all start in one beforeAll and run at once; each test awaits its own. For tests whose time is
 * processes waiting on a lock, a clock or each other, and which share no files. This is what jest's
 * `it.concurrent` does, without its AsyncLocalStorage: that turns on Node's promise hooks for the rest of the jest
 * worker, and every program run the worker goes on to make pays for them (about a tenth of a run's time).
 *
 * Call it inside the describe whose tests it starts (a skipped describe then starts none). A test that `-t` leaves
 * out still runs its body, unreported.
 */
export function testsAtOnce(): (name: string, body: () => Promise<void>) => void {
  const tests: { body: () => Promise<void>; started?: Promise<void> }[] = [];
  beforeAll(() => {
    for (const test of tests) {
      test.started = test.body();
      test.started.catch(() => undefined); // reported by its own test, not as an unhandled rejection
    }
  });
  return (name, body) => {
    const test: (typeof tests)[number] = { body };
    tests.push(test);
    it(name, () => test.started!);
  };
}

/**
 * Runs `test` in a temporary directory of its own (named after `prefix`), removed after it whatever happens: tests
 * that run at once (testsAtOnce) share no directory.
 */
export async function inWorkDir(prefix: string, test: (work: string) => Promise<void>): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  try {
    await test(work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
