/**
 * Who reaches what through the load balancer, read from the listener rules of the captured graph the way the ALB
 * evaluates them (lowest priority first, every condition must match): the console and the API are public, the
 * API's interactive docs only where the stack serves them, the control plane only from its networks; and a stack
 * without the firewall says, at preview and in the plan, what that leaves of the key API.
 */
import { WAF_OFF_WARNING } from "../components/stack";
import { Captured, ProgramRun, runProgram } from "./support/harness";

const RULE = "aws:lb/listenerRule:ListenerRule";

/** A CIDR test for IPv4. */
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const n = (a: string) => a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = bits === "0" ? 0 : 2 ** 32 - 2 ** (32 - Number(bits));
  return (n(ip) & mask) >>> 0 === (n(base) & mask) >>> 0;
}

/** ALB path-pattern matching: case-sensitive, `*` any characters, `?` one. */
const pathMatches = (pattern: string, path: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(path);

/** What the HTTPS listener answers a request: the first matching rule's action. */
function answer(run: ProgramRun, host: string, path: string, ip: string): string {
  const listener = run.ofType("aws:lb/listener:Listener").find((l) => l.inputs.port === 443)!;
  const rules = run.ofType(RULE).filter((r) => r.inputs.listenerArn === listener.state.arn).sort((a, b) => a.inputs.priority - b.inputs.priority);
  const matches = (r: Captured) =>
    (r.inputs.conditions as any[]).every(
      (c) =>
        (!c.hostHeader || c.hostHeader.values.includes(host)) &&
        (!c.pathPattern || c.pathPattern.values.some((p: string) => pathMatches(p, path))) &&
        (!c.sourceIp || c.sourceIp.values.some((cidr: string) => inCidr(ip, cidr))),
    );
  const rule = rules.find(matches);
  if (!rule) return "default";
  const action = (rule.inputs.actions as any[]).find((a) => a.type !== "jwt-validation");
  return action.type === "forward" ? `forward ${rule.name}` : `${action.fixedResponse.statusCode}`;
}

const OUTSIDER = "192.0.2.10";

describe.each([
  ["prod", "tupl.example.com", "198.51.100.7", false],
  ["staging", "staging.tupl.example.com", "203.0.113.7", true],
] as const)("%s", (stack, domain, admin, docsServed) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack });
  });

  it("serves the console and the API to everyone", () => {
    expect(answer(run, `console.${domain}`, "/", OUTSIDER)).toMatch(/^forward console-/);
    expect(answer(run, `api.${domain}`, "/v1/policies", OUTSIDER)).toMatch(/^forward security-8000/);
  });

  it(`${docsServed ? "serves" : "hides"} the API's interactive docs (securityStackApiDocs)`, () => {
    for (const path of ["/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"]) {
      expect([path, answer(run, `api.${domain}`, path, OUTSIDER)]).toEqual([path, docsServed ? expect.stringMatching(/^forward security-8000/) : "404"]);
    }
  });

  it("lets only the control plane's networks reach it; everyone else gets 403 on every path", () => {
    for (const path of ["/", "/health", "/api/policies", "/admin"]) {
      expect(answer(run, `control.${domain}`, path, admin)).toMatch(/^forward security-8001/);
      expect(answer(run, `control.${domain}`, path, OUTSIDER)).toBe("403");
    }
  });

  it("is not warned about the firewall: it is on", () => {
    expect(run.warnings).not.toContain(WAF_OFF_WARNING);
  });
});

it("closes the control plane to everyone when no network is configured", async () => {
  const run = await runProgram({ stack: "prod", config: { securityStackControlCidrs: [] } });
  expect(answer(run, "control.tupl.example.com", "/", "198.51.100.7")).toBe("403");
});

it("warns, at preview and in the plan, when the gateway runs without the firewall", async () => {
  const run = await runProgram({ stack: "staging", config: { waf: false } });
  expect(run.warnings).toContain(WAF_OFF_WARNING);
  const noGateway = await runProgram({ stack: "staging", config: { waf: false, systems: ["securityStack"] } });
  expect(noGateway.warnings).not.toContain(WAF_OFF_WARNING);
});
