/**
 * `npm run plan -- --base <ref>`: what a change does to each stack, planned at two revisions of a throwaway git
 * repository made here from this checkout's program (its node_modules linked, as the plan links them when the
 * lockfile is unchanged). Three commits: the program with a third stack file (`dev`); a change that adds an alarm
 * to the gateway and doubles staging's gateway task; a change that touches no file the program reads.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, withLookups } from "../lib/program-runner";
import { checkoutBase, runInOwnProcess } from "../scripts/plan/base";
import { StackChange, changeSummary, compareRevisions, costRise } from "../scripts/plan/change";
import { CostEstimate, estimateCost, money } from "../scripts/plan/cost";
import { CHANGE_CLASSES, renderChangeDiagram } from "../scripts/plan/diagram";
import { StackPlan, buildPlan } from "../scripts/plan/model";
import { loadPriceTable } from "../scripts/plan/pricing";
import { prComment, renderChange } from "../scripts/plan/render-change";
import { REPLACE_ON_CHANGE } from "../scripts/plan/replacement";
import { RevisionResult, planRevisions } from "../scripts/plan/revision";
import { MermaidParser, startMermaidParser } from "./support/mermaid";

/**
 * The project as the plan reads it at a revision, copied into the throwaway repository: every tracked file but those
 * of folders that neither the program nor the plan reads in a checkout (the tests, docs, CI, the bootstrap project,
 * the plan's own scripts and lib, which run from this checkout, and the price table: both sides are priced with this
 * checkout's). The policy pack, a workspace, comes too, or the lockfile would not match the packages. That is half of
 * the tracked files, which each of the suite's four checkouts writes out and deletes.
 */
const NOT_READ_IN_A_CHECKOUT = /^(tests|docs|\.github|\.ci|bootstrap|scripts|lib|pricing)\//;
const PROGRAM_FILES = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !NOT_READ_IN_A_CHECKOUT.test(f) && fs.existsSync(path.join(ROOT, f)));
const ALARM = "gateway-chroma-restarts";
const MISSING_APP = path.join(os.tmpdir(), `no-app-checkout-${process.pid}`);

let repo: string;
const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=plan test", "-c", "user.email=plan@example.com", ...args], { cwd: repo, encoding: "utf8" });
const edit = (file: string, from: string | RegExp, to: string) => {
  const text = fs.readFileSync(path.join(repo, file), "utf8");
  if (!(typeof from === "string" ? text.includes(from) : from.test(text))) throw new Error(`${file} no longer has ${from}: update the test's change`);
  fs.writeFileSync(path.join(repo, file), text.replace(from, to));
};

let staging: RevisionResult;
let dev: RevisionResult;
/** Mermaid's parser, started with the suite: it loads in its own process while the program runs in this one. */
let mermaid: MermaidParser;
beforeAll(async () => {
  mermaid = startMermaidParser();
  repo = fs.mkdtempSync(path.join(os.tmpdir(), "plan-repo-"));
  for (const f of PROGRAM_FILES) {
    fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(repo, f));
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"), "dir");
  fs.writeFileSync(path.join(repo, ".gitignore"), "node_modules\n");
  // A third stack, as an engineer's own: staging's file under another name, in another network.
  fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8").replace("10.20.0.0/16", "10.40.0.0/16"));
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "the program");

  edit("components/systems/gateway.ts", 'import * as pulumi from "@pulumi/pulumi";', 'import * as aws from "@pulumi/aws";\nimport * as pulumi from "@pulumi/pulumi";');
  edit(
    "components/systems/gateway.ts",
    "    this.url = platform.endpoint(GATEWAY_ENDPOINT).url;",
    `    new aws.cloudwatch.MetricAlarm("${ALARM}", { comparisonOperator: "GreaterThanThreshold", evaluationPeriods: 1, metricName: "RestartCount", namespace: "ECS/ContainerInsights", period: 300, statistic: "Sum", threshold: 0 }, parent);\n    this.url = platform.endpoint(GATEWAY_ENDPOINT).url;`,
  );
  edit("Pulumi.staging.yaml", "ai-platform:gatewayCpu: 512", "ai-platform:gatewayCpu: 1024");
  edit("Pulumi.staging.yaml", "ai-platform:gatewayMemory: 2048", "ai-platform:gatewayMemory: 4096");
  git("commit", "-qam", "gateway: a Chroma restart alarm; staging's gateway task doubled");

  fs.writeFileSync(path.join(repo, "NOTES.md"), "Nothing the program reads.\n");
  git("add", "-A");
  git("commit", "-qm", "notes");

  staging = await planRevisions({ projectDir: repo, base: "HEAD~2", stacks: ["staging"], appRepoPath: MISSING_APP });
  dev = await planRevisions({ projectDir: repo, base: "HEAD~1", appRepoPath: MISSING_APP, stacks: ["dev"] });
}, 60_000);

afterAll(() => {
  mermaid.stop();
  fs.rmSync(repo, { recursive: true, force: true });
});

const only = (r: RevisionResult) => r.stacks[0];
const changeOf = (r: RevisionResult): StackChange => only(r).change!;
const costs = (r: RevisionResult): [CostEstimate, CostEstimate] => [only(r).base!, only(r).head].map((p) => estimateCost(p, loadPriceTable(p.region))) as [CostEstimate, CostEstimate];

describe("a change planned against a base revision", () => {
  it("lists exactly what the change adds and replaces, with the service that takes the new task definition", () => {
    const c = changeOf(staging);
    expect(c.resources.map((r) => [r.kind, r.type, r.name])).toEqual([
      ["replace", "aws:ecs/taskDefinition:TaskDefinition", "gateway"],
      ["add", "aws:cloudwatch/metricAlarm:MetricAlarm", ALARM],
      ["update", "aws:ecs/service:Service", "gateway"],
    ]);
    expect(c.resources.every((r) => r.owner === "gateway" && !r.flagged)).toBe(true);
    expect(c.resources[0].reasons).toEqual([`\`cpu\`, \`memory\` changed (replace-on-change: ${REPLACE_ON_CHANGE["aws:ecs/taskDefinition:TaskDefinition"].source})`]);
    expect(c.resources[2].reasons).toEqual(["`taskDefinition` takes the new ID of TaskDefinition `gateway`, which is replaced"]);
    expect(c.settings).toEqual([{ key: "MCP Gateway (gateway): task size", values: ["512 CPU / 2048 MiB X86_64", "1024 CPU / 4096 MiB X86_64"] }]);
  });

  it("gives the monthly cost before and after, the difference being the bigger task's Spot hours and one alarm metric at the table's prices", () => {
    const c = changeOf(staging);
    const [before, after] = costs(staging);
    const t = after.table.prices;
    const gateway = after.capacity.find((x) => x.service === "gateway")!;
    // 0.5 vCPU and 2 GB more, on Spot, for the hours the sleeping stack is awake; one more alarm metric.
    const expected = gateway.tasks * (0.5 * t.fargateSpotVcpuHourX86.usd + 2 * t.fargateSpotGbHourX86.usd) * gateway.hoursPerMonth + t.alarmMetricMonth.usd;
    expect(c.cost!.total).toEqual([before.total, after.total]);
    expect(after.total - before.total).toBeCloseTo(expected, 1);
    const row = c.cost!.byOwner.find((o) => o.owner === "MCP Gateway")!;
    expect(row.values[1] - row.values[0]).toBeCloseTo(expected, 1);
    for (const o of c.cost!.byOwner.filter((x) => x.owner !== "MCP Gateway")) expect(o.values[0]).toBe(o.values[1]);
    expect(changeSummary(c)).toBe(
      `\`staging\` against ${staging.base}: 1 to replace, 1 to add, 1 to update; 1 setting changed; ` +
        `estimated ${money(before.total)} → ${money(after.total)} a month (+${money(after.total - before.total)}, +${Math.round(((after.total - before.total) / before.total) * 1000) / 10} %).`,
    );
    expect(staging.base).toBe(`HEAD~2 (${git("rev-parse", "HEAD~2").trim().slice(0, 7)})`);
  });

  it("marks the changed system in the picture (Mermaid's parser reads it below)", () => {
    const text = only(staging).diagram!.text;
    expect(text).toContain(`  classDef changed ${CHANGE_CLASSES.changed}\n  class svc_gateway changed`);
    expect(renderChange(changeOf(staging), only(staging).diagram)).toContain("```mermaid\n" + text + "\n```");
  });

  it("gives a stack the change leaves alone one line, and plans a third stack file like the committed ones", () => {
    const c = changeOf(dev);
    expect(c.stack).toBe("dev");
    expect(c.resources).toEqual([]);
    expect(c.settings).toEqual([]);
    const [, after] = costs(dev);
    expect(renderChange(c)).toBe(`\`dev\`: no change against ${dev.base} (${c.resourceCount} resources, ${money(after.total)} a month).`);
    expect(only(dev).head.network.cidr).toBe("10.40.0.0/16");
    expect(only(dev).head.run.find("aws:cloudwatch/metricAlarm:MetricAlarm", ALARM)).toBeDefined();
  });
});

describe("a replacement of something stateful", () => {
  /** The working tree's staging plan with one captured resource changed as a later commit might change it. */
  const variant = (change: (fs: { name: string; urn: string; inputs: Record<string, unknown> }) => void): StackPlan => {
    const head = only(staging).head;
    const data = JSON.parse(JSON.stringify({ stack: head.run.stack, config: head.run.config, resources: head.run.resources, outputs: head.run.outputs, warnings: head.run.warnings }));
    change(data.resources.find((r: { type: string; name: string }) => r.type === "aws:efs/fileSystem:FileSystem" && r.name === "security"));
    return buildPlan(withLookups(data), { appRepoPath: head.appRepoPath });
  };
  const compare = (head: StackPlan) => compareRevisions(only(staging).head, head, { baseLabel: "HEAD", dirs: [repo] });

  it("is listed first and flagged, with the replace-on-change field and what the file system holds", () => {
    const c = compare(variant((fs) => (fs.inputs.performanceMode = "maxIO")));
    const first = c.resources[0];
    expect([first.kind, first.type, first.name, first.flagged]).toEqual(["replace", "aws:efs/fileSystem:FileSystem", "security", true]);
    expect(first.reasons).toEqual([`\`performanceMode\` changed (replace-on-change: ${REPLACE_ON_CHANGE["aws:efs/fileSystem:FileSystem"].source})`]);
    expect(first.loses).toMatch(/^holds the system's files/);
    expect(c.resources.slice(1).every((r) => !r.flagged)).toBe(true);
    const text = renderChange(c);
    expect(text).toContain("> **⚠️ 1 stateful or protected resource is deleted by this change**");
    expect(text.split("\n").find((l) => l.startsWith("| ⚠️") || l.startsWith("| ±") || l.startsWith("| +") || l.startsWith("| ~"))).toMatch(/^\| ⚠️ ± replace \| FileSystem `security` \| AI Security Stack \|/);
    expect(changeSummary(c)).toContain("1 stateful or protected deleted");
  });

  it("takes a renamed URN without an alias as a replacement, and one with an alias as the same resource", () => {
    const renamed = compare(
      variant((fs) => {
        fs.urn = fs.urn.replace(/::security$/, "::security-data");
        fs.name = "security-data";
      }),
    );
    expect(renamed.resources[0]).toMatchObject({ kind: "replace", name: "security-data", flagged: true });
    expect(renamed.resources[0].reasons[0]).toBe("renamed from `security` without an alias: Pulumi deletes the old resource and creates this one");
    const aliased = compare(
      variant((fs) => {
        (fs as unknown as { aliases: string[] }).aliases = [fs.urn];
        fs.urn = fs.urn.replace(/::security$/, "::security-data");
        fs.name = "security-data";
      }),
    );
    expect(aliased.resources).toEqual([expect.objectContaining({ kind: "update", name: "security-data", flagged: false, reasons: ["renamed from `security`; its alias keeps the resource"] })]);
  });
});

describe("the picture of a change", () => {
  it("draws what the base had and the change removes, dashed and marked, and what it adds marked; Mermaid's parser accepts them and the change's", async () => {
    const head = only(staging).head;
    const withoutConsole: StackPlan = { ...head, services: head.services.filter((s) => s.owner !== "uiConsole"), images: head.images.filter((i) => i.owner !== "uiConsole") };
    const none = compareRevisions(head, head, { baseLabel: "HEAD", dirs: [] });
    const removed = renderChangeDiagram(head, withoutConsole, none).text;
    const added = renderChangeDiagram(withoutConsole, head, none).text;
    const results = await mermaid.parse([only(staging).diagram!.text, removed, added, "flowchart LR\n  a[ --> b"]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(results[0].type).toBe("flowchart-v2");
    expect(removed).toContain("  class svc_console,container_console_console,ecr_console removed");
    expect(removed).toContain("  svc_console -.-> container_console_console");
    expect(added).toContain("  class svc_console,container_console_console,ecr_console added");
    expect(added).not.toContain("-.->");
  });
});

describe("the pull-request comment", () => {
  it("marks on its first line a stack whose monthly cost rises past the threshold, and only then", () => {
    const rise = costRise(changeOf(staging))! * 100;
    expect(rise).toBeGreaterThan(1);
    const [before, after] = changeOf(staging).cost!.total;
    const marked = prComment(staging, Math.floor(rise) - 1).split("\n")[0];
    expect(marked).toBe(`**⚠️ Monthly cost rises more than ${Math.floor(rise) - 1} %: \`staging\` +${Math.round(rise * 10) / 10} % (${money(before)} → ${money(after)}).**`);
    const calm = prComment(staging, Math.ceil(rise)).split("\n");
    expect(calm[0]).toBe(`**Offline plan of this change against ${staging.base}:** no stack's monthly cost rises more than ${Math.ceil(rise)} %.`);
    expect(calm).toContain(`- ${changeSummary(changeOf(staging))}`);
    expect(calm.join("\n")).toContain("<summary><code>staging</code>: resources, settings, cost and picture</summary>");
  });

  it("gives an unchanged stack its one line and no details", () => {
    const comment = prComment(dev);
    expect(comment).toContain(`- ${renderChange(changeOf(dev))}`);
    expect(comment).not.toContain("<details>");
  });
});

describe("the base checkout", () => {
  it("links this checkout's packages while the lockfile is the same, and installs its own and runs apart when it differs", () => {
    // By its full commit hash, as CI gives the base: the same checkout shows the short label such a ref gets.
    const sha = git("rev-parse", "HEAD").trim();
    const same = checkoutBase(repo, sha, () => {
      throw new Error("no install expected");
    });
    try {
      expect(same.label).toBe(sha.slice(0, 7));
      expect(same.sharesPackages).toBe(true);
      expect(fs.realpathSync(path.join(same.dir, "node_modules"))).toBe(fs.realpathSync(path.join(ROOT, "node_modules")));
      expect(fs.existsSync(path.join(same.dir, "Pulumi.dev.yaml"))).toBe(true);
    } finally {
      same.remove();
    }
    expect(fs.existsSync(same.dir)).toBe(false);

    edit("package-lock.json", /"version": "0\.1\.0"/, '"version": "0.1.1"');
    git("commit", "-qam", "lockfile");
    // The stand-in for `npm ci` links the same packages; the run still goes to a process of its own, which loads
    // Pulumi from the checkout's node_modules.
    const installed: string[] = [];
    const other = checkoutBase(repo, "HEAD~1", (dir) => {
      installed.push(dir);
      fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    });
    try {
      expect(other.sharesPackages).toBe(false);
      expect(installed).toEqual([other.dir]);
      const run = runInOwnProcess({ stack: "dev", root: other.dir, appRepoPath: MISSING_APP, env: { AI_PLATFORM_OFFLINE_PLAN: "1" } });
      expect(run.resources.map((r) => r.urn)).toEqual(only(dev).head.run.resources.map((r) => r.urn));
    } finally {
      other.remove();
    }
    expect(() => checkoutBase(repo, "no-such-ref")).toThrow("--base no-such-ref: not a commit of the repository");
  });
});
