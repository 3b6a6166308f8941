/**
 * scripts/wake-stack.sh, run by bash against stand-ins for the Pulumi and AWS CLIs that answer as they would for
 * a sleeping staging stack and record every call: each service's target gets the bounds of its own wake action.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./support/harness";
import { describeWithTool } from "./support/tools";

const SCRIPT = path.join(ROOT, "scripts", "wake-stack.sh");

/** Writes an executable stand-in that logs its arguments and prints what `answer` (shell) prints. */
function standIn(dir: string, name: string, answer: string): void {
  fs.writeFileSync(path.join(dir, name), `#!/bin/bash\necho "${name} $*" >> "$CALLS"\n${answer}\n`, { mode: 0o755 });
}

describeWithTool("jq", "apt-get install -y jq")("scripts/wake-stack.sh", () => {
  let dir: string;
  let calls: string[];
  let stdout: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wake-"));
    standIn(
      dir,
      "pulumi",
      `case "$*" in
  "stack output clusterName --stack staging") echo platform-f7a2fe3 ;;
  "stack output serviceNames --stack staging --json") echo '{"gateway":"gateway-7178987","securityStack":"security-1a2b3c4","uiConsole":"console-5d6e7f8"}' ;;
  *) echo "unexpected pulumi $*" >&2; exit 2 ;;
esac`,
    );
    // The console wakes to its autoscaling bounds, the single writers to one task; the describe call's query
    // is applied here as the AWS CLI would apply it to these actions.
    standIn(
      dir,
      "aws",
      `case "$*" in
  *"describe-scheduled-actions"*"service/platform-f7a2fe3/console-5d6e7f8"*) printf '1\\t2\\n' ;;
  *"describe-scheduled-actions"*) printf '1\\t1\\n' ;;
  *"register-scalable-target"*) ;;
  *) echo "unexpected aws $*" >&2; exit 2 ;;
esac`,
    );
    const log = path.join(dir, "calls");
    stdout = execFileSync("bash", [SCRIPT, "staging"], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, CALLS: log }, encoding: "utf8" });
    calls = fs.readFileSync(log, "utf8").trim().split("\n");
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("asks each service's target for its wake action and registers exactly those bounds", () => {
    const registers = calls.filter((c) => c.includes("register-scalable-target"));
    expect(registers).toEqual([
      "aws application-autoscaling register-scalable-target --service-namespace ecs --scalable-dimension ecs:service:DesiredCount --resource-id service/platform-f7a2fe3/gateway-7178987 --min-capacity 1 --max-capacity 1",
      "aws application-autoscaling register-scalable-target --service-namespace ecs --scalable-dimension ecs:service:DesiredCount --resource-id service/platform-f7a2fe3/security-1a2b3c4 --min-capacity 1 --max-capacity 1",
      "aws application-autoscaling register-scalable-target --service-namespace ecs --scalable-dimension ecs:service:DesiredCount --resource-id service/platform-f7a2fe3/console-5d6e7f8 --min-capacity 1 --max-capacity 2",
    ]);
    expect(calls.filter((c) => c.includes("describe-scheduled-actions"))).toHaveLength(3);
    expect(stdout).toContain("console-5d6e7f8: awake, 1 to 2 tasks");
  });

  it("refuses to run without a stack, naming its usage", () => {
    expect(() => execFileSync("bash", [SCRIPT], { stdio: "pipe" })).toThrow(/usage: scripts\/wake-stack.sh <stack>/);
  });
});
