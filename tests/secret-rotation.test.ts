/**
 * ECS reads secrets only when a task starts. Putting a new value into an operator's secret
 * (`scripts/stack-secrets.sh`, or a rotation) and running `pulumi up` must therefore roll exactly the services that
 * use it: the secret's new current version changes a label in their task definitions (a new revision, hence a
 * deployment) and nothing anywhere else.
 */
import { Captured, ProgramRun, containerDefinitions, runProgram } from "./support/harness";

const LABEL = "ai-platform.secret-versions";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const SERVICES = ["gateway", "security", "console"];

/** The ids Secrets Manager gives the values put by a rotation. */
const ROTATED_GEMINI = "11111111-1111-4111-8111-111111111111";
const ROTATED_GOOGLE = "22222222-2222-4222-8222-222222222222";

let before: ProgramRun;
let geminiRotated: ProgramRun;
let googleRotated: ProgramRun;

beforeAll(async () => {
  before = await runProgram({ stack: "staging" });
  geminiRotated = await runProgram({ stack: "staging", secretsManager: { versions: { geminiApiKey: ROTATED_GEMINI } } });
  googleRotated = await runProgram({ stack: "staging", secretsManager: { versions: { googleApiKey: ROTATED_GOOGLE } } });
}, 60_000);

/** Every resource whose inputs differ between two runs (same program, same stack). */
function changedResources(a: ProgramRun, b: ProgramRun): string[] {
  expect(b.resources.map((r) => r.urn).sort()).toEqual(a.resources.map((r) => r.urn).sort());
  return b.resources
    .filter((r) => JSON.stringify(a.resources.find((x) => x.urn === r.urn)!.inputs) !== JSON.stringify(r.inputs))
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}

const taskDefinition = (run: ProgramRun, service: string): Captured => run.get(TASK_DEFINITION, service);
const labels = (run: ProgramRun, service: string): Record<string, string | undefined> =>
  Object.fromEntries(containerDefinitions(taskDefinition(run, service)).map((c) => [c.name, c.dockerLabels?.[LABEL]]));
const withoutLabels = (run: ProgramRun, service: string): unknown =>
  containerDefinitions(taskDefinition(run, service)).map(({ dockerLabels, ...rest }) => rest);

describe("the secret-versions label", () => {
  it("marks exactly the containers that receive secrets", () => {
    const marked = SERVICES.flatMap((s) => Object.entries(labels(before, s)).filter(([, v]) => v !== undefined).map(([c]) => `${s}/${c}`));
    const withSecrets = SERVICES.flatMap((s) =>
      containerDefinitions(taskDefinition(before, s)).filter((c) => (c.secrets ?? []).length > 0).map((c) => `${s}/${c.name}`),
    );
    expect(marked.sort()).toEqual(withSecrets.sort());
    expect(marked.sort()).toEqual(["gateway/gateway", "security/control-plane", "security/management-plane"]);
  });

  it("is a short hash that carries no secret material, and the task definitions carry no secret value at all", () => {
    const values = before.ofType(SECRET_VERSION).map((v) => v.inputs.secretString as string);
    expect(values.some((v) => /^tupl_[0-9a-f]{64}$/.test(v))).toBe(true); // the generated admin key
    for (const service of SERVICES) {
      for (const label of Object.values(labels(before, service)).filter(Boolean)) expect(label).toMatch(/^[0-9a-f]{16}$/);
      const definitions = taskDefinition(before, service).inputs.containerDefinitions as string;
      for (const value of values) expect(definitions.includes(value)).toBe(false);
    }
    for (const run of [geminiRotated, googleRotated]) {
      for (const service of SERVICES) {
        const definitions = taskDefinition(run, service).inputs.containerDefinitions as string;
        expect(definitions).not.toContain(ROTATED_GEMINI);
        expect(definitions).not.toContain(ROTATED_GOOGLE);
      }
    }
  });

  it("gives containers only secret references (valueFrom ARNs), never values", () => {
    for (const service of SERVICES) {
      for (const c of containerDefinitions(taskDefinition(before, service))) {
        for (const s of c.secrets ?? []) expect(s.valueFrom).toMatch(/^arn:aws:secretsmanager:eu-west-1:123456789012:secret:/);
      }
    }
  });
});

describe("a new value of geminiApiKey", () => {
  it("creates no resource: the value lives in Secrets Manager only, and the program holds no version of it", () => {
    expect(before.find(SECRET_VERSION, "gateway-gemini-api-key")).toBeUndefined();
  });

  it("changes the gateway's task definition and nothing else in the stack", () => {
    expect(changedResources(before, geminiRotated)).toEqual([`${TASK_DEFINITION} gateway`]);
  });

  it("changes only the gateway container's secret-versions label", () => {
    expect(labels(geminiRotated, "gateway").gateway).not.toBe(labels(before, "gateway").gateway);
    expect(labels(geminiRotated, "gateway").chromadb).toBeUndefined();
    expect(withoutLabels(geminiRotated, "gateway")).toEqual(withoutLabels(before, "gateway"));
  });

  it("leaves the security stack's and the console's task definitions byte-identical", () => {
    for (const service of ["security", "console"]) {
      expect(taskDefinition(geminiRotated, service).inputs.containerDefinitions).toBe(taskDefinition(before, service).inputs.containerDefinitions);
    }
  });
});

describe("a new value of googleApiKey", () => {
  it("changes the security stack's task definition and nothing else in the stack", () => {
    expect(changedResources(before, googleRotated)).toEqual([`${TASK_DEFINITION} security`]);
  });

  it("relabels the management plane (which reads GOOGLE_API_KEY) and not the control plane (which does not)", () => {
    const [was, now] = [labels(before, "security"), labels(googleRotated, "security")];
    expect(now["management-plane"]).not.toBe(was["management-plane"]);
    expect(now["control-plane"]).toBe(was["control-plane"]);
    expect(now["data-plane"]).toBeUndefined();
    expect(withoutLabels(googleRotated, "security")).toEqual(withoutLabels(before, "security"));
  });

  it("leaves the gateway's and the console's task definitions byte-identical", () => {
    for (const service of ["gateway", "console"]) {
      expect(taskDefinition(googleRotated, service).inputs.containerDefinitions).toBe(taskDefinition(before, service).inputs.containerDefinitions);
    }
  });
});

describe("what turns a new task definition into a deployment", () => {
  it.each(SERVICES)("the %s service runs the revision of its own task definition and never ignores a new one", (service) => {
    const svc = before.get("aws:ecs/service:Service", service);
    const definition = taskDefinition(before, service);
    expect(svc.inputs.taskDefinition).toBe(definition.state.arn);
    expect(svc.dependencies).toContain(definition.urn);
    expect(svc.ignoreChanges).not.toContain("taskDefinition");
  });
});
