/**
 * The stack's picture (scripts/plan/diagram.ts): Mermaid's own parser accepts it for both stacks, it stays inside
 * Mermaid's edge limit, it shows every service, container, file system and listener the program registers, and the
 * architecture picture of docs/architecture.md is the generated one.
 */
import { execFileSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { MAX_EDGES, renderDiagram } from "../scripts/plan/diagram";
import { PlanResult, renderPlan } from "../scripts/plan/index";
import { diagramBlock, documentedDiagram } from "../scripts/readme-diagram";
import { ROOT } from "./support/harness";

const PARSER = path.join(ROOT, "tests", "support", "mermaid-parse.mjs");
type Parsed = { ok: boolean; type?: string; error?: string };
/** Mermaid's parser on several diagrams at once (one child process, one Mermaid load: each load costs about a second). */
const parseAll = (texts: string[]): Parsed[] => JSON.parse(execFileSync(process.execPath, [PARSER], { input: JSON.stringify(texts), cwd: ROOT, encoding: "utf8" }));
const BROKEN = "flowchart LR\n  a[ --> b";

let result: PlanResult;
/** What Mermaid's parser says of each stack's picture and of a broken diagram. */
let parsed: { staging: Parsed; prod: Parsed; broken: Parsed };
beforeAll(async () => {
  result = await renderPlan({ stack: "prod", diff: "staging", appRepoPath: path.join(os.tmpdir(), `no-app-checkout-${process.pid}`) });
  const [staging, prod, broken] = parseAll([renderDiagram(result.stacks.staging!.plan).text, renderDiagram(result.stacks.prod!.plan).text, BROKEN]);
  parsed = { staging, prod, broken };
}, 60_000);

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
