/**
 * scripts/pre-migration-backup.sh, run by bash against stand-ins for the Pulumi and AWS CLIs (and real jq): the
 * preview it reads is made of the prod program's real image resources, so a change of a single writer's image (its
 * app's or ChromaDB's) takes a recovery point of that system's file system and waits for it, a change of the
 * console's takes none, and a failed or late recovery point stops the deploy.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProgramRun, ROOT, runProgram } from "./support/harness";
import { run as runProcess, testsAtOnce } from "./support/processes";
import { describeWithTool } from "./support/tools";

const SCRIPT = path.join(ROOT, "scripts", "pre-migration-backup.sh");
const IMAGE = "docker-build:index:Image";

let prod: ProgramRun;
beforeAll(async () => {
  prod = await runProgram({ stack: "prod" });
});

/** `pulumi preview --json` of a change that updates the named images (and leaves the rest alone). */
function preview(changed: string[]): string {
  const steps = prod.ofType(IMAGE).map((image) => ({
    op: changed.includes(image.name) ? "update" : "same",
    urn: image.urn,
    newState: { urn: image.urn, type: image.type, parent: image.parentUrn },
  }));
  return JSON.stringify({ steps, changeSummary: { update: changed.length } });
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[];
}

/**
 * Runs the script with stand-ins: the stack's outputs, the preview, and a backup job that goes through `states`.
 * Each run has a directory of its own, so the tests run at once (itAtOnce): their time is bash and jq starting.
 */
async function run(opts: { changed: string[]; states?: string[]; outputs?: Record<string, unknown>; env?: Record<string, string> }): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pre-migration-"));
  const calls = path.join(dir, "calls");
  const counter = path.join(dir, "polls");
  fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(opts.outputs ?? prod.outputs));
  fs.writeFileSync(path.join(dir, "preview.json"), preview(opts.changed));
  fs.writeFileSync(path.join(dir, "states"), (opts.states ?? ["RUNNING", "COMPLETED"]).join("\n"));
  const standIn = (name: string, body: string) => fs.writeFileSync(path.join(dir, name), `#!/bin/bash\nprintf '%s\\n' "${name} $*" >> "${calls}"\n${body}\n`, { mode: 0o755 });
  standIn(
    "pulumi",
    `case "$1 $2" in
  "stack output") cat "${dir}/outputs.json" ;;
  "preview --stack") cat "${dir}/preview.json" ;;
  *) echo "unexpected pulumi $*" >&2; exit 2 ;;
esac`,
  );
  // Each describe-backup-job answers the next state of the list (the last one from then on).
  standIn(
    "aws",
    `case "$1 $2" in
  "efs describe-file-systems") echo "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/$4" ;;
  "backup start-backup-job") echo "job-$(grep -c start-backup-job "${calls}")" ;;
  "backup describe-backup-job")
    n=$(( $(cat "${counter}" 2>/dev/null || echo 0) + 1 )); echo "$n" > "${counter}"
    state=$(sed -n "\${n}p" "${dir}/states"); [[ -n "$state" ]] || state=$(tail -n 1 "${dir}/states")
    printf '%s\\t%s\\n' "$state" "Access denied to the vault key" ;;
  *) echo "unexpected aws $*" >&2; exit 2 ;;
esac`,
  );
  const result = await runProcess("bash", [SCRIPT, "prod"], {
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, POLL_SECONDS: "0", ...opts.env },
  });
  const recorded = fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: recorded };
}

const starts = (r: Run) => r.calls.filter((c) => c.includes("start-backup-job"));

describeWithTool("jq", "apt-get install -y jq")("scripts/pre-migration-backup.sh", () => {
  const itAtOnce = testsAtOnce();

  itAtOnce("takes a recovery point of the gateway's file system for a new ChromaDB image, and of the security stack's for its new image, and waits for both", async () => {
    const r = await run({ changed: ["gateway-chroma", "security"] });
    expect(r.status).toBe(0);
    const { backupVaultName, backupRoleArn, efsFileSystemIds } = prod.outputs;
    expect(starts(r)).toEqual(
      [efsFileSystemIds.gateway, efsFileSystemIds.securityStack].map(
        (id: string) =>
          `aws backup start-backup-job --backup-vault-name ${backupVaultName} --resource-arn arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/${id} ` +
          `--iam-role-arn ${backupRoleArn} --lifecycle DeleteAfterDays=35 --start-window-minutes 60 --complete-window-minutes 25 --query BackupJobId --output text`,
      ),
    );
    expect(r.stdout).toContain("gateway: recovery point ready (job job-1)");
    expect(r.stdout).toContain("securityStack: recovery point ready (job job-2)");
  });

  itAtOnce("takes one for the gateway's own new image too, and none for a change of the console's image alone", async () => {
    const [gateway, console] = await Promise.all([run({ changed: ["gateway"] }), run({ changed: ["console"] })]);
    expect(starts(gateway)).toHaveLength(1);
    expect(console.status).toBe(0);
    expect(starts(console)).toEqual([]);
  });

  itAtOnce("stops the deploy when the recovery point fails, with AWS's reason", async () => {
    const r = await run({ changed: ["security"], states: ["RUNNING", "FAILED"] });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: securityStack: the recovery point before the deploy FAILED (job job-1): Access denied to the vault key; not deploying");
  });

  itAtOnce("stops the deploy when the recovery point is not ready in time", async () => {
    const r = await run({ changed: ["security"], states: ["RUNNING"], env: { BACKUP_TIMEOUT_MINUTES: "0" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: securityStack: no recovery point after 0 minutes (job job-1 is RUNNING); not deploying");
  });

  itAtOnce("has nothing to protect in a stack without a vault yet (a first deploy), and does not preview", async () => {
    const r = await run({ changed: ["security"], outputs: {} });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("pulumi preview") || c.startsWith("aws "))).toEqual([]);
  });
});
