/**
 * scripts/drift-issue.sh, run by bash against a stand-in for the gh CLI that answers with the open drift issues it
 * is given and records every call: one issue per drifted stack, updated while it drifts, closed when it is clean.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./support/harness";

const SCRIPT = path.join(ROOT, "scripts", "drift-issue.sh");
const DRIFT = "error: no changes were expected but changes were proposed\n  ~ aws:ecs/service:Service gateway update [diff: ~desiredCount]";

function run(env: { OUTCOME: string; PREVIEW?: string; open?: number }): { status: number | null; calls: string[]; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-"));
  const log = path.join(dir, "calls");
  const previewFile = path.join(dir, "preview.txt");
  fs.writeFileSync(previewFile, env.PREVIEW ?? "");
  // `gh issue list ... --jq <filter>` prints what the filter leaves of the open issues: the number, or nothing.
  fs.writeFileSync(
    path.join(dir, "gh"),
    `#!/bin/bash\nprintf '%s\\n' "gh $*" >> "$CALLS"\nif [[ "$1 $2" == "issue list" && -n "$OPEN" ]]; then echo "$OPEN"; fi\n`,
    { mode: 0o755 },
  );
  const result = spawnSync("bash", [SCRIPT], {
    env: {
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      CALLS: log,
      OPEN: env.open ? String(env.open) : "",
      STACK: "staging",
      OUTCOME: env.OUTCOME,
      PREVIEW_FILE: previewFile,
      RUN_URL: "https://github.com/o/r/actions/runs/1",
    },
    encoding: "utf8",
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: result.status, calls, stderr: result.stderr };
}

const verbs = (calls: string[]) => calls.map((c) => c.split(" ").slice(1, 3).join(" "));

describe("scripts/drift-issue.sh", () => {
  it("opens one labelled issue for a stack that drifted", () => {
    const { status, calls } = run({ OUTCOME: "failure", PREVIEW: DRIFT });
    expect(status).toBe(0);
    expect(verbs(calls)).toEqual(["issue list", "label create", "issue create"]);
    expect(calls[2]).toContain('--title Drift: staging --label drift');
  });

  it("comments the new diff on the open issue instead of opening a second", () => {
    const { status, calls } = run({ OUTCOME: "failure", PREVIEW: DRIFT, open: 42 });
    expect(status).toBe(0);
    expect(verbs(calls)).toEqual(["issue list", "issue comment"]);
    expect(calls[1]).toMatch(/^gh issue comment 42 --body-file /);
  });

  it("closes the open issue when the stack is clean again, and does nothing when there is none", () => {
    expect(verbs(run({ OUTCOME: "success", open: 42 }).calls)).toEqual(["issue list", "issue close"]);
    expect(verbs(run({ OUTCOME: "success" }).calls)).toEqual(["issue list"]);
  });

  it("fails the job, touching no issue, when the preview failed without proposing changes", () => {
    const { status, calls, stderr } = run({ OUTCOME: "failure", PREVIEW: "error: could not assume role" });
    expect(status).toBe(1);
    expect(verbs(calls)).toEqual(["issue list"]);
    expect(stderr).toContain("the preview failed without proposing changes");
  });
});
