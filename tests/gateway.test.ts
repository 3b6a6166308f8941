/**
 * The MCP Gateway (components/systems/gateway.ts) as AWS would receive it: the gateway and its ChromaDB sidecar in one
 * task, their EFS access points, secrets by ARN, single-writer deploys, the target group, and the listener
 * rules that keep the unauthenticated key-management API (/api/keys*) closed to all but the admin CIDRs.
 */
import { Captured, ProgramRun, StackName, containerDefinitions, efsVolumes, policyDocument, runProgram } from "./support/harness";
import { configSchema, limitProblem } from "../config-schema";

const T = {
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  accessPoint: "aws:efs/accessPoint:AccessPoint",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  randomBytes: "random:index/randomBytes:RandomBytes",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  repository: "aws:ecr/repository:Repository",
  scalingTarget: "aws:appautoscaling/target:Target",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
};


/** The container definitions of the gateway's task, by container name. */
function containers(run: ProgramRun): Record<string, any> {
  return Object.fromEntries(containerDefinitions(run.get(T.taskDefinition, "gateway")).map((c) => [c.name, c]));
}

/** An access point's id: the last part of its ARN (…:access-point/fsap-…). */
const accessPointId = (ap: Captured): string => ap.state.arn.split("/").pop();

function env(container: any): Record<string, string> {
  return Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
}

/** The key-management rules of the gateway's target group, in evaluation order (lowest priority first). */
function keyApiRules(run: ProgramRun): Captured[] {
  return run
    .ofType(T.listenerRule)
    .filter((r) => /^gateway-3000-(admin-\d+|deny|forward)$/.test(r.name))
    .sort((a, b) => a.inputs.priority - b.inputs.priority);
}

/** Values of every condition of a rule: AWS allows at most 5 per rule, counted across all conditions. */
function conditionValueCount(rule: Captured): number {
  return rule.inputs.conditions.reduce(
    (n: number, c: Record<string, { values: string[] }>) => n + Object.values(c).reduce((m, v) => m + v.values.length, 0),
    0,
  );
}

const pathValues = (rule: Captured): string[] | undefined => rule.inputs.conditions.find((c: any) => c.pathPattern)?.pathPattern.values;
const hostValues = (rule: Captured): string[] | undefined => rule.inputs.conditions.find((c: any) => c.hostHeader)?.hostHeader.values;
const sourceIps = (rule: Captured): string[] => rule.inputs.conditions.find((c: any) => c.sourceIp)?.sourceIp.values ?? [];

describe.each<[string, StackName, { adminCidrs: string[]; listener: string; host?: string; config?: Record<string, unknown> }]>([
  ["staging", "staging", { adminCidrs: ["203.0.113.0/24"], listener: "platform-listener-443", host: "gateway.staging.tupl.example.com" }],
  ["staging without a domain", "staging", { adminCidrs: ["203.0.113.0/24"], listener: "platform-listener-3000", config: { domain: "" } }],
  ["prod", "prod", { adminCidrs: ["198.51.100.0/24"], listener: "platform-listener-443", host: "gateway.tupl.example.com" }],
])("the gateway in %s", (_label, stack, expected) => {
  let run: ProgramRun;
  let c: Record<string, any>;
  beforeAll(async () => {
    run = await runProgram({ stack, config: expected.config });
    c = containers(run);
  });

  describe("task", () => {
    it("runs exactly two containers: chromadb (the sidecar) and gateway", () => {
      expect(Object.keys(c).sort()).toEqual(["chromadb", "gateway"]);
      expect(c.chromadb.essential).toBe(true);
      expect(c.gateway.essential).toBe(true);
    });

    it("runs the gateway from its ECR image pinned by digest, listening on 3000", () => {
      const repositoryUrl = run.get(T.repository, "gateway").state.repositoryUrl;
      expect(c.gateway.image).toMatch(new RegExp(`^${repositoryUrl}:sha-[0-9a-f]+@sha256:[0-9a-f]{64}$`));
      expect(c.gateway.portMappings).toEqual([{ containerPort: 3000, hostPort: 3000, protocol: "tcp" }]);
      expect(env(c.gateway).MCP_GATEWAY_HTTP_PORT).toBe("3000");
    });

    it("runs ChromaDB from our ECR copy of the configured image, pinned by digest, on 8000", () => {
      const repositoryUrl = run.get(T.repository, "gateway-chroma").state.repositoryUrl;
      expect(c.chromadb.image).toMatch(new RegExp(`^${repositoryUrl}:sha-[0-9a-f]+@sha256:[0-9a-f]{64}$`));
      const copy = run.get("docker-build:index:Image", "gateway-chroma");
      expect(copy.inputs.dockerfile.location).toMatch(/\/dockerfiles\/chroma\.Dockerfile$/);
      expect(copy.inputs.buildArgs).toEqual({ CHROMA_IMAGE: "chromadb/chroma:1.0.15" });
      expect(c.chromadb.image).toBe(copy.state.ref);
      expect(c.chromadb.portMappings).toEqual([{ containerPort: 8000, hostPort: 8000, protocol: "tcp" }]);
    });

    it("gives ChromaDB persistence on and telemetry off", () => {
      expect(env(c.chromadb)).toMatchObject({ IS_PERSISTENT: "TRUE", ANONYMIZED_TELEMETRY: "FALSE" });
    });

    it("runs both containers under the gateway volume's writer lock: ChromaDB copies /data frozen, the gateway its tenants and workspace", () => {
      for (const container of [c.chromadb, c.gateway]) {
        expect(container.mountPoints).toContainEqual({ sourceVolume: "writer", containerPath: "/var/lib/writer" });
        expect(env(container)).toMatchObject({ WRITER_DIR: "/var/lib/writer", STATE_SNAPSHOT_AT: expect.stringMatching(/^\d\d:\d\d$/) });
      }
      expect(env(c.chromadb)).toMatchObject({ STATE_SNAPSHOTS: "chroma=/data", STATE_SNAPSHOT_FREEZE: "1" });
      expect(env(c.gateway).STATE_SNAPSHOTS).toBe("tenants=/app/tenants workspace=/app/workspace");
      expect(env(c.gateway).STATE_SNAPSHOT_FREEZE).toBeUndefined();
    });

    it("checks ChromaDB's v2 heartbeat on its own port", () => {
      const [kind, script] = c.chromadb.healthCheck.command;
      expect(kind).toBe("CMD-SHELL");
      expect(script).toMatch(/127\.0\.0\.1[:/]8000\b/);
      expect(script).toContain("/api/v2/heartbeat");
    });

    it("starts the gateway only after ChromaDB is HEALTHY", () => {
      expect(c.gateway.dependsOn).toEqual([{ containerName: "chromadb", condition: "HEALTHY" }]);
      expect(c.chromadb.dependsOn).toBeUndefined();
    });

    it("points the gateway at Chroma on localhost:8000, the port the sidecar listens on (not the seed's 8001)", () => {
      const chromaUrl = new URL(env(c.gateway).MCP_GATEWAY_CHROMA_URL);
      expect(chromaUrl.href).toBe("http://localhost:8000/");
      expect(c.chromadb.portMappings.map((p: any) => p.containerPort)).toContain(Number(chromaUrl.port));
    });

    it("passes the plain settings with SYSTEMS.md's defaults", () => {
      expect(env(c.gateway)).toMatchObject({
        MCP_GATEWAY_HTTP_PORT: "3000",
        MCP_GATEWAY_TENANTS_ROOT: "/app/tenants",
        MCP_GATEWAY_CHROMA_URL: "http://localhost:8000",
        MCP_GATEWAY_INTELLIGENCE_ENABLED: "true",
        MCP_GATEWAY_SUMMARY_THRESHOLD_BYTES: "2048",
        MCP_GATEWAY_INTELLIGENCE_TTL_HOURS: "3",
      });
    });

    it("checks the gateway's health by reading the body's status, since /health answers 200 while unhealthy", () => {
      const [kind, script] = c.gateway.healthCheck.command;
      expect(kind).toBe("CMD-SHELL");
      expect(script).toContain("http://127.0.0.1:3000/health");
      expect(script).toContain("r.json()");
      expect(script).toContain("b.status==='healthy'");
    });
  });

  describe("state on EFS", () => {
    it("has four access points on the gateway's file system: tenants, workspace, chroma and the writer directory", () => {
      const fsId = run.outputs.efsFileSystemIds.gateway;
      const aps = run.ofType(T.accessPoint).filter((a) => a.name.startsWith("gateway-"));
      expect(aps.map((a) => [a.name, a.inputs.rootDirectory.path]).sort()).toEqual([
        ["gateway-chroma", "/gateway/chroma"],
        ["gateway-tenants", "/gateway/tenants"],
        ["gateway-workspace", "/gateway/workspace"],
        ["gateway-writer", "/gateway/writer"],
      ]);
      for (const ap of aps) {
        expect(ap.inputs.fileSystemId).toBe(fsId);
        expect(ap.inputs.posixUser).toEqual({ uid: 1000, gid: 1000 });
      }
    });

    it("mounts tenants at /app/tenants and workspace at /app/workspace in the gateway, chroma at /data in ChromaDB", () => {
      expect(c.gateway.mountPoints).toEqual([
        { sourceVolume: "tenants", containerPath: "/app/tenants" },
        { sourceVolume: "workspace", containerPath: "/app/workspace" },
        { sourceVolume: "writer", containerPath: "/var/lib/writer" },
        { sourceVolume: "gateway-tmp", containerPath: "/tmp" },
      ]);
      expect(c.chromadb.mountPoints).toEqual([
        { sourceVolume: "chroma", containerPath: "/data" },
        { sourceVolume: "writer", containerPath: "/var/lib/writer" },
        { sourceVolume: "chromadb-tmp", containerPath: "/tmp" },
      ]);
      expect(env(c.gateway).MCP_GATEWAY_TENANTS_ROOT).toBe("/app/tenants");
    });

    it("backs each task volume by its own access point, with transit encryption and IAM authorization", () => {
      const volumes = efsVolumes(run.get(T.taskDefinition, "gateway"));
      expect(volumes.map((v: any) => v.name).sort()).toEqual(["chroma", "tenants", "workspace", "writer"]);
      for (const v of volumes) {
        const ap = run.get(T.accessPoint, `gateway-${v.name}`);
        expect(v.efsVolumeConfiguration).toEqual({
          fileSystemId: ap.inputs.fileSystemId,
          transitEncryption: "ENABLED",
          authorizationConfig: { accessPointId: accessPointId(ap), iam: "ENABLED" },
        });
      }
    });

    it("lets the task role mount and write through exactly these access points", () => {
      const [statement] = policyDocument(run.get(T.rolePolicy, "gateway-task")).Statement;
      const apArns = ["chroma", "tenants", "workspace", "writer"].map((n) => run.get(T.accessPoint, `gateway-${n}`).state.arn).sort();
      expect(statement.Action).toEqual(["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]);
      expect(statement.Condition.StringEquals["elasticfilesystem:AccessPointArn"].slice().sort()).toEqual(apArns);
    });
  });

  describe("secrets", () => {
    it("injects GEMINI_API_KEY and the admin key from Secrets Manager by ARN", () => {
      const gemini = run.get("ai-platform:secret:Secret", "gateway-gemini-api-key").state.arn;
      const admin = run.get("ai-platform:secret:Secret", "gateway-admin-api-key").state.arn;
      expect(gemini).toMatch(/^arn:aws:secretsmanager:eu-west-1:\d{12}:secret:/);
      expect(c.gateway.secrets).toEqual([
        { name: "GEMINI_API_KEY", valueFrom: gemini },
        { name: "MCP_GATEWAY_ADMIN_API_KEY", valueFrom: admin },
      ]);
      expect(c.chromadb.secrets).toBeUndefined();
    });

    it("never puts a secret's name or value in the plain environment or anywhere in the task definition", () => {
      const generated = run.get(T.secretVersion, "gateway-admin-api-key").inputs.secretString;
      for (const container of Object.values(c)) {
        expect(Object.keys(env(container))).not.toContain("GEMINI_API_KEY");
        expect(Object.keys(env(container))).not.toContain("MCP_GATEWAY_ADMIN_API_KEY");
      }
      const taskJson = run.get(T.taskDefinition, "gateway").inputs.containerDefinitions;
      expect(taskJson).not.toContain(generated);
    });

    it("references the Gemini key an operator keeps in Secrets Manager, and holds no version of it", () => {
      expect(run.get("ai-platform:secret:Secret", "gateway-gemini-api-key").state.arn).toContain(":secret:ai-platform/");
      expect(run.find(T.secretVersion, "gateway-gemini-api-key")).toBeUndefined();
    });

    it("generates the admin key as tupl_ + 64 hex from 32 RandomBytes (secret outputs)", () => {
      const id = run.get(T.randomBytes, "gateway-admin-api-key");
      const version = run.get(T.secretVersion, "gateway-admin-api-key");
      expect(id.inputs.length).toBe(32);
      expect(version.inputs.secretId).toBe(run.get("ai-platform:secret:Secret", "gateway-admin-api-key").state.arn);
      expect(version.inputs.secretString).toBe(`tupl_${id.state.hex}`);
      expect(version.inputs.secretString).toMatch(/^tupl_[0-9a-f]{64}$/);
    });

    it("lets the execution role read exactly the two secrets' ARNs and pull exactly the gateway's and ChromaDB's repositories", () => {
      const statements = policyDocument(run.get(T.rolePolicy, "gateway-execution")).Statement;
      const secrets = statements.find((s: any) => s.Action === "secretsmanager:GetSecretValue");
      expect(secrets.Effect).toBe("Allow");
      expect(secrets.Resource).toEqual(
        [run.get("ai-platform:secret:Secret", "gateway-admin-api-key").state.arn, run.get("ai-platform:secret:Secret", "gateway-gemini-api-key").state.arn].sort(),
      );
      const pull = statements.find((s: any) => Array.isArray(s.Action) && s.Action.includes("ecr:BatchGetImage"));
      expect(pull.Resource).toEqual([run.get(T.repository, "gateway").state.arn, run.get(T.repository, "gateway-chroma").state.arn].sort());
      for (const s of statements.filter((x: any) => x.Action !== "ecr:GetAuthorizationToken")) {
        expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"|secret:\*/);
      }
    });
  });

  describe("service", () => {
    it("runs one task and stops the old task before starting the new one (single writer)", () => {
      const svc = run.get(T.service, "gateway").inputs;
      expect(svc.desiredCount).toBe(1);
      expect(svc.deploymentMinimumHealthyPercent).toBe(0);
      expect(svc.deploymentMaximumPercent).toBe(100);
      expect(svc.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
      // Nothing may add a second writer: no autoscaling; with a sleep schedule only a 0-to-1 target it owns.
      const target = run.find(T.scalingTarget, "gateway");
      if (run.config["ai-platform:awakeHours"]) expect(target?.inputs).toMatchObject({ minCapacity: 0, maxCapacity: 1 });
      else expect(target).toBeUndefined();
      expect(run.ofType("aws:appautoscaling/policy:Policy").filter((p) => p.name.startsWith("gateway-"))).toEqual([]);
    });

    it("puts the gateway container's port 3000 behind its target group, with the configured grace period", () => {
      const svc = run.get(T.service, "gateway").inputs;
      expect(svc.loadBalancers).toEqual([
        { containerName: "gateway", containerPort: 3000, targetGroupArn: run.get(T.targetGroup, "gateway-3000").state.arn },
      ]);
      expect(svc.healthCheckGracePeriodSeconds).toBe(120);
    });

    it("checks /health on 3000 from the target group, with a name AWS accepts", () => {
      const tg = run.get(T.targetGroup, "gateway-3000").state;
      expect(tg).toMatchObject({ port: 3000, protocol: "HTTP", targetType: "ip" });
      expect(tg.healthCheck).toMatchObject({ enabled: true, path: "/health", port: "3000", protocol: "HTTP", matcher: "200" });
      expect(tg.name.length).toBeLessThanOrEqual(32);
    });

    it("admits only port 3000, and only from the load balancer: ChromaDB's 8000 is not reachable", () => {
      const [tasksSg] = run.get(T.service, "gateway").inputs.networkConfiguration.securityGroups;
      const albSg = run.outputs.albSecurityGroupId;
      const ingress = run.ofType(T.ingressRule).filter((r) => r.inputs.securityGroupId === tasksSg);
      expect(ingress.map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId])).toEqual([[3000, 3000, albSg]]);
      expect(run.ofType(T.targetGroup).filter((t) => t.inputs.port === 8000 && t.name.startsWith("gateway"))).toEqual([]);
    });
  });

  describe("the key-management API", () => {
    let rules: Captured[];
    beforeAll(() => {
      rules = keyApiRules(run);
    });

    it(`has its rules on ${expected.listener}`, () => {
      const listenerArn = run.get(T.listener, expected.listener).state.arn;
      expect(rules.length).toBeGreaterThan(0);
      for (const r of rules) expect(r.inputs.listenerArn).toBe(listenerArn);
    });

    it("forwards /api/keys* from the admin CIDRs, then answers 403 to everyone else, then forwards the rest", () => {
      expect(rules.map((r) => r.name)).toEqual(["gateway-3000-admin-0", "gateway-3000-deny", "gateway-3000-forward"]);
      const [admin, deny, forward] = rules;
      const tgArn = run.get(T.targetGroup, "gateway-3000").state.arn;

      expect(pathValues(admin)).toEqual(["/api/keys*"]);
      expect(sourceIps(admin)).toEqual(expected.adminCidrs);
      expect(admin.inputs.actions).toEqual([{ type: "forward", targetGroupArn: tgArn }]);

      expect(pathValues(deny)).toEqual(["/api/keys*"]);
      expect(sourceIps(deny)).toEqual([]);
      expect(deny.inputs.actions).toEqual([
        { type: "fixed-response", fixedResponse: { statusCode: "403", contentType: "text/plain", messageBody: "Forbidden" } },
      ]);

      expect(forward.inputs.actions).toEqual([{ type: "forward", targetGroupArn: tgArn }]);
      expect(admin.inputs.priority).toBeLessThan(deny.inputs.priority);
      expect(deny.inputs.priority).toBeLessThan(forward.inputs.priority);
    });

    if (expected.host) {
      it(`matches the host header ${expected.host} in every rule`, () => {
        for (const r of rules) expect(hostValues(r)).toEqual([expected.host]);
      });
    } else {
      it("matches no host header (the gateway has its own listener port) and forwards everything else with /*", () => {
        for (const r of rules) expect(hostValues(r)).toBeUndefined();
        expect(pathValues(rules[rules.length - 1])).toEqual(["/*"]);
        expect(run.get(T.listener, "platform-listener-3000").inputs.port).toBe(3000);
      });
    }

    it("keeps every rule within AWS's 5 condition values and 1..50000 priorities", () => {
      for (const r of rules) {
        expect(conditionValueCount(r)).toBeLessThanOrEqual(5);
        expect(r.inputs.priority).toBeGreaterThanOrEqual(1);
        expect(r.inputs.priority).toBeLessThanOrEqual(50000);
      }
    });

    it("serves the gateway at its public URL", () => {
      expect(run.outputs.gatewayUrl).toBe(
        expected.host ? `https://${expected.host}` : `http://${run.outputs.albDnsName}:3000`,
      );
    });
  });
});

// Prod is the tight case: the host header takes one of the 5 condition values a rule may hold.
describe("the gateway in prod with five admin CIDRs", () => {
  const adminCidrs = ["198.51.100.0/24", "198.51.101.0/24", "198.51.102.0/24", "198.51.103.0/24", "198.51.104.0/24"];
  const host = "gateway.tupl.example.com";
  let run: ProgramRun;
  let rules: Captured[];
  beforeAll(async () => {
    run = await runProgram({ stack: "prod", config: { gatewayAdminCidrs: adminCidrs } });
    rules = keyApiRules(run);
  });

  it("splits the admin CIDRs over several forward rules, none with more than 5 condition values", () => {
    const admin = rules.filter((r) => r.name.includes("-admin-"));
    expect(admin.length).toBeGreaterThan(1);
    for (const r of rules) expect(conditionValueCount(r)).toBeLessThanOrEqual(5);
    expect(admin.flatMap(sourceIps)).toEqual(adminCidrs);
    for (const r of admin) {
      expect(pathValues(r)).toEqual(["/api/keys*"]);
      expect(hostValues(r)).toEqual([host]);
    }
  });

  it("evaluates every admin rule before the 403 deny, and the deny before the catch-all forward", () => {
    const deny = run.get(T.listenerRule, "gateway-3000-deny").inputs.priority;
    const forward = run.get(T.listenerRule, "gateway-3000-forward").inputs.priority;
    for (const r of rules.filter((x) => x.name.includes("-admin-"))) expect(r.inputs.priority).toBeLessThan(deny);
    expect(deny).toBeLessThan(forward);
  });

  it("gives no two rules on the listener the same priority (AWS refuses duplicates)", () => {
    const listenerArn = run.get(T.listener, "platform-listener-443").state.arn;
    const priorities = run.ofType(T.listenerRule).filter((r) => r.inputs.listenerArn === listenerArn).map((r) => r.inputs.priority);
    expect(new Set(priorities).size).toBe(priorities.length);
  });
});

describe("the gateway with the intelligence layer off, its settings overridden and no admin CIDRs", () => {
  let run: ProgramRun;
  let c: Record<string, any>;
  beforeAll(async () => {
    run = await runProgram({
      stack: "staging",
      config: {
        gatewayIntelligenceEnabled: false,
        gatewaySummaryThresholdBytes: 4096,
        gatewayIntelligenceTtlHours: 12,
        gatewayAdminCidrs: [],
        gatewayHealthCheckGracePeriodSeconds: 300,
      },
    });
    c = containers(run);
  });

  it("runs no ChromaDB container and nothing waits for one", () => {
    expect(Object.keys(c)).toEqual(["gateway"]);
    expect(c.gateway.dependsOn).toBeUndefined();
  });

  it("creates no chroma access point, task volume, image or repository", () => {
    expect(run.find(T.accessPoint, "gateway-chroma")).toBeUndefined();
    expect(efsVolumes(run.get(T.taskDefinition, "gateway")).map((v: any) => v.name).sort()).toEqual(["tenants", "workspace", "writer"]);
    expect(run.find(T.repository, "gateway-chroma")).toBeUndefined();
    expect(run.find("docker-build:index:Image", "gateway-chroma")).toBeUndefined();
  });

  it("tells the gateway the layer is off and passes the configured summary threshold and TTL", () => {
    expect(env(c.gateway)).toMatchObject({
      MCP_GATEWAY_INTELLIGENCE_ENABLED: "false",
      MCP_GATEWAY_SUMMARY_THRESHOLD_BYTES: "4096",
      MCP_GATEWAY_INTELLIGENCE_TTL_HOURS: "12",
    });
  });

  it("uses the configured grace period", () => {
    expect(run.get(T.service, "gateway").inputs.healthCheckGracePeriodSeconds).toBe(300);
  });

  it("closes /api/keys* to everyone: only the 403 deny, no admin forward", () => {
    expect(keyApiRules(run).map((r) => r.name)).toEqual(["gateway-3000-deny", "gateway-3000-forward"]);
  });
});

describe("gateway config errors", () => {
  it.each(["chromadb/chroma:latest", "chromadb/chroma:1.0", "chromadb/chroma"])("refuses an unpinned ChromaDB image (%s)", async (image) => {
    await expect(runProgram({ stack: "prod", config: { gatewayChromaImage: image } })).rejects.toThrow(
      `ai-platform:gatewayChromaImage: "${image}" is not pinned; use a version tag such as chromadb/chroma:1.0.15`,
    );
  });

  it("copies a ChromaDB image given by exact version or by digest", async () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    const forms = ["chromadb/chroma:1.0.16", `chromadb/chroma@${digest}`, `chromadb/chroma:1.0.15@${digest}`];
    // Every form passes the key's check; the value then goes to the build untouched, whatever its form: the
    // longest through the whole program, the committed one in the stack's own run.
    for (const image of forms) expect([image, limitProblem(configSchema.gatewayChromaImage, image)]).toEqual([image, undefined]);
    for (const [run, image] of [
      [await runProgram({ stack: "prod", config: { gatewayChromaImage: forms[2] } }), forms[2]],
      [await runProgram({ stack: "prod" }), configSchema.gatewayChromaImage.default],
    ] as const) {
      expect(run.get("docker-build:index:Image", "gateway-chroma").inputs.buildArgs).toEqual({ CHROMA_IMAGE: image });
    }
  });

  it("refuses an admin CIDR that is not a CIDR block", async () => {
    await expect(runProgram({ stack: "prod", config: { gatewayAdminCidrs: ["10.0.0.1"] } })).rejects.toThrow(
      'ai-platform:gatewayAdminCidrs: "10.0.0.1" is not an IPv4 CIDR block such as 203.0.113.0/24',
    );
  });

  it("requires the Gemini key in Secrets Manager, naming the command that puts it", async () => {
    await expect(runProgram({ stack: "staging", secretsManager: { empty: ["geminiApiKey"] } })).rejects.toThrow(
      "put it with `scripts/stack-secrets.sh staging geminiApiKey`",
    );
  });
});
