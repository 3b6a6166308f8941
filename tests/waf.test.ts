/**
 * The edge: the web ACL in front of the load balancer (its rules read as WAF evaluates them, tests/support/waf.ts),
 * its logging and alarm, and the key API's token check on the load balancer.
 */
import * as fs from "fs";
import * as path from "path";
import { Captured, ProgramRun, runProgram } from "./support/harness";
import { keyApiSpellings, readingsReaching } from "./support/routers";
import { blockingRule, matches } from "./support/waf";

const T = {
  webAcl: "aws:wafv2/webAcl:WebAcl",
  association: "aws:wafv2/webAclAssociation:WebAclAssociation",
  ipSet: "aws:wafv2/ipSet:IpSet",
  logging: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
};

const ADMIN = { staging: "203.0.113.7", prod: "198.51.100.7" } as const;
const OUTSIDER = "192.0.2.44";

/** Spellings of the key API a Node router may serve as /api/keys (each checked against the readings below). */
const KEY_API_SPELLINGS = [
  "/api/keys",
  "/api/keys/",
  "/api/keys/tenant-1",
  "/API/keys",
  "/Api/Keys/",
  "/API/%6beys",
  "/api/%4B%45%59%53",
  "/api%2fkeys",
  "/api%2Fkeys",
  "//api/keys",
  "/api//keys",
  "/api/./keys",
  "/api/%2e/keys",
  "/x/../api/keys",
  "/x/%2e%2E/api/keys",
  "/../api/keys",
  "/api/keys?tenant=1",
  "/api\\keys",
  "\\api\\keys",
  "/x/..\\api\\keys",
  "/api%5Ckeys",
  "/api%5ckeys",
  "/API\\.\\Keys\\",
  "/api/keys/..%2f..%2fx",
  "/api/x%2fy/%2e%2e/keys/..%2f..%2fx",
];

/** What no Node reading routes to the key API, and the web ACL lets through from anywhere. */
const ORDINARY_PATHS = ["/health", "/mcp", "/api/tools", "/api/key", "/api/monkeys", "/api/v1/tenants/t/keys", "/keys", "/", "/assets/index.js", "/docs/a..b"];

const webAclOf = (run: ProgramRun): Captured => {
  const [acl] = run.ofType(T.webAcl);
  if (!acl) throw new Error("the stack has no web ACL");
  return acl;
};
const ruleNamed = (acl: Captured, name: string): any => acl.inputs.rules.find((r: any) => r.name === name);

describe.each(["staging", "prod"] as const)("the web ACL of %s", (stack) => {
  let run: ProgramRun;
  let acl: Captured;
  beforeAll(async () => {
    run = await runProgram({ stack });
    acl = webAclOf(run);
  });

  it("is regional, allows by default, and is associated with the stack's load balancer", () => {
    expect(acl.inputs.scope).toBe("REGIONAL");
    expect(acl.inputs.defaultAction).toEqual({ allow: {} });
    const [association] = run.ofType(T.association);
    expect(association.inputs).toEqual({ resourceArn: run.get(T.loadBalancer, "platform").state.arn, webAclArn: acl.state.arn });
  });

  it("holds the key-API block, AWS's three baseline groups and a per-IP rate limit, each priority once", () => {
    const rules = acl.inputs.rules;
    const groups = rules.filter((r: any) => r.statement.managedRuleGroupStatement).map((r: any) => r.statement.managedRuleGroupStatement);
    expect(groups.map((g: any) => `${g.vendorName}/${g.name}`).sort()).toEqual([
      "AWS/AWSManagedRulesAmazonIpReputationList",
      "AWS/AWSManagedRulesCommonRuleSet",
      "AWS/AWSManagedRulesKnownBadInputsRuleSet",
    ]);
    // A group's rules keep their own actions: the override is "none".
    for (const r of rules.filter((x: any) => x.statement.managedRuleGroupStatement)) expect(r.overrideAction).toEqual({ none: {} });
    const priorities = rules.map((r: any) => r.priority);
    expect(new Set(priorities).size).toBe(priorities.length);
    const names = rules.map((r: any) => r.name);
    expect(new Set(names).size).toBe(names.length);
    // The key API is decided before any group can allow or block it.
    const keyApi = ruleNamed(acl, "block-key-api");
    expect(keyApi.priority).toBe(Math.min(...priorities));
  });

  it("holds its rules in the priority order docs/architecture.md lists them, each with its priority", () => {
    const page = fs.readFileSync(path.join(__dirname, "..", "docs", "architecture.md"), "utf8");
    const edge = page.slice(page.indexOf("1. **The web ACL**"), page.indexOf("2. **TLS**"));
    const documented = [...edge.matchAll(/^ {3}- `([\w-]+)` \((?:priority )?(\d+)\)(?: and `([\w-]+)` \((\d+)\))?/gm)].flatMap((m) =>
      m[3] ? [`${m[1]} ${m[2]}`, `${m[3]} ${m[4]}`] : [`${m[1]} ${m[2]}`],
    );
    const rules = [...acl.inputs.rules].sort((x: any, y: any) => x.priority - y.priority);
    expect(documented).toEqual(rules.map((r: any) => `${r.name} ${r.priority}`));
  });

  it("only counts SizeRestrictions_BODY of the Common group (an ALB hands WAF 8 KB of a body; MCP calls are larger)", () => {
    const common = acl.inputs.rules.find((r: any) => r.statement.managedRuleGroupStatement?.name === "AWSManagedRulesCommonRuleSet");
    expect(common.statement.managedRuleGroupStatement.ruleActionOverrides).toEqual([{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }]);
    for (const r of acl.inputs.rules.filter((x: any) => x !== common && x.statement.managedRuleGroupStatement)) {
      expect(r.statement.managedRuleGroupStatement.ruleActionOverrides ?? []).toEqual([]);
    }
  });

  it("blocks clients above the configured rate per IP", () => {
    const rate = acl.inputs.rules.find((r: any) => r.statement.rateBasedStatement);
    expect(rate.action).toEqual({ block: {} });
    expect(rate.statement.rateBasedStatement).toEqual({ aggregateKeyType: "IP", limit: 2000, evaluationWindowSec: 300 });
  });

  it("reads the key-API rule as WAF does: the URI path decoded, with \\ as / and normalized, lowercased, or holding a .. and each segment, outside the admin IP set", () => {
    const [either, outside] = ruleNamed(acl, "block-key-api").statement.andStatement.statements;
    const [prefix, backReference] = either.orStatement.statements;
    const decodedLowercased = [
      { type: "URL_DECODE", priority: 0 },
      { type: "LOWERCASE", priority: 1 },
    ];
    expect(prefix.byteMatchStatement).toEqual({
      fieldToMatch: { uriPath: {} },
      positionalConstraint: "CONTAINS",
      searchString: "/api/keys",
      textTransformations: [
        { type: "URL_DECODE", priority: 0 },
        { type: "NORMALIZE_PATH_WIN", priority: 1 },
        { type: "LOWERCASE", priority: 2 },
      ],
    });
    expect(backReference.andStatement.statements.map((s: any) => s.byteMatchStatement)).toEqual(
      ["..", "api", "keys"].map((searchString) => ({ fieldToMatch: { uriPath: {} }, positionalConstraint: "CONTAINS", searchString, textTransformations: decodedLowercased })),
    );
    const set = run.ofType(T.ipSet).find((s) => s.name === "waf-key-api")!;
    expect(outside.notStatement.statement.ipSetReferenceStatement.arn).toBe(set.state.arn);
    expect(set.inputs).toMatchObject({ scope: "REGIONAL", ipAddressVersion: "IPV4", addresses: JSON.parse(run.config["ai-platform:gatewayAdminCidrs"]) });
  });

  it("nests its statements no deeper than the provider's web ACL schema takes (three logical levels, then a match)", () => {
    const depth = (st: any): number => {
      const logical = st.andStatement ?? st.orStatement;
      if (logical) return 1 + Math.max(...logical.statements.map(depth));
      return st.notStatement ? 1 + depth(st.notStatement.statement) : 0;
    };
    for (const rule of acl.inputs.rules) expect({ rule: rule.name, depth: depth(rule.statement) <= 3 }).toEqual({ rule: rule.name, depth: true });
  });

  it.each(KEY_API_SPELLINGS)("answers %s with 403 from outside the admin CIDRs, and lets an admin through", (path) => {
    expect(readingsReaching(path, "/api/keys")).not.toEqual([]);
    expect(blockingRule(acl, { path, sourceIp: OUTSIDER }, run.resources)).toBe("block-key-api");
    expect(blockingRule(acl, { path, sourceIp: ADMIN[stack] }, run.resources)).toBeUndefined();
  });

  it("answers 403 from outside, and lets an admin through, for every combined spelling that some Node router routes to /api/keys", () => {
    const spellings = keyApiSpellings();
    const reaching = spellings.filter((path) => readingsReaching(path, "/api/keys").length > 0);
    // The combinations are not all the key API: double slashes and encoded backslashes reach it only in some readings.
    expect(reaching.length).toBeGreaterThan(spellings.length / 2);
    const wrong = reaching.flatMap((path) => {
      const outside = blockingRule(acl, { path, sourceIp: OUTSIDER }, run.resources);
      const admin = blockingRule(acl, { path, sourceIp: ADMIN[stack] }, run.resources);
      return outside === "block-key-api" && admin === undefined ? [] : [{ path, readings: readingsReaching(path, "/api/keys"), outside, admin }];
    });
    expect(wrong).toEqual([]);
  });

  it("does not stand in the way of the gateway's other paths or the other systems", () => {
    for (const path of ORDINARY_PATHS) {
      expect(readingsReaching(path, "/api/keys")).toEqual([]);
      expect({ path, blockedBy: blockingRule(acl, { path, sourceIp: OUTSIDER }, run.resources) }).toEqual({ path, blockedBy: undefined });
    }
  });

  it("holds for every host: the Host header is the client's to choose, so the rule does not read it", () => {
    const statement = ruleNamed(acl, "block-key-api").statement;
    for (const host of ["gateway.tupl.example.com", "GATEWAY.tupl.example.com:443", "evil.example", ""]) {
      expect(matches(statement, { path: "/API/%6beys", sourceIp: OUTSIDER, headers: { host } }, run.resources)).toBe(true);
    }
    expect(JSON.stringify(statement)).not.toContain("singleHeader");
  });

  it("logs to a CloudWatch group named aws-waf-logs-*, kept as long as the stack's logs, with credentials redacted", () => {
    const [logging] = run.ofType(T.logging);
    const group = run.ofType(T.logGroup).find((g) => logging.inputs.logDestinationConfigs.includes(g.state.arn))!;
    expect(group.inputs.name).toBe(`aws-waf-logs-${stack}`);
    expect(group.inputs.retentionInDays).toBe(Number(run.config["ai-platform:logRetentionDays"]));
    expect(logging.inputs.resourceArn).toBe(acl.state.arn);
    expect(logging.inputs.redactedFields).toEqual([
      { singleHeader: { name: "authorization" } },
      { singleHeader: { name: "cookie" } },
      { singleHeader: { name: "x-api-key" } },
    ]);
  });

  it("alarms the stack's topic on a spike of blocked requests across all rules", () => {
    const alarm = run.ofType(T.alarm).find((a) => a.inputs.metricName === "BlockedRequests")!;
    expect(alarm.inputs).toMatchObject({
      namespace: "AWS/WAFV2",
      statistic: "Sum",
      period: 300,
      threshold: 500,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [run.outputs.alarmTopicArn],
    });
    expect(alarm.inputs.dimensions).toEqual({ WebACL: acl.state.name, Region: "eu-west-1", Rule: "ALL" });
  });

  it("keeps to WAF's character sets and lengths (names ≤ 128 of [A-Za-z0-9_-], metric names ≤ 255 without spaces)", () => {
    const metricNames = [acl.inputs.visibilityConfig, ...acl.inputs.rules.map((r: any) => r.visibilityConfig)].map((v: any) => v.metricName);
    for (const m of metricNames) expect(m).toMatch(/^[\w#:.\-/]{1,255}$/);
    expect(new Set(metricNames).size).toBe(metricNames.length);
    for (const r of acl.inputs.rules) expect(r.name).toMatch(/^[\w-]{1,128}$/);
    for (const r of acl.inputs.rules) {
      expect(r.visibilityConfig).toMatchObject({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true });
    }
    // WAF's description pattern (CreateWebACL / CreateIPSet): 1 to 256 of word characters, +=:#@/-,. and spaces.
    for (const d of [acl.inputs.description, ...run.ofType(T.ipSet).map((s) => s.inputs.description)]) {
      expect(d).toMatch(/^[\w+=:#@/\-,.][\w+=:#@/\-,.\s]+[\w+=:#@/\-,.]$/);
      expect(d.length).toBeLessThanOrEqual(256);
    }
  });
});

describe("the web ACL off (waf: false)", () => {
  it("leaves no WAF resource, and the load balancer's rules still answer the key API", async () => {
    const run = await runProgram({ stack: "prod", config: { waf: false } });
    expect(run.resources.filter((r) => r.type.startsWith("aws:wafv2/"))).toEqual([]);
    expect(run.ofType(T.listenerRule).map((r) => r.name)).toContain("gateway-3000-deny");
  });
});

describe("the key API's token check (gatewayKeyApiJwt)", () => {
  let run: ProgramRun;
  let rules: Captured[];
  const CLAIMS = ["role=authenticated", "aal=aal2", "aal=aal1"];
  beforeAll(async () => {
    run = await runProgram({ stack: "prod", config: { gatewayKeyApiJwt: true, supabaseJwtAlgorithm: "RS256", gatewayKeyApiJwtClaims: CLAIMS } });
    rules = run.ofType(T.listenerRule).filter((r) => r.name.startsWith("gateway-3000-"));
  });

  const byName = (name: string) => rules.find((r) => r.name === name)!;
  const method = (r: Captured): string[] | undefined => r.inputs.conditions.find((c: any) => c.httpRequestMethod)?.httpRequestMethod.values;

  it("validates a Supabase access token of the project before forwarding /api/keys* from the admin CIDRs", () => {
    const tg = run.get(T.targetGroup, "gateway-3000").state.arn;
    expect(byName("gateway-3000-admin-0").inputs.actions).toEqual([
      {
        type: "jwt-validation",
        order: 1,
        jwtValidation: {
          issuer: "https://tupl.supabase.co/auth/v1",
          jwksEndpoint: "https://tupl.supabase.co/auth/v1/.well-known/jwks.json",
          additionalClaims: [
            { format: "single-string", name: "role", values: ["authenticated"] },
            // A string claim with two accepted values: still a single-string claim in the token.
            { format: "single-string", name: "aal", values: ["aal2", "aal1"] },
          ],
        },
      },
      { type: "forward", targetGroupArn: tg, order: 2 },
    ]);
  });

  it("lets CORS preflights (OPTIONS) from the admin CIDRs through without a token, ahead of the validating rules", () => {
    const preflight = byName("gateway-3000-admin-preflight-0");
    const admin = byName("gateway-3000-admin-0");
    expect(method(preflight)).toEqual(["OPTIONS"]);
    expect(preflight.inputs.actions).toEqual([{ type: "forward", targetGroupArn: run.get(T.targetGroup, "gateway-3000").state.arn }]);
    expect(preflight.inputs.priority).toBeLessThan(admin.inputs.priority);
    const sources = (r: Captured) => r.inputs.conditions.find((c: any) => c.sourceIp).sourceIp.values;
    expect(sources(preflight)).toEqual(sources(admin));
    expect(method(admin)).toBeUndefined();
  });

  it("keeps every rule on the HTTPS listener, within 5 condition values, at a priority of its own", () => {
    const https = run.get(T.listener, "platform-listener-443").state.arn;
    const all = run.ofType(T.listenerRule);
    for (const r of rules) expect(r.inputs.listenerArn).toBe(https);
    for (const r of all) {
      const values = r.inputs.conditions.flatMap((c: any) => Object.values(c).flatMap((v: any) => v.values));
      expect({ rule: r.name, values: values.length <= 5 }).toEqual({ rule: r.name, values: true });
    }
    const priorities = all.map((r) => r.inputs.priority);
    expect(new Set(priorities).size).toBe(priorities.length);
  });

  it("still answers everybody else 403 after the admin rules", () => {
    const deny = byName("gateway-3000-deny");
    expect(deny.inputs.actions[0].fixedResponse.statusCode).toBe("403");
    expect(deny.inputs.priority).toBeGreaterThan(byName("gateway-3000-admin-0").inputs.priority);
  });

  it("adds rules without taking a priority any rule of the stack without the check holds", async () => {
    const before = await runProgram({ stack: "prod" });
    const held = new Map(before.ofType(T.listenerRule).map((r) => [r.inputs.priority, r.name]));
    for (const r of run.ofType(T.listenerRule)) {
      const holder = held.get(r.inputs.priority);
      expect({ rule: r.name, holder: holder ?? r.name }).toEqual({ rule: r.name, holder: r.name });
    }
  });
});
