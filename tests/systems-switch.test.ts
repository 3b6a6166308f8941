/**
 * Each system can be switched on and off per stack (`systems`): what is off leaves nothing behind — no
 * component, no service, no target group, no listener or DNS name, no certificate name, no required config —
 * and the console cannot be switched on without the two systems whose URLs it is built with.
 */
import type { ConfigError } from "../config";
import { ProgramRun, StackName, runProgram } from "./support/harness";

const T = {
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  record: "aws:route53/record:Record",
  certificate: "aws:acm/certificate:Certificate",
  service: "aws:ecs/service:Service",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  image: "docker-build:index:Image",
  secret: "aws:secretsmanager/secret:Secret",
  fileSystem: "aws:efs/fileSystem:FileSystem",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
};

/** Logical-name prefixes of every resource a system creates (its component, image, volume, secrets, service). */
const PREFIXES = {
  gateway: ["gateway"],
  securityStack: ["security"],
  uiConsole: ["console"],
};
const COMPONENT = {
  gateway: "ai-platform:system:Gateway",
  securityStack: "ai-platform:system:SecurityStack",
  uiConsole: "ai-platform:system:UiConsole",
};
const DASHBOARD_TITLE = { gateway: "MCP Gateway", securityStack: "AI Security Stack", uiConsole: "UI Console" };
type System = keyof typeof PREFIXES;
const ALL: System[] = ["gateway", "securityStack", "uiConsole"];

/** Resources of a system, excluding the platform's own (whose names carry the endpoint after "platform-"). */
function resourcesOf(run: ProgramRun, system: System) {
  return run.resources.filter((r) => r.type === COMPONENT[system] || PREFIXES[system].some((p) => r.name === p || r.name.startsWith(`${p}-`)));
}

const sortedNames = (run: ProgramRun, type: string): string[] => run.ofType(type).map((r) => r.name).sort();

describe.each<[StackName, System[], { listeners: string[]; albPorts: number[]; hosts: string[] }]>([
  // Staging with its domain unset: the quick-trial mode, one listener port per endpoint.
  ["staging", ["gateway"], { listeners: ["platform-listener-3000"], albPorts: [3000], hosts: [] }],
  ["staging", ["securityStack"], { listeners: ["platform-listener-8000", "platform-listener-8001"], albPorts: [8000, 8001], hosts: [] }],
  ["prod", ["gateway"], { listeners: ["platform-listener-443", "platform-listener-80"], albPorts: [80, 443], hosts: ["gateway"] }],
  [
    "prod",
    ["gateway", "securityStack"],
    { listeners: ["platform-listener-443", "platform-listener-80"], albPorts: [80, 443], hosts: ["gateway", "api", "control"] },
  ],
])("%s with systems %j", (stack, on, expected) => {
  const off = ALL.filter((s) => !on.includes(s));
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack, config: { systems: on, ...(expected.hosts.length ? {} : { domain: "" }) } });
  });

  it.each(on)("deploys %s", (system) => {
    expect(run.ofType(COMPONENT[system])).toHaveLength(1);
    expect(resourcesOf(run, system).filter((r) => r.type === T.service)).toHaveLength(1);
  });

  it(`creates nothing of ${off.join(" or ")}`, () => {
    for (const system of off) expect(resourcesOf(run, system).map((r) => `${r.type} ${r.name}`)).toEqual([]);
  });

  it("runs a service, builds an image and keeps a repository only for the systems that are on", () => {
    expect(run.ofType(T.service)).toHaveLength(on.length);
    // The gateway's image and ChromaDB's copy; one image for each other system; the restore test's check with a
    // stateful system (a file system to back up and test).
    const stateful = on.some((s) => s !== "uiConsole");
    expect(run.ofType(T.image)).toHaveLength(on.length + (on.includes("gateway") ? 1 : 0) + (stateful ? 1 : 0));
  });

  it("has a target group and listener rules only for the endpoints of the systems that are on", () => {
    const ports = { gateway: [3000], securityStack: [8000, 8001], uiConsole: [8080] };
    expect(run.ofType(T.targetGroup).map((t) => t.inputs.port).sort()).toEqual(on.flatMap((s) => ports[s]).sort());
    for (const rule of run.ofType(T.listenerRule)) {
      expect(off.flatMap((s) => PREFIXES[s]).some((p) => rule.name.startsWith(`${p}-`))).toBe(false);
    }
  });

  it(`has only the listeners ${expected.listeners.join(", ")}, and the load balancer admits only their ports`, () => {
    expect(sortedNames(run, T.listener)).toEqual(expected.listeners);
    const albIngressPorts = run.ofType(T.ingressRule).filter((r) => r.inputs.securityGroupId === run.outputs.albSecurityGroupId).map((r) => r.inputs.fromPort);
    expect([...new Set(albIngressPorts)].sort((a, b) => a - b)).toEqual(expected.albPorts);
  });

  if (expected.hosts.length > 0) {
    it(`publishes DNS names and a certificate only for ${expected.hosts.join(", ")}`, () => {
      const fqdns = expected.hosts.map((h) => `${h}.tupl.example.com`);
      const aliases = run.ofType(T.record).filter((r) => r.inputs.type === "A");
      expect(aliases.map((r) => r.state.name).sort()).toEqual([...fqdns].sort());
      expect(sortedNames(run, T.record)).toEqual(
        expected.hosts.flatMap((h) => [`platform-${h}`, `platform-cert-validation-${h}`]).sort(),
      );
      const cert = run.get(T.certificate, "platform").inputs;
      expect([cert.domainName, ...(cert.subjectAlternativeNames ?? [])].sort()).toEqual([...fqdns].sort());
    });
  } else {
    it("has no certificate and no DNS records (no domain)", () => {
      expect(run.ofType(T.certificate)).toEqual([]);
      expect(run.ofType(T.record)).toEqual([]);
    });
  }

  it("shows only the systems that are on on the dashboard", () => {
    const body = run.get(T.dashboard, "dashboard").inputs.dashboardBody;
    for (const system of on) expect(body).toContain(DASHBOARD_TITLE[system]);
    for (const system of off) expect(body).not.toContain(DASHBOARD_TITLE[system]);
  });
});

describe("the console needs both of its backends", () => {
  it.each<[string[], string]>([
    [
      ["uiConsole"],
      "ai-platform:systems: uiConsole needs gateway and securityStack (the console is built with their URLs); add gateway, securityStack to systems or remove uiConsole",
    ],
    [
      ["gateway", "uiConsole"],
      "ai-platform:systems: uiConsole needs securityStack (the console is built with their URLs); add securityStack to systems or remove uiConsole",
    ],
    [
      ["securityStack", "uiConsole"],
      "ai-platform:systems: uiConsole needs gateway (the console is built with their URLs); add gateway to systems or remove uiConsole",
    ],
  ])("systems %j fails with: %s", async (systems, message) => {
    await expect(runProgram({ stack: "prod", config: { systems } })).rejects.toThrow(message);
  });
});

describe("the systems list", () => {
  it("refuses a name that is not a system", async () => {
    await expect(runProgram({ stack: "staging", config: { systems: ["gateway", "console"] } })).rejects.toThrow(
      'ai-platform:systems: "console" is not a system; use gateway, securityStack or uiConsole',
    );
  });

  it("refuses an empty list (prod's certificate would have no name)", async () => {
    await expect(runProgram({ stack: "prod", config: { systems: [] } })).rejects.toThrow(
      "ai-platform:systems: is empty; deploy at least one of gateway, securityStack, uiConsole",
    );
  });

  it("requires only the config of the systems that are on", async () => {
    const error = await runProgram({ stack: "staging", config: { systems: ["gateway"] }, unset: ["supabaseUrl", "supabaseAnonKey"], secretsManager: { missing: ["geminiApiKey", "googleApiKey", "supabaseJwtSecret"] } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The program runs in its own realm: its ConfigError is not this file's Error.
    expect(error).toMatchObject({ name: "ConfigError" });
    expect((error as ConfigError).problems).toEqual([
      "ai-platform:geminiApiKey: the Gemini API key of the MCP Gateway (GEMINI_API_KEY), needed by MCP Gateway, does not exist in Secrets Manager (ai-platform/staging/geminiApiKey); put it with `scripts/stack-secrets.sh staging geminiApiKey` (the value is read from stdin)",
    ]);
  });
});
