/**
 * Secrets Manager secrets: third-party keys kept by operators in Secrets Manager alone (found by their fixed names,
 * never read), the gateway's bootstrap admin key generated (`tupl_` + 64 hex characters from 32 random bytes) into a
 * secret of the stack's own, containers reading them by ARN — and no value anywhere but in its own secret version:
 * not in config, not in an output, not in a task definition.
 */
import { ProgramRun, containerDefinitions, runProgram } from "./support/harness";

const SECRET = "aws:secretsmanager/secret:Secret";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const RANDOM_BYTES = "random:index/randomBytes:RandomBytes";

/** Each operator secret: its component's name, its key in the `secretArns` output, and its fixed name's last part. */
const OPERATOR_SECRETS = [
  { name: "gateway-gemini-api-key", output: "gatewayGeminiApiKey", key: "geminiApiKey" },
  { name: "security-google-api-key", output: "securityGoogleApiKey", key: "googleApiKey" },
  { name: "security-supabase-jwt", output: "securitySupabaseJwtSecret", key: "supabaseJwtSecret" },
] as const;

/** Which container reads which secret, under which variable. */
const CONSUMERS = [
  { service: "gateway", container: "gateway", variable: "GEMINI_API_KEY", output: "gatewayGeminiApiKey" },
  { service: "gateway", container: "gateway", variable: "MCP_GATEWAY_ADMIN_API_KEY", output: "gatewayAdminApiKey" },
  { service: "security", container: "management-plane", variable: "GOOGLE_API_KEY", output: "securityGoogleApiKey" },
  { service: "security", container: "management-plane", variable: "SUPABASE_JWT_SECRET", output: "securitySupabaseJwtSecret" },
  { service: "security", container: "control-plane", variable: "SUPABASE_JWT_SECRET", output: "securitySupabaseJwtSecret" },
] as const;

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

  it.each(OPERATOR_SECRETS.map((s) => [s.name, s.key]))("%s is the operator's secret <project>/<stack>/%s, referenced and never created", (name, key) => {
    const arn: string = run.outputs.secretArns[OPERATOR_SECRETS.find((s) => s.name === name)!.output];
    expect(arn).toMatch(new RegExp(`^arn:aws:secretsmanager:eu-west-1:123456789012:secret:ai-platform/${stack}/${key}-`));
    expect(run.find(SECRET, name)).toBeUndefined();
    expect(run.find(VERSION, name)).toBeUndefined();
  });

  it("the gateway's admin key is generated from RandomBytes, whose outputs are secret: tupl_ and the 64 hex characters of 32 bytes", () => {
    const random = run.get(RANDOM_BYTES, "gateway-admin-api-key");
    expect(random.inputs.length).toBe(32);
    expect(adminKey).toMatch(/^tupl_[0-9a-f]{64}$/);
    expect(adminKey).toBe(`tupl_${random.state.hex}`);
    expect(run.ofType("random:index/randomId:RandomId")).toEqual([]);
  });

  it("the admin key is drawn once and kept: no keepers, and its version ignores a new draw (a stack from before keeps its key)", () => {
    expect(run.get(RANDOM_BYTES, "gateway-admin-api-key").inputs.keepers).toBeUndefined();
    expect(run.get(VERSION, "gateway-admin-api-key").ignoreChanges).toEqual(["secretString"]);
  });

  it(`keeps the generated secret recoverable for ${recoveryWindowDays} days after deletion`, () => {
    expect(run.get(SECRET, "gateway-admin-api-key").inputs.recoveryWindowInDays).toBe(recoveryWindowDays);
  });

  it("the generated version belongs to its own secret", () => {
    expect(run.get(VERSION, "gateway-admin-api-key").inputs.secretId).toBe(run.get(SECRET, "gateway-admin-api-key").state.arn);
  });

  it("exposes every secret's ARN as an output", () => {
    expect(Object.keys(run.outputs.secretArns).sort()).toEqual([...OPERATOR_SECRETS.map((s) => s.output), "gatewayAdminApiKey"].sort());
    expect(run.outputs.secretArns.gatewayAdminApiKey).toBe(run.get(SECRET, "gateway-admin-api-key").state.arn);
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

  it("no stack output carries the generated key", () => {
    const outputs = JSON.stringify(run.outputs);
    for (const value of [adminKey, adminKey.slice("tupl_".length)]) expect(outputs).not.toContain(value);
  });

  it("no resource but the secret's own version (and the generator) holds the generated key", () => {
    const holders = run.resources
      .filter((r) => r.type !== VERSION && r.type !== RANDOM_BYTES)
      .filter((r) => JSON.stringify(r.inputs).includes(adminKey.slice("tupl_".length)));
    expect(holders.map((r) => `${r.type} ${r.name}`)).toEqual([]);
  });

  it("the stack config holds no secret: the committed stack file is all the program needs", () => {
    expect(Object.keys(run.config).filter((k) => /geminiApiKey|googleApiKey|supabaseJwtSecret/.test(k))).toEqual([]);
  });
});

describe("an operator secret without a value", () => {
  it.each<["missing" | "empty", string]>([
    ["missing", "does not exist"],
    ["empty", "has no value"],
  ])("is refused before any resource when it is %s, naming the key, its secret and the command that puts it", async (state, what) => {
    const error = await runProgram({ stack: "staging", secretsManager: { [state]: ["geminiApiKey", "supabaseJwtSecret"] } }).then(
      () => undefined,
      (e: Error & { problems?: string[] }) => e,
    );
    expect(error?.name).toBe("ConfigError");
    expect(error?.problems).toEqual([
      `ai-platform:geminiApiKey: the Gemini API key of the MCP Gateway (GEMINI_API_KEY), needed by MCP Gateway, ${what} in Secrets Manager (ai-platform/staging/geminiApiKey); put it with \`scripts/stack-secrets.sh staging geminiApiKey\` (the value is read from stdin)`,
      `ai-platform:supabaseJwtSecret: the Supabase JWT secret the security stack verifies tokens with (SUPABASE_JWT_SECRET), needed by AI Security Stack, ${what} in Secrets Manager (ai-platform/staging/supabaseJwtSecret); put it with \`scripts/stack-secrets.sh staging supabaseJwtSecret\` (the value is read from stdin)`,
    ]);
  });

  it("is not asked for when its system is off", async () => {
    await expect(runProgram({ stack: "staging", config: { systems: ["securityStack"] }, secretsManager: { missing: ["geminiApiKey"] } })).resolves.toBeDefined();
  });

  it("an old stack secret in the config is refused with the way to move it", async () => {
    const error = await runProgram({ stack: "staging", config: { geminiApiKey: "k" } }).then(() => undefined, (e: Error & { problems?: string[] }) => e);
    expect(error?.problems).toEqual([
      "ai-platform:geminiApiKey: lives in Secrets Manager now, never in stack config; put it with `pulumi config get geminiApiKey | scripts/stack-secrets.sh staging geminiApiKey`, then `pulumi config rm geminiApiKey`",
    ]);
  });
});
