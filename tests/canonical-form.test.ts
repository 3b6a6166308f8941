/**
 * A second `pulumi up` that changes nothing must change nothing: every resource gets the same inputs as on the
 * first run, and every container definition is in the form ECS stores and the provider compares, so the
 * provider's diff (tests/support/ecs-normalisation.ts, ported from its source) finds nothing after ECS's round
 * trip. Otherwise each `up` registers a new task-definition revision and rolls every service.
 */
import { FIXTURE_APP_REPO, ProgramRun, StackName, containerDefinitions, runProgram } from "./support/harness";
import { ecsReturns, emptyCollections, providerSeesChange, providerStateFunc } from "./support/ecs-normalisation";

const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const STACKS: StackName[] = ["staging", "prod"];

/** What ECS returned, without the empty lists and zero cpu it fills in and the provider drops before comparing. */
function withoutEcsFillers(defs: any[]): any[] {
  return defs.map((c) =>
    Object.fromEntries(Object.entries(c).filter(([k, v]) => !(Array.isArray(v) && v.length === 0) && !(k === "cpu" && v === 0))),
  );
}

describe.each(STACKS)("a no-change second up of the %s stack", (stack) => {
  let first: ProgramRun;
  let second: ProgramRun;
  beforeAll(async () => {
    // The session's run of the stack (cached: other suites share it), and a second real run of the program: an
    // explicit checkout bypasses the cache.
    first = await runProgram({ stack });
    second = await runProgram({ stack, appRepoPath: FIXTURE_APP_REPO });
  });

  it("registers the same resources, each with the same inputs and options", () => {
    const view = (run: ProgramRun) =>
      Object.fromEntries(run.resources.map((r) => [r.urn, { inputs: r.inputs, dependencies: [...r.dependencies].sort(), timeouts: r.customTimeouts }]));
    expect(second.resources.length).toBe(first.resources.length);
    expect(view(second)).toEqual(view(first));
  });

  describe("every container definition", () => {
    let tasks: { name: string; awsvpc: boolean; defs: any[] }[];
    beforeAll(() => {
      tasks = first.ofType(TASK_DEFINITION).map((td) => ({ name: td.name, awsvpc: td.inputs.networkMode === "awsvpc", defs: containerDefinitions(td) }));
    });

    it("is checked for every task definition of the stack", () => {
      expect(tasks.length).toBe(first.ofType("aws:ecs/service:Service").length);
    });

    it("is a fixed point of the provider's stored form: containers, variables and secrets in its order, no zero elements", () => {
      for (const t of tasks) expect([t.name, providerStateFunc(t.defs)]).toEqual([t.name, t.defs]);
    });

    it("holds no empty map or list anywhere", () => {
      for (const t of tasks) expect([t.name, t.defs.flatMap((c, i) => emptyCollections(c, `[${i}]`))]).toEqual([t.name, []]);
    });

    it("is what ECS stores: the defaults it fills in are written as it returns them", () => {
      for (const t of tasks) expect([t.name, withoutEcsFillers(ecsReturns(t.defs, t.awsvpc))]).toEqual([t.name, t.defs]);
    });

    it("shows the provider no change after ECS's round trip", () => {
      for (const t of tasks) expect([t.name, providerSeesChange(t.defs, ecsReturns(t.defs, t.awsvpc), t.awsvpc)]).toEqual([t.name, false]);
    });
  });
});

describe("the provider's comparison, as ported", () => {
  const base = {
    name: "app",
    image: "repo:tag@sha256:0",
    essential: true,
    portMappings: [{ containerPort: 80, hostPort: 80, protocol: "tcp" }],
    healthCheck: { command: ["CMD", "true"], interval: 15, timeout: 5, retries: 3 },
    logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "g" } },
    linuxParameters: { initProcessEnabled: true },
  };

  it("sees the perpetual diff an empty dockerLabels map causes", () => {
    const sent = [{ ...base, dockerLabels: {} }];
    expect(providerSeesChange(sent, ecsReturns(sent, true), true)).toBe(true);
    expect(emptyCollections(sent[0])).toEqual(["$.dockerLabels"]);
  });

  it("sees no change for fields it fills itself (protocol, hostPort, essential, health-check defaults)", () => {
    const sent = [{ name: "app", image: "i", portMappings: [{ containerPort: 80 }], healthCheck: { command: ["CMD", "true"] } }];
    expect(providerSeesChange(sent, ecsReturns(sent, true), true)).toBe(false);
  });

  it("finds definitions out of its order, which are not its stored form", () => {
    const sent = [
      { ...base, name: "b" },
      { ...base, name: "a", environment: [{ name: "Z", value: "1" }, { name: "A", value: "2" }] },
    ];
    expect(providerStateFunc(sent)).not.toEqual(sent);
  });
});
