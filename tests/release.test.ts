/**
 * scripts/release.sh, the revision hand-off of the workflows, run by bash against stand-ins for the Pulumi and git
 * CLIs (and real jq). The Pulumi stand-in answers from a small backend of files: each stack's config keys and
 * outputs, a stack without a file being one the backend does not have, as the CLI would answer them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./support/harness";
import { run as runProcess, testsAtOnce } from "./support/processes";
import { describeWithTool } from "./support/tools";

const SCRIPT = path.join(ROOT, "scripts", "release.sh");
const STAGING_COMMIT = "1111111111111111111111111111111111111111";
const PROD_COMMIT = "2222222222222222222222222222222222222222";
const HOTFIX_COMMIT = "3333333333333333333333333333333333333333";

/** What the stand-ins know: stacks' config and outputs, and the app history git answers `log` from. */
interface Backend {
  config?: Record<string, Record<string, string>>;
  outputs?: Record<string, Record<string, unknown>>;
  /** Commits the app checkout has, and the log lines from the first to the second. */
  history?: { commits: string[]; log: string[] };
}

const PULUMI = `#!/bin/bash
echo "pulumi $*" >> "$CALLS"
stack=""; args=()
while [[ $# -gt 0 ]]; do
  case "$1" in --stack) stack="$2"; shift 2 ;; --json) shift ;; *) args+=("$1"); shift ;; esac
done
case "\${args[0]} \${args[1]}" in
  "config get")
    f="$BACKEND/$stack.config.\${args[2]}"
    [[ -f "$f" ]] || { echo "error: configuration key 'ai-platform:\${args[2]}' not found for stack '$stack'" >&2; exit 255; }
    cat "$f" ;;
  "stack output")
    f="$BACKEND/$stack.outputs.json"
    [[ -f "$f" ]] || { echo "error: no stack named '$stack' found" >&2; exit 255; }
    cat "$f" ;;
  *) echo "unexpected pulumi \${args[*]}" >&2; exit 2 ;;
esac
`;

const GIT = `#!/bin/bash
echo "git $*" >> "$CALLS"
[[ "$1" == "-C" ]] && shift 2
case "$1" in
  cat-file) grep -qx "\${3%^{commit\\}}" "$BACKEND/commits" ;;
  log) cat "$BACKEND/log" ;;
  *) echo "unexpected git $*" >&2; exit 2 ;;
esac
`;

describeWithTool("jq", "apt-get install -y jq")("scripts/release.sh", () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "pulumi"), PULUMI, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "bin", "git"), GIT, { mode: 0o755 });
    fs.mkdirSync(path.join(dir, "app"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The tests run at once: their time is bash starting the script and its stand-ins, and each run has a backend
  // directory of its own (the files a test writes itself have names of their own too).
  const itAtOnce = testsAtOnce();

  /** Runs the script against a fresh backend; its stdout, stderr, status and the CLI calls it made. */
  async function run(args: string[], backend: Backend, env: Record<string, string> = {}) {
    const state = fs.mkdtempSync(path.join(dir, "backend-"));
    for (const [stack, keys] of Object.entries(backend.config ?? {})) {
      for (const [key, value] of Object.entries(keys)) fs.writeFileSync(path.join(state, `${stack}.config.${key}`), `${value}\n`);
    }
    for (const [stack, outputs] of Object.entries(backend.outputs ?? {})) fs.writeFileSync(path.join(state, `${stack}.outputs.json`), JSON.stringify(outputs));
    fs.writeFileSync(path.join(state, "commits"), (backend.history?.commits ?? []).join("\n"));
    fs.writeFileSync(path.join(state, "log"), (backend.history?.log ?? []).map((l) => `${l}\n`).join(""));
    const calls = path.join(state, "calls");
    const r = await runProcess("bash", [SCRIPT, ...args], {
      env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, CALLS: calls, BACKEND: state, DEFAULT_REF: "main", ...env },
    });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status, calls: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : [] };
  }

  const staging = { appRevision: STAGING_COMMIT, imageTags: { gateway: "sha-aaaaaaaaaaaaaaaa", securityStack: "sha-bbbbbbbbbbbbbbbb", uiConsole: "sha-cccccccccccccccc" } };
  const prodBefore = { appRevision: PROD_COMMIT, imageTags: { gateway: "sha-aaaaaaaaaaaaaaaa", securityStack: "sha-dddddddddddddddd", uiConsole: "sha-eeeeeeeeeeeeeeee" } };
  const promoting = { config: { prod: { promoteFrom: "staging" } } };

  describe("deploy-ref", () => {
    itAtOnce("checks prod out at the commit staging runs, read from staging's outputs", async () => {
      const r = await run(["deploy-ref", "prod"], { ...promoting, outputs: { staging, prod: prodBefore } });
      expect(r.stdout).toBe(`ref=${STAGING_COMMIT}\nrevision=${STAGING_COMMIT}\nsource=promoted from staging\n`);
      expect(r.calls).toEqual(["pulumi config get promoteFrom --stack prod", "pulumi stack output --json --stack staging"]);
    });

    itAtOnce("checks out the commit the person running the deploy names, whatever staging runs", async () => {
      const r = await run(["deploy-ref", "prod"], { ...promoting, outputs: { staging } }, { REQUESTED_REVISION: HOTFIX_COMMIT });
      expect(r.stdout).toBe(`ref=${HOTFIX_COMMIT}\nrevision=${HOTFIX_COMMIT}\nsource=requested\n`);
      expect(r.calls).toEqual([]);
    });

    itAtOnce("refuses a named revision that is a branch or a short hash", async () => {
      const r = await run(["deploy-ref", "prod"], promoting, { REQUESTED_REVISION: "3333333" });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('app_revision "3333333" is not a full commit hash (40 lowercase hex digits)');
      expect(r.stdout).toBe("");
    });

    itAtOnce("builds staging, which promotes from nothing, from the default branch, leaving the commit to the checkout", async () => {
      const r = await run(["deploy-ref", "staging"], { outputs: { staging } });
      expect(r.stdout).toBe("ref=main\nrevision=\nsource=branch main\n");
    });

    itAtOnce("starts no prod deploy when staging cannot be read, or records no commit to promote", async () => {
      const missing = await run(["deploy-ref", "prod"], promoting);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain("prod promotes from staging, which cannot be read: deploy staging first (a merge to main does)");
      const appRevisions = [undefined, "unknown", `${STAGING_COMMIT}-dirty`];
      const runs = await Promise.all(appRevisions.map((appRevision) => run(["deploy-ref", "prod"], { ...promoting, outputs: { staging: { ...staging, appRevision } } })));
      for (const [i, appRevision] of appRevisions.entries()) {
        const r = runs[i];
        expect([appRevision, r.status, r.stdout]).toEqual([appRevision, 1, ""]);
        expect(r.stderr).toContain(`prod promotes from staging, which records no app commit to promote (appRevision: "${appRevision ?? "none"}"): deploy staging first`);
      }
    });
  });

  describe("running-ref", () => {
    itAtOnce("checks a stack out at the commit it runs, so that the drift check builds what is deployed", async () => {
      const r = await run(["running-ref", "prod"], { ...promoting, outputs: { staging, prod: prodBefore } });
      expect(r.stdout).toBe(`ref=${PROD_COMMIT}\nrevision=${PROD_COMMIT}\nsource=what prod runs\n`);
    });

    itAtOnce("falls back to the default branch for a stack that records no commit, and says so", async () => {
      const r = await run(["running-ref", "prod"], { outputs: { prod: {} } });
      expect(r.stdout).toBe("ref=main\nrevision=\nsource=branch main (prod records no app commit)\n");
    });
  });

  describe("record and summary", () => {
    const prodAfter = { ...staging, imageTags: { ...staging.imageTags, uiConsole: "sha-ffffffffffffffff" } };

    itAtOnce("record saves what the stack runs before the deploy", async () => {
      const file = path.join(dir, "before.json");
      await run(["record", "prod", file], { outputs: { prod: { ...prodBefore, clusterName: "c" } } });
      expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(prodBefore);
    });

    itAtOnce("says which revision and tags prod runs now, what changed, what staging runs, and the commits in between", async () => {
      const before = path.join(dir, "prod-before.json");
      fs.writeFileSync(before, JSON.stringify(prodBefore));
      const r = await run(
        ["summary", "prod", before],
        { ...promoting, outputs: { staging, prod: prodAfter }, history: { commits: [PROD_COMMIT, STAGING_COMMIT], log: ["- 1111111 Fix the summaries", "- 0f0f0f0 Faster start"] } },
        { UP_OUTCOME: "success", APP_DIR: path.join(dir, "app"), APP_REPOSITORY: "acme/app" },
      );
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(
        [
          "## `prod`: what it runs now",
          "",
          `- App revision: \`${STAGING_COMMIT}\` (before: \`${PROD_COMMIT}\`)`,
          `- Promotes from \`staging\`, which runs app revision \`${STAGING_COMMIT}\``,
          "",
          "| system | image tag now | before | changed | staging runs |",
          "|---|---|---|---|---|",
          "| gateway | `sha-aaaaaaaaaaaaaaaa` | `sha-aaaaaaaaaaaaaaaa` | no | `sha-aaaaaaaaaaaaaaaa` |",
          "| securityStack | `sha-bbbbbbbbbbbbbbbb` | `sha-dddddddddddddddd` | **yes** | `sha-bbbbbbbbbbbbbbbb` |",
          "| uiConsole | `sha-ffffffffffffffff` | `sha-eeeeeeeeeeeeeeee` | **yes** | `sha-cccccccccccccccc` |",
          "",
          "Commits since the last deploy (2):",
          "",
          "- 1111111 Fix the summaries",
          "- 0f0f0f0 Faster start",
          "",
        ].join("\n"),
      );
      expect(r.calls).toContainEqual(`git -C ${path.join(dir, "app")} log --format=- %h %s ${PROD_COMMIT}..${STAGING_COMMIT}`);
    });

    itAtOnce("reports a hotfix's override, a failed up, and a first deploy, linking the comparison when the history lacks a commit", async () => {
      const before = path.join(dir, "first-before.json");
      fs.writeFileSync(before, JSON.stringify({ appRevision: null, imageTags: null }));
      const first = await run(["summary", "prod", before], { config: { prod: { promoteFrom: "staging", promotionOverride: "INC-1: hotfix of the login" } }, outputs: { staging, prod: {} } }, { UP_OUTCOME: "failure" });
      expect(first.stdout).toContain("> `pulumi up` did not succeed (failure): the stack's outputs still say what its last successful deploy runs.");
      expect(first.stdout).toContain("- App revision: `none` (unchanged)");
      expect(first.stdout).toContain('- **Promotion override:** "INC-1: hotfix of the login": this deploy may run images `staging` does not');
      expect(first.stdout).toContain("| gateway | — | — | no | `sha-aaaaaaaaaaaaaaaa` |");

      fs.writeFileSync(before, JSON.stringify(prodBefore));
      const linked = await run(["summary", "prod", before], { outputs: { prod: prodAfter } }, { APP_DIR: path.join(dir, "app"), APP_REPOSITORY: "acme/app" });
      expect(linked.stdout).toContain(`Commits since the last deploy: https://github.com/acme/app/compare/${PROD_COMMIT}...${STAGING_COMMIT}\n`);
      expect(linked.stdout).toContain("| system | image tag now | before | changed |\n|---|---|---|---|\n");
    });
  });

  itAtOnce("refuses to run without its arguments, naming its usage", async () => {
    const r = await run(["summary", "prod"], {});
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("usage: scripts/release.sh summary <stack> <file>");
  });
});
