/**
 * scripts/pr-comment.sh, run by bash against a stand-in for the gh CLI: the stand-in answers the comment list
 * through the script's own jq filter (real jq, over the pull request's comments it is given) and records every call
 * with the body it sent. One comment per pull request, edited in place; a fork's plan in the job summary only.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./support/harness";
import { describeWithTool } from "./support/tools";

const SCRIPT = path.join(ROOT, "scripts", "pr-comment.sh");
const MARKER = "<!-- ai-platform:offline-plan -->";
const BODY = "**⚠️ Monthly cost rises more than 10 %: `prod` +12.5 % ($400.00 → $450.00).**\n\n- `prod` against main (3f2c1ab): 1 to add; 0 settings changed.\n";

/** gh: `api --paginate ... --jq F` runs jq F over $COMMENTS; every call is logged, with the body file it names. */
const GH = `#!/bin/bash
printf 'gh %s\\n' "$*" >> "$CALLS"
for a in "$@"; do
  case "$a" in body=@*) cat "\${a#body=@}" > "$SENT" ;; esac
done
if [[ "$1 $2 $4" == "pr comment --body-file" ]]; then cat "$5" > "$SENT"; fi
if [[ "$1" == "api" && "$2" == "--paginate" ]]; then
  while [[ $# -gt 0 && "$1" != "--jq" ]]; do shift; done
  jq -r "$2" <<<"$COMMENTS"
fi
`;

function run(env: { sameRepository: boolean; comments?: { id: number; body: string }[] }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pr-comment-"));
  const file = (name: string) => path.join(dir, name);
  fs.writeFileSync(file("gh"), GH, { mode: 0o755 });
  fs.writeFileSync(file("body.md"), BODY);
  fs.writeFileSync(file("summary.md"), "");
  const result = spawnSync("bash", [SCRIPT], {
    env: {
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      CALLS: file("calls"),
      SENT: file("sent"),
      COMMENTS: JSON.stringify(env.comments ?? []),
      BODY_FILE: file("body.md"),
      PR_NUMBER: "42",
      SAME_REPOSITORY: String(env.sameRepository),
      GITHUB_STEP_SUMMARY: file("summary.md"),
      GH_REPO: "o/r",
    },
    encoding: "utf8",
  });
  const read = (name: string) => (fs.existsSync(file(name)) ? fs.readFileSync(file(name), "utf8") : "");
  const out = { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: read("calls").trim().split("\n").filter(Boolean), sent: read("sent"), summary: read("summary.md") };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

const verbs = (calls: string[]) => calls.map((c) => c.split(" ").slice(1, 3).join(" "));

describeWithTool("jq", "apt-get install -y jq")("scripts/pr-comment.sh", () => {
  it("comments the plan on a pull request that has no plan comment yet, the cost line first and the marker last", () => {
    const { status, calls, sent, summary } = run({ sameRepository: true, comments: [{ id: 7, body: "LGTM" }] });
    expect(status).toBe(0);
    expect(verbs(calls)).toEqual(["api --paginate", "pr comment"]);
    expect(calls[1]).toMatch(/^gh pr comment 42 --body-file /);
    expect(sent).toBe(`${BODY}\n${MARKER}\n`);
    expect(sent.split("\n")[0]).toBe(BODY.split("\n")[0]);
    expect(summary).toBe(sent);
  });

  it("edits the plan comment in place on the next push instead of adding a second", () => {
    const { status, calls, sent } = run({
      sameRepository: true,
      comments: [
        { id: 7, body: "LGTM" },
        { id: 99, body: `old plan\n${MARKER}\n` },
      ],
    });
    expect(status).toBe(0);
    expect(verbs(calls)).toEqual(["api --paginate", "api --method"]);
    expect(calls[1]).toMatch(/^gh api --method PATCH repos\/\{owner\}\/\{repo\}\/issues\/comments\/99 -F body=@/);
    expect(sent).toBe(`${BODY}\n${MARKER}\n`);
  });

  it("puts a fork's plan in the job summary and calls gh not at all", () => {
    const { status, calls, summary, stdout } = run({ sameRepository: false });
    expect(status).toBe(0);
    expect(calls).toEqual([]);
    expect(summary).toBe(`${BODY}\n${MARKER}\n`);
    expect(stdout).toContain("#42 is from a fork: the plan is in the job summary");
  });
});
