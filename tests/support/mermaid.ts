/**
 * Mermaid's own parser, as the tests use it: tests/support/mermaid-parse.mjs in a child process (Mermaid is an ES
 * module only, which jest's CommonJS runtime does not load).
 */
import { spawn } from "child_process";
import * as path from "path";
import { ROOT } from "../../lib/program-runner";

export type Parsed = { ok: boolean; type?: string; error?: string };

export interface MermaidParser {
  /** What Mermaid's parser says of each diagram. Once per parser: the child reads one batch and exits. */
  parse(texts: string[]): Promise<Parsed[]>;
  /** Ends the child if `parse` was never called (a test filtered out, a beforeAll that failed). */
  stop(): void;
}

/**
 * Starts the parser now, so that it loads jsdom and Mermaid (half a second) while the test runs the program on its
 * own core; it waits for the diagrams on stdin. One child, and one Mermaid load, for all of a file's diagrams.
 */
export function startMermaidParser(): MermaidParser {
  const child = spawn(process.execPath, [path.join(ROOT, "tests", "support", "mermaid-parse.mjs")], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  // A child that died before reading its input fails `parse` with its exit code and stderr, not with EPIPE.
  child.stdin.on("error", () => undefined);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  // Attached now, so that a child that dies before `parse` is called is not an unhandled rejection.
  exited.catch(() => undefined);
  let used = false;
  return {
    async parse(texts) {
      if (used) throw new Error("startMermaidParser: parse is called once per parser");
      used = true;
      child.stdin.end(JSON.stringify(texts));
      const code = await exited;
      if (code !== 0) throw new Error(`mermaid-parse.mjs exited with ${code}: ${stderr}`);
      return JSON.parse(stdout) as Parsed[];
    },
    stop() {
      if (!used && child.exitCode === null) child.kill();
    },
  };
}
