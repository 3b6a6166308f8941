/**
 * Adding a system is one descriptor and one component (docs/architecture.md "Add a system"): the fixture in
 * tests/fixtures/fourth-system, run through the real composition, gets its endpoint, listener, service, outputs,
 * dashboard row and plan ownership, and leaves every resource of the three systems as it was.
 */
import * as path from "path";
import { ProgramRun, ROOT, runProgram } from "./support/harness";
import { buildPlan } from "../scripts/plan/model";
import { SYSTEM_REGISTRY } from "../components/systems/registry";
import { STATUS_PAGE_LISTENER_PORT, statusPageSystem } from "./fixtures/fourth-system/status-page";
import { graphDeployTime, rollbackAlarmsOf, rollbackProblems } from "./support/deploy-time";

const PROGRAM = path.join(ROOT, "tests", "fixtures", "fourth-system", "program.ts");
const T = {
  component: "ai-platform:system:StatusPage",
  service: "aws:ecs/service:Service",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
};

let three: ProgramRun;
let four: ProgramRun;
beforeAll(async () => {
  // Without a domain, where a new endpoint adds a listener of its own. (With one, a new endpoint's host also
  // goes into the certificate: ACM replaces the certificate, which is created before the old one goes.)
  three = await runProgram({ stack: "staging", config: { domain: "" } });
  four = await runProgram({ stack: "staging", program: PROGRAM, config: { domain: "" } });
});

describe("a fourth system added with one descriptor and one component", () => {
  it("is built as a component of its own type, with its service", () => {
    const component = four.ofType(T.component);
    expect(component.map((c) => c.name)).toEqual(["status"]);
    const services = four.ofType(T.service).map((s) => s.name).sort();
    expect(services).toEqual([...three.ofType(T.service).map((s) => s.name), "status"].sort());
  });

  it("gets its own listener port and rules in the priority block after the three systems' endpoints", () => {
    const listener = four.ofType(T.listener).find((l) => l.inputs.port === STATUS_PAGE_LISTENER_PORT)!;
    expect(listener).toBeDefined();
    const rules = four.ofType(T.listenerRule).filter((r) => r.inputs.listenerArn === listener.state.arn);
    expect(rules.map((r) => r.inputs.priority)).toEqual([590]);
    const highest = Math.max(...three.ofType(T.listenerRule).map((r) => r.inputs.priority));
    expect(rules[0].inputs.priority).toBeGreaterThan(highest);
    const albIngress = four.ofType(T.ingress).filter((r) => r.inputs.fromPort === STATUS_PAGE_LISTENER_PORT);
    expect(albIngress.length).toBeGreaterThan(0);
  });

  it("appears in the output maps and has its URL output", () => {
    for (const output of ["ecrRepositoryUrls", "logGroupNames", "serviceNames", "rolloutBoundSeconds"]) {
      expect(Object.keys(four.outputs[output]).sort()).toEqual([...Object.keys(three.outputs[output]), "statusPage"].sort());
    }
    expect(four.outputs.statusPageUrl).toBe(`http://${three.outputs.albDnsName}:${STATUS_PAGE_LISTENER_PORT}`);
  });

  it("gets a row on the dashboard", () => {
    const body = JSON.parse(four.ofType(T.dashboard)[0].inputs.dashboardBody);
    expect(body.widgets.some((w: { properties?: { markdown?: string } }) => w.properties?.markdown === "## Status Page")).toBe(true);
  });

  it("rolls a bad image back as the three do (crash, never healthy, 5xx) and never on what a good deploy trips", () => {
    const status = four.get(T.service, "status");
    expect(rollbackAlarmsOf(four, status)).toHaveLength(1);
    expect(rollbackProblems(four)).toEqual([]);
  });

  it("has its deploy time, rollback times and timeouts from its own settings, as the plan shows them", () => {
    const status = four.get(T.service, "status");
    const g = graphDeployTime(four, status);
    const plan = buildPlan(four, { appRepoPath: "" }, [...SYSTEM_REGISTRY, statusPageSystem]).services.find((s) => s.name === "status")!;
    expect([plan.deployTime!.totalSeconds, plan.deployTime!.firstStart.totalSeconds, plan.deployTime!.configuredWaitSeconds]).toEqual([g.later, g.firstStart, g.configuredWait]);
    expect([plan.rollback!.crashSeconds, plan.rollback!.neverHealthySeconds]).toEqual([g.crash, g.neverHealthy]);
    expect(plan.timeouts).toEqual(status.customTimeouts);
  });

  it("is a system of its own in the plan, which costs its resources to it", () => {
    const plan = buildPlan(four, { appRepoPath: "" }, [...SYSTEM_REGISTRY, statusPageSystem]);
    expect(plan.services.find((s) => s.name === "status")?.owner).toBe("statusPage");
    expect(plan.images.find((i) => i.name === "status")?.owner).toBe("statusPage");
  });

  it("is refused, naming what to do, when listed before a system it needs", async () => {
    const misordered = path.join(ROOT, "tests", "fixtures", "fourth-system", "misordered.ts");
    await expect(runProgram({ stack: "staging", program: misordered })).rejects.toThrow(
      "system uiConsole needs gateway, securityStack built before it; list it after them in components/systems/registry.ts and switch them on",
    );
  });

  it("leaves every resource of the three systems with its URN and inputs", () => {
    const after = new Map(four.resources.map((r) => [r.urn, r]));
    // The shared pieces that list every system change by design: the dashboard body and the stack's outputs.
    const changed = three.resources
      .filter((r) => r.type !== T.dashboard && r.type !== "pulumi:pulumi:Stack")
      .filter((r) => JSON.stringify(after.get(r.urn)?.inputs) !== JSON.stringify(r.inputs))
      .map((r) => r.urn);
    expect(changed).toEqual([]);
  });
});
