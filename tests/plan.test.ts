/**
 * The offline plan (`npm run plan`): what a reviewer of a fork's pull request reads instead of `pulumi preview`.
 * The program runs once per stack (prod planned against staging) with an app checkout that does not exist, as on a
 * fresh clone; one child process checks the command's config-error path. The plan's picture of each stack is read
 * by Mermaid's own parser (tests/support/mermaid.ts), and docs/architecture.md's picture is the generated one.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, parseArgs } from "../scripts/plan";
import { ASSUMPTIONS, CostEstimate, estimateCost, kmsKeyMonthly, money, priceOf } from "../scripts/plan/cost";
import { MAX_EDGES, renderDiagram } from "../scripts/plan/diagram";
import { PlanResult, StackResult, renderPlan } from "../scripts/plan/index";
import { PRICE_KEYS, PriceTableError, loadPriceTable, tieredCharge } from "../scripts/plan/pricing";
import { secretValues } from "../scripts/plan/run";
import { diagramBlock, documentedDiagram } from "../scripts/readme-diagram";
import { graphDeployTime } from "./support/deploy-time";
import { FIXTURE_APP_REPO } from "./support/harness";
import { Parsed, startMermaidParser } from "./support/mermaid";

const MISSING_CHECKOUT = path.join(os.tmpdir(), `no-app-checkout-${process.pid}`);

let result: PlanResult;
let staging: StackResult;
let prod: StackResult;
const costOf = (r: StackResult): CostEstimate => {
  if (typeof r.cost === "string") throw new Error(`no cost estimate: ${r.cost}`);
  return r.cost;
};

const BROKEN = "flowchart LR\n  a[ --> b";
/** What Mermaid's parser says of each stack's picture and of a broken diagram. */
let parsed: { staging: Parsed; prod: Parsed; broken: Parsed };

beforeAll(async () => {
  // The parser loads in its own process while the program runs in this one.
  const parser = startMermaidParser();
  try {
    result = await renderPlan({ stack: "prod", diff: "staging", appRepoPath: MISSING_CHECKOUT });
    staging = result.stacks.staging!;
    prod = result.stacks.prod!;
    const [stagingPicture, prodPicture, broken] = await parser.parse([renderDiagram(staging.plan).text, renderDiagram(prod.plan).text, BROKEN]);
    parsed = { staging: stagingPicture, prod: prodPicture, broken };
  } finally {
    parser.stop();
  }
});

describe("the resource tree", () => {
  it("shows staging's NAT instance and prod's NAT gateway per AZ", () => {
    expect(staging.markdown).toContain("- NAT: instance `network-nat` (t4g.nano) for every private subnet (one instance of failure");
    expect(prod.markdown).toContain("- NAT: OnePerAz → 3 NAT gateways");
    expect(prod.markdown).toContain("`10.30.0.0/16`, 3 AZs");
  });

  it.each(["staging", "prod"])("shows %s serving HTTPS on 443 with its TLS policy and redirecting port 80", (stack) => {
    const { markdown } = stack === "prod" ? prod : staging;
    const httpsRow = markdown.split("\n").find((l) => l.startsWith("| `platform-listener-443` | 443 | HTTPS |"));
    expect(httpsRow).toMatch(/\| ELBSecurityPolicy-TLS13-[^|]+ \|$/);
    expect(markdown).toContain("| `platform-listener-80` | 80 | HTTP | redirect → HTTPS:443 (HTTP_301) | — |");
    expect(markdown).toContain(`- Certificate: gateway.${stack === "prod" ? "" : "staging."}tupl.example.com + api.`);
  });

  it("shows each service's size, deployment bounds, target-group health check and listener rules", () => {
    expect(prod.markdown).toContain("- Task `prod-gateway`: 1024 CPU units (1 vCPU), 4096 MiB, X86_64");
    expect(prod.markdown).toContain("- Deployment: min healthy 0% / max 100%, circuit breaker on (rollback)");
    expect(prod.markdown).toContain("| `gateway-3000` | gateway:3000 (HTTP) | HTTP /health on 3000, expects 200 | 5 s / 4 s | 2 / 3 | 20 s |");
    expect(prod.markdown).toContain("| HTTPS:443 | 125 | host gateway.tupl.example.com and path /api/keys* and source 198.51.100.0/24 | forward → gateway-3000 |");
    expect(prod.markdown).toContain("- Tasks: autoscaling 2–6");
  });

  it("shows the containers' health checks in short and the EFS volumes with their protection", () => {
    expect(prod.markdown).toMatch(/\| gateway \| `gateway-\w+ \(not built\)` \| 3000 \| `node` GET :3000\/health, body status = healthy/);
    expect(prod.markdown).toContain("`python` TCP connect :50051");
    expect(prod.markdown).toMatch(/- EFS `security`: elastic throughput, encrypted on, protect on, retain on delete on/);
    expect(staging.markdown).toMatch(/- EFS `security`: bursting throughput, encrypted on, protect off, retain on delete off/);
    expect(prod.markdown).toContain("- Logs: `/ecs/prod/gateway`, kept 90 days");
  });

  it("warns that the app checkout is missing and plans the rest", () => {
    expect(staging.markdown).toContain(`> **Warning:** image gateway: the app repo checkout is missing ${MISSING_CHECKOUT}`);
    expect(result.warnings).toContainEqual(expect.stringContaining(`staging: image security: the app repo checkout is missing ${MISSING_CHECKOUT}`));
    expect(staging.plan.services.map((s) => s.name).sort()).toEqual(["console", "gateway", "security"]);
  });

  it("needs no stand-in for any value, and never prints a secret value", () => {
    expect(staging.markdown).not.toContain("Stand-ins");
    expect(staging.markdown).toContain("- Secret `gateway-gemini-api-key`: an operator's, in Secrets Manager (scripts/stack-secrets.sh)");
    const secrets = [...secretValues(staging.plan), ...secretValues(prod.plan)];
    expect(secrets).toContainEqual(expect.stringMatching(/^tupl_[0-9a-f]{64}$/));
    for (const text of [result.text, staging.markdown, prod.markdown, ...result.warnings]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });
});

describe("outputs and rollout bounds", () => {
  it("lists every output of the contract", () => {
    for (const key of Object.keys(prod.plan.run.outputs)) expect(prod.markdown).toContain(`| \`${key}\` |`);
    expect(prod.markdown).toContain("| `gatewayUrl` | `https://gateway.tupl.example.com` |");
  });

  it("gives each service's rollout bound as healthyThreshold × interval + deregistration delay, equal to the output", () => {
    const bounds = prod.plan.run.outputs.rolloutBoundSeconds as Record<string, number>;
    const gateway = prod.plan.services.find((s) => s.owner === "gateway")!.targetGroups[0];
    expect(gateway.healthyThreshold * gateway.intervalSeconds + gateway.deregistrationDelaySeconds).toBe(bounds.gateway);
    expect(prod.markdown).toContain(
      `| MCP Gateway | ${bounds.gateway} s | ${gateway.healthyThreshold} × ${gateway.intervalSeconds} s + ${gateway.deregistrationDelaySeconds} s = ${bounds.gateway} s |`,
    );
    expect(prod.markdown).not.toContain("differs from the output");
  });

  it("shows each service's configured wait, later deploy, first start and cutover beside its timeouts, as the graph gives them", () => {
    for (const r of [staging, prod]) {
      expect(r.plan.services.length).toBeGreaterThan(0);
      for (const s of r.plan.services) {
        const d = s.deployTime!;
        const g = graphDeployTime(r.plan.run, r.plan.run.get("aws:ecs/service:Service", s.name));
        expect(d.totalSeconds).toBe(d.taskStartSeconds + d.healthySeconds + d.targetHealthySeconds + d.replaceOldSeconds + d.bakeSeconds);
        expect([s.name, d.totalSeconds, d.firstStart.totalSeconds, d.configuredWaitSeconds, d.cutoverSeconds]).toEqual([
          s.name,
          g.later,
          g.firstStart,
          g.configuredWait,
          g.cutover,
        ]);
        const row = r.markdown.split("\n").find((l) => l.startsWith(`| \`${s.name}\` | ${g.configuredWait} s: ${g.bake} bake + ${g.drain} drain`))!;
        expect([s.name, row]).toEqual([s.name, expect.stringContaining(`| ${s.timeouts!.update} (delete ${s.timeouts!.delete}) |`)]);
        expect(row).toContain(` ${g.later} s `);
        expect(row).toContain(` ${g.firstStart} s `);
        if (g.cutover !== undefined) expect(row).toContain(`| ${g.cutover} s: ${g.drain} drain + ${g.stop} stop + ${g.targetHealthy} target |`);
      }
    }
  });

  it("shows prod's every service within issue #29's goals, and marks a figure over one", () => {
    const section = prod.markdown.slice(prod.markdown.indexOf("## Deploy-time bound and timeout"), prod.markdown.indexOf("### What rolls a bad image back"));
    expect(section).toContain("| `security` | 110 s: 60 bake + 20 drain + 30 stop |");
    expect(section).not.toContain("over the goal");
  });

  it("shows what rolls a bad image of each service back, and how soon, as the graph gives it", () => {
    for (const s of prod.plan.services) {
      const g = graphDeployTime(prod.plan.run, prod.plan.run.get("aws:ecs/service:Service", s.name));
      const row = prod.markdown.split("\n").find((l) => l.startsWith(`| \`${s.name}\` | ${g.circuitBreakerThreshold} failed tasks |`))!;
      expect([s.name, row]).toEqual([s.name, expect.stringContaining(`≈ ${g.crash} s`)]);
      expect(row).toContain(`≈ ${g.neverHealthy} s`);
      expect(row).toContain(`${g.bake} s after the errors start`);
    }
  });
});

describe("docs/architecture.md's deploy figures", () => {
  const readme = () => fs.readFileSync(path.join(__dirname, "..", "docs", "architecture.md"), "utf8");
  const minutes = (n: number) => Math.ceil(n / 60);

  it("are prod's, as the plan computes them: configured wait, later deploy, first start, cutover, timeouts", () => {
    for (const s of prod.plan.services) {
      const d = s.deployTime!;
      const wait = `${d.configuredWaitSeconds} (${d.bakeSeconds} + ${d.drainSeconds}${d.cutoverSeconds === undefined ? "" : ` + ${d.stopSeconds}`})`;
      const cutover = d.cutoverSeconds === undefined ? "— (new tasks start first)" : `${d.cutoverSeconds} (${d.drainSeconds} + ${d.stopSeconds} + ${d.targetHealthySeconds})`;
      const first = d.firstStart.totalSeconds === d.totalSeconds ? `${d.firstStart.totalSeconds}` : `${d.firstStart.totalSeconds} (${minutes(d.firstStart.totalSeconds)} min)`;
      const row = `| ${s.name} | ${wait} | ${d.totalSeconds} (${minutes(d.totalSeconds)} min) | ${first} | ${cutover} | ${s.timeouts!.update.replace("m", " min")} |`;
      expect(readme()).toContain(row);
    }
  });

  it("give prod's rollback times of a task that never turns healthy", () => {
    const never = (name: string) => `${name} ≈ ${minutes(prod.plan.services.find((s) => s.name === name)!.rollback!.neverHealthySeconds)} min`;
    expect(readme()).toContain(`${never("console")}, ${never("gateway")}, ${never("security")}: 3 × (180 s start`);
    for (const s of prod.plan.services) expect(s.rollback!.crashSeconds).toBe(9 * 60);
  });
});

describe("the cost estimate", () => {
  it("totals each system and the stack in dollars, prod above staging", () => {
    const [s, p] = [costOf(staging), costOf(prod)];
    for (const c of [s, p]) {
      expect(Number.isFinite(c.total)).toBe(true);
      expect(c.total).toBeGreaterThan(0);
      for (const owner of ["gateway", "securityStack", "uiConsole", "shared"] as const) expect(c.byOwner[owner]).toBeGreaterThan(0);
      expect(c.total).toBeCloseTo(Object.values(c.byOwner).reduce((n, v) => n + v, 0), 2);
    }
    expect(p.total).toBeGreaterThan(s.total);
    expect(prod.markdown).toContain(`**Estimated total: ${money(p.total)} per month**`);
    expect(prod.markdown).toContain(`| **Total** | **${money(p.total)}** |`);
  });

  it("prices egress by strategy: staging's NAT instance by the hour and its disk, a NAT gateway per AZ in prod", () => {
    const line = (c: CostEstimate, item: string) => c.lines.find((l) => l.item.startsWith(item));
    expect(line(costOf(staging), "NAT gateways")).toBeUndefined();
    expect(line(costOf(staging), "NAT instance (t4g.nano)")!.basis).toBe("730 h × $0.0046 + 8 GB gp3 × $0.088");
    expect(line(costOf(staging), "Public IPv4 addresses")!.basis).toBe("(2 ALB nodes + 0 NAT EIPs + 1 NAT instance) × 730 h × $0.005");
    expect(line(costOf(prod), "NAT gateways")!.basis).toMatch(/^3 × 730 h × \$0\.048 /);
    expect(line(costOf(prod), "NAT instance")).toBeUndefined();
  });

  it("prices the console at its autoscaling floor and says what its ceiling costs", () => {
    const line = costOf(prod).lines.find((l) => l.item === "Fargate x86 (console)")!;
    expect(line.basis).toMatch(/^2 tasks × \(0\.25 vCPU/);
    expect(costOf(prod).notes).toContainEqual(expect.stringMatching(/^console is priced at its autoscaling floor of 2 tasks; at its ceiling of 6 tasks/));
  });

  it("names an AWS pricing page and a date on every price line, and the region of figures not found for eu-west-1", () => {
    const header = "| price | unit | USD | figure for | source | read via | date |";
    const lines = prod.markdown.split("\n");
    const start = lines.indexOf(header);
    expect(start).toBeGreaterThan(0);
    const end = lines.indexOf("", start);
    const rows = lines.slice(start + 2, end);
    expect(rows).toHaveLength(PRICE_KEYS.length);
    for (const row of rows) {
      const cells = row.split(" | ");
      expect(cells[4]).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z0-9-]+\/pricing\/$/);
      expect(cells[6]).toMatch(/^\d{4}-\d{2}(-\d{2})? \|$/);
      expect(cells[3]).toMatch(/^eu-west-1$|^\*\*us-east-1\*\* \(no eu-west-1 figure found\)$/);
    }
    expect(prod.markdown).toContain("- 730 hours in a month");
  });

  it("refuses a region without a price table and names the file to add", () => {
    expect(() => loadPriceTable("us-west-2")).toThrow(PriceTableError);
    expect(() => loadPriceTable("us-west-2")).toThrow("no price table for region us-west-2: add pricing/us-west-2.json (tables exist for: eu-west-1)");
  });
});

describe("the staging/prod diff", () => {
  it("lists the settings that differ, NAT and task sizes among them", () => {
    expect(result.text).toContain("# Diff: prod vs staging");
    expect(result.text).toContain("| NAT | NAT instance (t4g.nano) | OnePerAz (3) |");
    expect(result.text).toContain("| Availability zones | 2 | 3 |");
    expect(result.text).toContain("| MCP Gateway (gateway): task size | 512 CPU / 2048 MiB X86_64 | 1024 CPU / 4096 MiB X86_64 |");
    expect(result.text).toContain("| AI Security Stack (security): task size | 2048 CPU / 8192 MiB X86_64 | 4096 CPU / 16384 MiB X86_64 |");
    expect(result.text).toContain("| EFS gateway: protection | none | protect on, retain on delete on |");
  });

  it("lists resources only in one stack and the cost difference per system", () => {
    expect(result.diff!.onlyIn.prod).toContain("aws:s3/bucket:Bucket platform-alb-logs");
    expect(result.diff!.onlyIn.staging).toContain("aws:cloudwatch/metricAlarm:MetricAlarm gateway-burst-credits");
    const [s, p] = [costOf(staging), costOf(prod)];
    expect(result.diffSummary).toBe(
      `prod vs staging: ${result.diff!.onlyIn.prod.length} resources only in prod, ${result.diff!.onlyIn.staging.length} only in staging; ` +
        `${result.diff!.settings.length} settings differ; estimated cost ${money(s.total)} → ${money(p.total)} per month (+${money(p.total - s.total)}).`,
    );
    expect(result.text).toContain(`| **Total** | **${money(s.total)}** | **${money(p.total)}** | **+${money(p.total - s.total)}** |`);
  });
});

describe("the command line", () => {
  it("takes repeatable --config key=value overrides (values may hold '=')", () => {
    expect(parseArgs(["--stack", "prod", "--diff=staging", "--config", "gatewayCpu=512", "--config", "domain=a=b.example.com"])).toEqual({
      stack: "prod",
      diff: "staging",
      config: { gatewayCpu: "512", domain: "a=b.example.com" },
    });
    expect(() => parseArgs(["--stack", "dev"])).toThrow("--stack: no stack file Pulumi.dev.yaml in");
    expect(() => parseArgs(["--stack", "dev"])).toThrow("(stacks: prod, staging)");
    expect(() => parseArgs(["--stack", "prod", "--config", "gatewayCpu"])).toThrow('--config takes key=value (got "gatewayCpu")');
  });

  it("reports a config error as `pulumi preview` does: every problem on stderr, no stack trace, exit 1", async () => {
    // The command's own main, with the arguments a user types; the CLI exits with the code it returns.
    const child = { stdout: "", stderr: "", status: -1 };
    child.status = await main(["--stack", "staging", "--config", "gatewayCpu=300", "--config", "uiConsoleMinCount=0"], {
      stdout: (t) => (child.stdout += t),
      stderr: (t) => (child.stderr += t),
    });
    expect(child.stdout).toBe("");
    expect(child.stderr).toMatch(/^error: Invalid stack config \(2 problems\):\n/);
    expect(child.stderr).toContain("  - ai-platform:gatewayCpu: 300 is not a Fargate size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384\n");
    expect(child.stderr).toContain("  - ai-platform:uiConsoleMinCount: 0 is out of range; use 1 or more\n");
    expect(child.stderr).not.toMatch(/^\s+at /m);
    expect(child.status).toBe(1);
  });
});

describe("the edge in the plan", () => {
  it("lists the web ACL's rules in evaluation order, each with what it matches and does", () => {
    const waf = prod.plan.platform.waf!;
    expect(waf.rules.map((r) => r.priority)).toEqual([...waf.rules.map((r) => r.priority)].sort((a, b) => a - b));
    const keyApi = waf.rules[0];
    expect(keyApi.action).toBe("block");
    expect(keyApi.match).toBe(
      "(uriPath contains /api/keys after URL_DECODE, NORMALIZE_PATH_WIN, LOWERCASE or (uriPath contains .. after URL_DECODE, LOWERCASE" +
        " and uriPath contains api after URL_DECODE, LOWERCASE and uriPath contains keys after URL_DECODE, LOWERCASE))" +
        " and not (source in IP set waf-key-api (198.51.100.0/24))",
    );
    expect(prod.markdown).toContain("### Web application firewall");
    expect(prod.markdown).toContain("AWS managed group AWSManagedRulesCommonRuleSet (count only: SizeRestrictions_BODY)");
    expect(prod.markdown).toContain("more than 2000 requests per IP in 300 s");
    expect(prod.markdown).toContain("- Logs: `aws-waf-logs-prod`, kept 90 days; redacted headers: authorization, cookie, x-api-key");
  });

  it("prices the web ACL per rule, from the table's WAF prices", () => {
    const line = costOf(prod).lines.find((l) => l.item === "WAF web ACL")!;
    const table = costOf(prod).table.prices;
    const rules = prod.plan.platform.waf!.rules.length;
    expect(line.usd).toBeCloseTo(table.wafWebAclMonth.usd + rules * table.wafRuleMonth.usd + 5 * table.wafRequestsMillion.usd, 2);
    expect(line.prices).toEqual(["wafWebAclMonth", "wafRuleMonth", "wafRequestsMillion"]);
  });

  it("warns once, on stderr and in the plan, when a stack has no domain", async () => {
    const out = { stdout: "", stderr: "" };
    const status = await main(["--stack", "staging", "--config", "domain=", "--config", `appRepoPath=${MISSING_CHECKOUT}`], {
      stdout: (t) => (out.stdout += t),
      stderr: (t) => (out.stderr += t),
    });
    expect(status).toBe(0);
    const warning = /ai-platform:domain is not set, so the load balancer serves plain HTTP/g;
    expect(out.stderr.match(warning)).toHaveLength(1);
    expect(out.stdout.match(warning)).toHaveLength(1);
    expect(staging.markdown).not.toMatch(warning);
  });
});

describe("what staging's Spot and sleep are worth in the plan", () => {
  /** The staging total before Fargate Spot, the sleep schedule and the NAT instance (issue 15). */
  const STAGING_BEFORE = 217.39;

  it("prices staging at most half of what it cost before, with the on-demand, always-on figure beside it", () => {
    const cost = costOf(staging);
    expect(cost.total).toBeLessThanOrEqual(STAGING_BEFORE / 2);
    expect(cost.totalAlwaysOnDemand).toBeGreaterThan(cost.total);
    expect(staging.markdown).toContain(`| **Stack total** |  |  |  | **${money(cost.totalAlwaysOnDemand)}** | **${money(cost.total)}** |`);
  });

  it("prices each service's Spot tasks at the Spot price for its awake hours, and keeps the 24/7 on-demand figure per service", () => {
    const cost = costOf(staging);
    const t = cost.table.prices;
    for (const svc of staging.plan.services) {
      const row = cost.capacity.find((c) => c.service === svc.name)!;
      const [vcpu, gb] = [svc.cpu / 1024, svc.memoryMiB / 1024];
      expect(row.hoursPerMonth).toBeCloseTo((65 * 52) / 12, 1);
      expect(row.spotTasks).toBe(row.tasks);
      expect(row.configured).toBeCloseTo(row.tasks * (vcpu * t.fargateSpotVcpuHourX86.usd + gb * t.fargateSpotGbHourX86.usd) * row.hoursPerMonth, 1);
      expect(row.alwaysOnDemand).toBeCloseTo(row.tasks * (vcpu * t.fargateVcpuHourX86.usd + gb * t.fargateGbHourX86.usd) * 730, 1);
    }
  });

  it("says that a single writer on Spot accepts an outage at each interruption, and prod shows no such table", () => {
    for (const name of ["gateway", "security"]) {
      expect(costOf(staging).notes).toContainEqual(expect.stringMatching(new RegExp(`^${name} is a single writer on Fargate Spot: each Spot interruption is an outage`)));
    }
    expect(prod.markdown).not.toContain("### What capacity and sleep save");
  });
});

describe("backups in the plan", () => {
  it("lists prod's plan, its copy and the replicas, and staging's plan without them", () => {
    expect(prod.markdown).toContain("  - daily: `cron(0 3 * * ? *)` (UTC), kept 35 days, copied to eu-central-1");
    expect(prod.markdown).toContain("  - monthly: `cron(0 4 1 * ? *)` (UTC), kept 372 days, copied to eu-central-1");
    expect(prod.markdown).toContain("- Replication: `gateway` → read-only replica in eu-central-1");
    expect(staging.markdown).toContain("  - daily: `cron(0 3 * * ? *)` (UTC), kept 7 days\n");
    expect(staging.markdown).not.toContain("- Replication:");
  });

  it("prices backup storage in each vault at its own region's price, the copies' transfer, and each replica there", () => {
    const cost = costOf(prod);
    const copyRegion = prod.plan.platform.backup!.copyRegion!;
    const backup = cost.lines.find((l) => l.item === "AWS Backup (security)")!;
    expect(backup.prices).toEqual(["efsBackupGbMonth", `${copyRegion}/efsBackupGbMonth`, "crossRegionTransferGb"]);
    for (const key of backup.prices) expect(priceOf(cost.table, key).date).toMatch(/^\d{4}-\d{2}(-\d{2})?$/);
    expect(priceOf(cost.table, `${copyRegion}/efsBackupGbMonth`).region).toBe(copyRegion);
    for (const r of prod.plan.platform.replication) {
      const line = cost.lines.find((l) => l.item === `EFS replica in ${r.region} (${r.fileSystem})`)!;
      expect(line.prices).toEqual([`${r.region}/efsStandardGbMonth`, "crossRegionTransferGb"]);
      const stored = ASSUMPTIONS.efsStoredGb[r.owner]!;
      const writes = ASSUMPTIONS.efsWriteGb[r.owner]!;
      expect(line.usd).toBeCloseTo(stored * cost.table.copyRegions[r.region].efsStandardGbMonth.usd + writes * cost.table.prices.crossRegionTransferGb.usd, 2);
    }
    expect(costOf(staging).lines.find((l) => l.item === "AWS Backup (security)")!.prices).toEqual(["efsBackupGbMonth"]);
  });

  it("refuses to price a copy in a region the table lacks, and says so instead of using this region's price", () => {
    const table = { ...costOf(prod).table, copyRegions: {} };
    const cost = estimateCost(prod.plan, table);
    expect(cost.lines.filter((l) => l.item.startsWith("EFS replica"))).toEqual([]);
    expect(cost.lines.find((l) => l.item === "AWS Backup (security)")!.prices).toEqual(["efsBackupGbMonth"]);
    expect(cost.unpriced).toContainEqual(expect.stringMatching(/^the EFS replica of security in eu-central-1: pricing\/eu-west-1\.json has no efsStandardGbMonth for eu-central-1/));
    expect(cost.total).toBeLessThan(costOf(prod).total);
  });
});

describe("the prices behind the estimate", () => {
  it("bills Container Insights with enhanced observability per estimated observation, tier by tier", () => {
    const cost = costOf(prod);
    const line = cost.lines.find((l) => l.item === "Container Insights (enhanced)")!;
    const o = ASSUMPTIONS.insightsObservationsPerMinute;
    // Every service of prod runs around the clock: its tasks and containers observed each minute of 730 hours.
    const minutes = 730 * 60;
    const perMinute =
      o.cluster + prod.plan.services.reduce((n, s) => n + o.service + (s.scaling?.min ?? s.desiredCount) * (o.task + s.containers.length * o.container), 0);
    const price = cost.table.prices.containerInsightsObservationsMillion;
    expect(price.tiers![0].upTo).toBeGreaterThan((perMinute * minutes) / 1e6);
    expect(line.usd).toBeCloseTo(((perMinute * minutes) / 1e6) * price.tiers![0].usd, 2);
    expect(line.basis).toContain("M observations a month (estimated");
    expect(tieredCharge({ ...price, tiers: [{ upTo: 10, usd: 0.3 }, { upTo: null, usd: 0.1 }], usd: 0.3 }, 25)).toEqual({ usd: 10 * 0.3 + 15 * 0.1, pastLastTier: false });
    expect(tieredCharge({ ...price, tiers: [{ upTo: 10, usd: 0.3 }], usd: 0.3 }, 25)).toEqual({ usd: 25 * 0.3, pastLastTier: true });
  });

  it("prices a rotating KMS key at its key price plus one rotation price for each of its first two rotations", () => {
    const t = costOf(prod).table.prices;
    const yearly = kmsKeyMonthly(t.kmsKeyMonth.usd, t.kmsRotationMonth.usd, 365);
    expect(yearly).toEqual({ years: [t.kmsKeyMonth.usd, t.kmsKeyMonth.usd + t.kmsRotationMonth.usd, t.kmsKeyMonth.usd + 2 * t.kmsRotationMonth.usd], steady: t.kmsKeyMonth.usd + 2 * t.kmsRotationMonth.usd });
    expect(kmsKeyMonthly(1, 1, undefined)).toEqual({ years: [1, 1, 1], steady: 1 });
    for (const owner of ["gateway", "securityStack", "shared"] as const) {
      const keys = prod.plan.run.ofType("aws:kms/key:Key").filter((k) => prod.plan.ownerOf(k) === owner);
      const line = costOf(prod).lines.find((l) => l.owner === owner && l.item === "KMS keys")!;
      expect(keys.every((k) => k.inputs.enableKeyRotation)).toBe(true);
      expect(line.usd).toBeCloseTo(keys.length * yearly.steady, 2);
      expect(line.basis).toContain(`(year 1: ${money(keys.length * yearly.years[0])}, year 2: ${money(keys.length * yearly.years[1])} a month)`);
    }
  });
});

describe("the release: what each stack is built from, its image tags and its promotion", () => {
  const REASON = "INC-4711: ARM64 hotfix straight to prod";
  let dir: string;
  let commit: string;
  let release: PlanResult;

  beforeAll(async () => {
    // The fixture checkout as a git repository of its own, as a clone of the app is: the plan reads its commit.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-release-"));
    fs.cpSync(FIXTURE_APP_REPO, dir, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", dir, "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { encoding: "utf8" }).trim();
    git("init", "--quiet");
    git("add", ".");
    git("commit", "--quiet", "-m", "the app");
    commit = git("rev-parse", "HEAD");
    // Prod built for another architecture than staging, with the reason: its images are ones staging never ran.
    release = await renderPlan({ stack: "prod", appRepoPath: dir, config: { architecture: "ARM64", promotionOverride: REASON } });
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("gives the app revision the images are built from", () => {
    expect(release.stacks.prod!.markdown).toContain(`## Release\n\n- App revision: \`${commit}\`\n`);
  });

  it("gives each system's image tag and how it compares with what staging, planned from the same checkout, runs", () => {
    const { markdown, plan } = release.stacks.prod!;
    const tags = plan.run.outputs.imageTags;
    const promoted = plan.release.promotion!.systems.find((s) => s.key === "gateway")!;
    expect(markdown).toContain(`- **Promotion override:** "${REASON}"`);
    expect(markdown).toContain(
      `| MCP Gateway | \`${tags.gateway}\` | content tag | ⚠️ overridden: not what staging (prod would run image ${tags.gateway}, staging runs ${promoted.source}) | \`${promoted.source}\` |`,
    );
    expect(promoted.source).not.toBe(tags.gateway);
    expect(markdown).toContain(`| UI Console | \`${tags.uiConsole}\` | app revision | promoted: the same as staging | \`${commit}\` |`);
  });

  it("says of a stack that promotes from none that it deploys what its checkout holds, and lists its tags", () => {
    expect(staging.markdown).toContain("- Promotion: none (`promoteFrom` is empty): this stack deploys what its app checkout holds");
    expect(staging.markdown).toContain("| MCP Gateway | `(not built: app repo checkout missing)` |");
  });

  it("warns of the override, in the plan and on stderr, naming what it lets through", () => {
    const warning = `prod: ai-platform:promotionOverride: prod deploys what staging does not run, because "${REASON}": MCP Gateway (gateway): `;
    expect(release.warnings).toContainEqual(expect.stringContaining(warning));
    expect(release.stacks.prod!.markdown).toContain(`> **Warning:** ${warning.slice("prod: ".length)}`);
  });

  it("compares the promotion of prod and staging in the settings", () => {
    expect(result.diff?.settings).toContainEqual({ key: "Promotion", values: ["none", "from staging"] });
    expect(release.stacks.prod!.plan.settings).toContainEqual({ key: "Promotion", value: `from staging, overridden: "${REASON}"` });
  });
});

describe("the docs' figures that come from the plan", () => {
  const page = (name: string) => fs.readFileSync(path.join(__dirname, "..", "docs", name), "utf8");
  const minutes = (n: number) => Math.ceil(n / 60);
  const service = (r: StackResult, name: string) => r.plan.services.find((s) => s.name === name)!;

  it("price staging as the plan does (docs/architecture.md, Capacity): the total, the same stack always on demand, its backups and Container Insights", () => {
    const cost = costOf(staging);
    const item = (prefix: string) => cost.lines.filter((l) => l.item.startsWith(prefix)).reduce((n, l) => n + l.usd, 0);
    const text = page("architecture.md");
    expect(text).toContain(`The offline plan prices staging at **${money(cost.total)} a month**`);
    expect(text).toContain(`every service on demand around the clock would be ${money(cost.totalAlwaysOnDemand)}`);
    expect(text).toContain(`before these settings it was ${money(217.39)}`);
    expect(text).toContain(`the stack's own backups add ${money(item("AWS Backup"))}`);
    expect(text).toContain(`so it costs what the tasks run (${money(item("Container Insights"))} a month here`);
    const t = cost.table.prices;
    expect(text).toContain(`instead of a NAT gateway (${money(730 * t.natHour.usd + ASSUMPTIONS.natGb * t.natGb.usd)} a month each`);
  });

  it("give staging's single writers' Spot outage as the plan bounds it (docs/architecture.md, Capacity)", () => {
    const outage = (name: string) => {
      const d = service(staging, name).deployTime!;
      return minutes(d.taskStartSeconds + d.healthySeconds + d.targetHealthySeconds);
    };
    expect(page("architecture.md")).toContain(`(up to about ${outage("gateway")} and ${outage("security")} minutes by their deploy-time bounds`);
  });

  it("give the first start of each service as the plan bounds it (docs/deploy.md, First deploy)", () => {
    const first = (name: string) => minutes(service(staging, name).deployTime!.firstStart.totalSeconds);
    expect(page("deploy.md")).toContain(`console ≈ ${first("console")} min, gateway ≈ ${first("gateway")} min, security stack ≈ ${first("security")} min on first start`);
  });

  it("give the redeploy inside a restore's RTO as the plan bounds it (docs/runbook.md, Backups)", () => {
    const bound = (name: string) => minutes(service(staging, name).deployTime!.totalSeconds);
    expect(page("runbook.md")).toContain(`the plan's deploy-time bound: gateway ${bound("gateway")} min, security ${bound("security")} min`);
  });

  it("show a stack the change leaves alone as the plan prints it (docs/plan.md)", () => {
    const resources = /(\d+) resources\./.exec(staging.markdown)![1];
    expect(page("plan.md")).toContain(`(${resources} resources, ${money(costOf(staging).total)} a month)`);
  });
});

describe.each(["staging", "prod"] as const)("the %s picture", (stack) => {
  const plan = () => result.stacks[stack]!.plan;
  const diagram = () => renderDiagram(plan());

  it("is a flowchart Mermaid's parser accepts, inside Mermaid's edge limit", () => {
    expect(parsed[stack]).toEqual({ ok: true, type: "flowchart-v2" });
    expect(diagram().edges).toBeLessThan(MAX_EDGES);
    expect(diagram().edges).toBe(diagram().text.split("\n").filter((l) => l.includes("-->")).length);
  });

  it("shows every service with its containers, every file system, every listener and the topic, as the graph has them", () => {
    const text = diagram().text;
    for (const svc of plan().services) {
      expect(text).toContain(`["service ${svc.name}"]`);
      for (const c of svc.containers) expect(text).toContain(`["${c.name}`);
    }
    for (const v of plan().volumes) expect(text).toContain(`[("EFS ${v.name}")]`);
    for (const l of plan().platform.listeners) expect(text).toContain(`["${l.protocol}:${l.port}"]`);
    expect(text).toContain("SNS alarm topic");
  });

  it("is printed by the plan in a mermaid block (what GitHub renders in the job summary and the PR comment)", () => {
    expect(result.stacks[stack]!.markdown).toContain("```mermaid\n" + diagram().text + "\n```");
  });
});

describe("Mermaid's parser, as the tests use it", () => {
  it("refuses a broken diagram, so a pass above means something", () => {
    expect(parsed.broken.ok).toBe(false);
  });
});

describe("docs/architecture.md's picture", () => {
  it("is the prod picture as `npm run gen:diagram` writes it", () => {
    expect(documentedDiagram()).toBe(diagramBlock(renderDiagram(result.stacks.prod!.plan).text));
  });
});
