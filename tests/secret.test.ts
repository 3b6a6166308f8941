/**
 * Secrets Manager secrets: third-party keys from stack secrets, the gateway's bootstrap admin key generated
 * (`tupl_` + 64 hex characters from 32 random bytes), a recovery window per stack, containers reading them by
 * ARN — and no value anywhere but in its own secret version: not in an output, not in a task definition.
 */
import { OPERATOR_VALUES, ProgramRun, containerDefinitions, runProgram } from "./support/harness";

const SECRET = "aws:secretsmanager/secret:Secret";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const RANDOM_ID = "random:index/randomId:RandomId";

/** Each secret: its logical name, its key in the `secretArns` output, and where its value comes from. */
const SECRETS = [
  { name: "gateway-gemini-api-key", output: "gatewayGeminiApiKey", from: "geminiApiKey" },
  { name: "gateway-admin-api-key", output: "gatewayAdminApiKey", from: "generated" },
  { name: "security-google-api-key", output: "securityGoogleApiKey", from: "googleApiKey" },
  { name: "security-supabase-jwt", output: "securitySupabaseJwtSecret", from: "supabaseJwtSecret" },
] as const;

/** Which container reads which secret, under which variable. */
const CONSUMERS = [
  { service: "gateway", container: "gateway", variable: "GEMINI_API_KEY", output: "gatewayGeminiApiKey" },
  { service: "gateway", container: "gateway", variable: "MCP_GATEWAY_ADMIN_API_KEY", output: "gatewayAdminApiKey" },
  { service: "security", container: "management-plane", variable: "GOOGLE_API_KEY", output: "securityGoogleApiKey" },
  { service: "security", container: "management-plane", variable: "SUPABASE_JWT_SECRET", output: "securitySupabaseJwtSecret" },
  { service: "security", container: "control-plane", variable: "SUPABASE_JWT_SECRET", output: "securitySupabaseJwtSecret" },
] as const;

const STAND_IN_SECRETS = Object.values(OPERATOR_VALUES)
  .filter((v) => v.secret)
  .map((v) => v.value);

const runs = {} as Record<"staging" | "prod", ProgramRun>;
beforeAll(async () => {
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
});

describe.each([
  ["staging", 7],
  ["prod", 30],
] as const)("secrets in the %s stack", (stack, recoveryWindowDays) => {
  let run: ProgramRun;
  let adminKey: string;
  beforeAll(() => {
    run = runs[stack];
    adminKey = run.get(VERSION, "gateway-admin-api-key").inputs.secretString;
  });

  it.each(SECRETS.filter((s) => s.from !== "generated").map((s) => [s.name, s.from]))(
    "%s holds the value of the stack secret %s",
    (name, from) => {
      expect(run.get(VERSION, name).inputs.secretString).toBe(OPERATOR_VALUES[from].value);
    },
  );

  it("the gateway's admin key is generated: tupl_ and the 64 hex characters of 32 random bytes", () => {
    const random = run.get(RANDOM_ID, "gateway-admin-api-key");
    expect(random.inputs.byteLength).toBe(32);
    expect(adminKey).toMatch(/^tupl_[0-9a-f]{64}$/);
    expect(adminKey).toBe(`tupl_${random.state.hex}`);
  });

  it("the admin key is drawn once and kept: its generator has no keepers that would replace it", () => {
    expect(run.get(RANDOM_ID, "gateway-admin-api-key").inputs.keepers).toBeUndefined();
  });

  it(`keeps a deleted secret recoverable for ${recoveryWindowDays} days`, () => {
    for (const { name } of SECRETS) expect([name, run.get(SECRET, name).inputs.recoveryWindowInDays]).toEqual([name, recoveryWindowDays]);
  });

  it("each secret version belongs to its own secret", () => {
    for (const { name } of SECRETS) expect(run.get(VERSION, name).inputs.secretId).toBe(run.get(SECRET, name).state.arn);
  });

  it("exposes every secret's ARN as an output", () => {
    expect(run.outputs.secretArns).toEqual(Object.fromEntries(SECRETS.map((s) => [s.output, run.get(SECRET, s.name).state.arn])));
  });

  it.each(CONSUMERS.map((c) => [c.container, c.variable, c.output]))(
    "the %s container receives %s from the ARN of %s, not as plain environment",
    (container, variable, output) => {
      const service = CONSUMERS.find((c) => c.container === container)!.service;
      const def = containerDefinitions(run.get("aws:ecs/taskDefinition:TaskDefinition", service)).find((c) => c.name === container);
      expect(def.secrets).toContainEqual({ name: variable, valueFrom: run.outputs.secretArns[output] });
      expect(def.environment.map((e: { name: string }) => e.name)).not.toContain(variable);
    },
  );

  it("no stack output carries a secret value or the generated key", () => {
    const outputs = JSON.stringify(run.outputs);
    for (const value of [...STAND_IN_SECRETS, adminKey, adminKey.slice("tupl_".length)]) expect(outputs).not.toContain(value);
  });

  it("no resource but the secret's own version (and the generator) holds a value", () => {
    const holders = run.resources
      .filter((r) => r.type !== VERSION && r.type !== RANDOM_ID)
      .filter((r) => {
        const inputs = JSON.stringify(r.inputs);
        return [...STAND_IN_SECRETS, adminKey.slice("tupl_".length)].some((v) => inputs.includes(v));
      });
    expect(holders.map((r) => `${r.type} ${r.name}`)).toEqual([]);
  });
});
