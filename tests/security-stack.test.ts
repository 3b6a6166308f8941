/**
 * The AI Security Stack (components/systems/security-stack.ts) as AWS would receive it: one image, three containers
 * ordered by health where the seed ran supervisord, the data plane's gRPC port kept inside the task, SQLite data
 * and the model cache on EFS with a single writer, secrets by ARN, and the two public endpoints.
 */
import { Captured, ProgramRun, StackName, containerDefinitions, efsVolumes, policyDocument, runProgram } from "./support/harness";

const T = {
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  accessPoint: "aws:efs/accessPoint:AccessPoint",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  repository: "aws:ecr/repository:Repository",
  scalingTarget: "aws:appautoscaling/target:Target",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
};

const DATA_PLANE_PORT = 50051;

function containers(run: ProgramRun): Record<string, any> {
  return Object.fromEntries(containerDefinitions(run.get(T.taskDefinition, "security")).map((c) => [c.name, c]));
}

function env(container: any): Record<string, string> {
  return Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
}

const accessPointId = (ap: Captured): string => ap.state.arn.split("/").pop();
const covers = (rule: Captured, port: number): boolean => rule.inputs.fromPort <= port && port <= rule.inputs.toPort;

describe.each<[string, StackName, { supabaseUrl: string; api: { listener: string; host?: string }; control: { listener: string; host?: string }; config?: Record<string, unknown> }]>([
  [
    "staging",
    "staging",
    {
      supabaseUrl: "https://staging-tupl.supabase.co",
      api: { listener: "platform-listener-443", host: "api.staging.tupl.example.com" },
      control: { listener: "platform-listener-443", host: "control.staging.tupl.example.com" },
    },
  ],
  [
    "staging without a domain",
    "staging",
    {
      supabaseUrl: "https://staging-tupl.supabase.co",
      api: { listener: "platform-listener-8000" },
      control: { listener: "platform-listener-8001" },
      config: { domain: "" },
    },
  ],
  [
    "prod",
    "prod",
    {
      supabaseUrl: "https://tupl.supabase.co",
      api: { listener: "platform-listener-443", host: "api.tupl.example.com" },
      control: { listener: "platform-listener-443", host: "control.tupl.example.com" },
    },
  ],
])("the security stack in %s", (_label, stack, expected) => {
  let run: ProgramRun;
  let c: Record<string, any>;
  beforeAll(async () => {
    run = await runProgram({ stack, config: expected.config });
    c = containers(run);
  });

  describe("containers", () => {
    it("runs the three processes as three essential containers of one task, all from the stack's one image", () => {
      expect(Object.keys(c).sort()).toEqual(["control-plane", "data-plane", "management-plane"]);
      const repositoryUrl = run.get(T.repository, "security").state.repositoryUrl;
      for (const container of Object.values(c)) {
        expect(container.essential).toBe(true);
        expect(container.image).toMatch(new RegExp(`^${repositoryUrl}:sha-[0-9a-f]+@sha256:[0-9a-f]{64}$`));
      }
      expect(new Set(Object.values(c).map((x) => x.image)).size).toBe(1);
    });

    it("runs the data plane as /app/bridge-server on gRPC port 50051", () => {
      expect(c["data-plane"].command).toEqual(["/app/bridge-server"]);
      expect(c["data-plane"].portMappings).toEqual([{ containerPort: DATA_PLANE_PORT, hostPort: DATA_PLANE_PORT, protocol: "tcp" }]);
    });

    it("runs the management plane with uvicorn in /app/management-plane on 8000", () => {
      expect(c["management-plane"].command).toEqual(["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]);
      expect(c["management-plane"].workingDirectory).toBe("/app/management-plane");
      expect(c["management-plane"].portMappings).toEqual([{ containerPort: 8000, hostPort: 8000, protocol: "tcp" }]);
    });

    it("runs the control plane with python server.py in /app/policy_control_plane on 8001", () => {
      expect(c["control-plane"].command).toEqual(["python", "server.py"]);
      expect(c["control-plane"].workingDirectory).toBe("/app/policy_control_plane");
      expect(c["control-plane"].portMappings).toEqual([{ containerPort: 8001, hostPort: 8001, protocol: "tcp" }]);
    });

    it("starts them in order: management plane after a HEALTHY data plane, control plane after a HEALTHY management plane", () => {
      expect(c["data-plane"].dependsOn).toBeUndefined();
      expect(c["management-plane"].dependsOn).toEqual([{ containerName: "data-plane", condition: "HEALTHY" }]);
      expect(c["control-plane"].dependsOn).toEqual([{ containerName: "management-plane", condition: "HEALTHY" }]);
    });

    it("wires the planes to each other over localhost", () => {
      expect(env(c["management-plane"]).DATA_PLANE_GRPC_URL).toBe(`localhost:${DATA_PLANE_PORT}`);
      expect(env(c["control-plane"]).MANAGEMENT_PLANE_URL).toBe("http://localhost:8000");
      expect(env(c["data-plane"]).RUST_LOG).toBe("info");
    });

    it("gives every container SUPABASE_URL as a plain setting from the stack config, and the FFI library path", () => {
      for (const container of Object.values(c)) {
        expect(env(container)).toMatchObject({ SUPABASE_URL: expected.supabaseUrl, LD_LIBRARY_PATH: "/app" });
      }
    });
  });

  describe("container health checks", () => {
    it("checks the data plane with a TCP connect to 50051", () => {
      const [kind, script] = c["data-plane"].healthCheck.command;
      expect(kind).toBe("CMD-SHELL");
      expect(script).toContain("create_connection(('127.0.0.1', 50051)");
    });

    it("checks the management plane by parsing the JSON body and requiring status healthy, not by status code alone", () => {
      const [kind, script] = c["management-plane"].healthCheck.command;
      expect(kind).toBe("CMD-SHELL");
      expect(script).toContain("http://127.0.0.1:8000/health");
      expect(script).toContain("json.load(");
      expect(script).toContain("b.get('status') == 'healthy'");
      // The control plane's status-code check, applied to 8000, would pass a management plane that says unhealthy.
      expect(script).not.toBe(c["control-plane"].healthCheck.command[1].replace("8001", "8000"));
    });

    it("checks the control plane's /health on 8001, which answers 503 when unhealthy", () => {
      const [, script] = c["control-plane"].healthCheck.command;
      expect(script).toContain("http://127.0.0.1:8001/health");
    });
  });

  describe("the data plane's gRPC port", () => {
    it("has no target group, no service load balancer entry and no listener", () => {
      expect(run.ofType(T.targetGroup).filter((t) => t.inputs.port === DATA_PLANE_PORT)).toEqual([]);
      expect(run.get(T.service, "security").inputs.loadBalancers.map((l: any) => l.containerPort)).not.toContain(DATA_PLANE_PORT);
      expect(run.ofType(T.listener).filter((l) => l.inputs.port === DATA_PLANE_PORT)).toEqual([]);
    });

    it("is admitted by no security-group rule; the task admits only 8000 and 8001, from the load balancer", () => {
      const [tasksSg] = run.get(T.service, "security").inputs.networkConfiguration.securityGroups;
      expect(run.ofType(T.ingressRule).filter((r) => covers(r, DATA_PLANE_PORT))).toEqual([]);
      expect(run.ofType(T.egressRule).filter((r) => r.inputs.securityGroupId === run.outputs.albSecurityGroupId && covers(r, DATA_PLANE_PORT))).toEqual([]);
      const ingress = run.ofType(T.ingressRule).filter((r) => r.inputs.securityGroupId === tasksSg);
      expect(ingress.map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId])).toEqual([
        [8000, 8000, run.outputs.albSecurityGroupId],
        [8001, 8001, run.outputs.albSecurityGroupId],
      ]);
    });
  });

  describe("state on EFS", () => {
    it("mounts /app/data in all three containers and the model cache where HF_HOME points", () => {
      const data = { sourceVolume: "data", containerPath: "/app/data" };
      for (const name of ["data-plane", "management-plane"]) {
        const container = c[name];
        const cache = container.mountPoints.find((m: any) => m.sourceVolume === "hf-cache");
        expect(container.mountPoints).toContainEqual(data);
        expect(cache).toBeDefined();
        expect(env(container).HF_HOME).toBe(cache.containerPath);
      }
      expect(c["control-plane"].mountPoints).toContainEqual(data);
    });

    it("runs every process under the task's writer lock, and takes the copy of /app/data in the data plane alone", () => {
      for (const name of ["data-plane", "management-plane", "control-plane"]) {
        expect(c[name].mountPoints).toContainEqual({ sourceVolume: "writer", containerPath: "/var/lib/writer" });
        expect(env(c[name]).WRITER_DIR).toBe("/var/lib/writer");
      }
      expect(Object.entries(c).filter(([, container]) => env(container).STATE_SNAPSHOTS).map(([name, container]) => [name, env(container).STATE_SNAPSHOTS])).toEqual([
        ["data-plane", "data=/app/data"],
      ]);
    });

    it("backs data, hf-cache and the writer directory by their own access points, with transit encryption and IAM authorization", () => {
      const volumes = efsVolumes(run.get(T.taskDefinition, "security"));
      expect(volumes.map((v: any) => v.name).sort()).toEqual(["data", "hf-cache", "writer"]);
      for (const v of volumes) {
        const ap = run.get(T.accessPoint, `security-${v.name}`);
        expect(ap.inputs.fileSystemId).toBe(run.outputs.efsFileSystemIds.securityStack);
        expect(v.efsVolumeConfiguration).toEqual({
          fileSystemId: run.outputs.efsFileSystemIds.securityStack,
          transitEncryption: "ENABLED",
          authorizationConfig: { accessPointId: accessPointId(ap), iam: "ENABLED" },
        });
      }
      expect(run.get(T.accessPoint, "security-data").inputs.rootDirectory.path).toBe("/security-stack/data");
      expect(run.get(T.accessPoint, "security-hf-cache").inputs.rootDirectory.path).toBe("/security-stack/hf-cache");
    });

    it("runs one task and stops the old task before starting the new one (single SQLite writer)", () => {
      const svc = run.get(T.service, "security").inputs;
      expect(svc.desiredCount).toBe(1);
      expect(svc.deploymentMinimumHealthyPercent).toBe(0);
      expect(svc.deploymentMaximumPercent).toBe(100);
      expect(svc.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
      // Nothing may add a second writer: no autoscaling; with a sleep schedule only a 0-to-1 target it owns.
      const target = run.find(T.scalingTarget, "security");
      if (run.config["ai-platform:awakeHours"]) expect(target?.inputs).toMatchObject({ minCapacity: 0, maxCapacity: 1 });
      else expect(target).toBeUndefined();
      expect(run.ofType("aws:appautoscaling/policy:Policy").filter((p) => p.name.startsWith("security-"))).toEqual([]);
    });
  });

  describe("secrets", () => {
    it("injects GOOGLE_API_KEY and SUPABASE_JWT_SECRET by ARN into the management plane, the JWT secret into the control plane", () => {
      const google = run.get("ai-platform:secret:Secret", "security-google-api-key").state.arn;
      const jwt = run.get("ai-platform:secret:Secret", "security-supabase-jwt").state.arn;
      expect(google).toMatch(/^arn:aws:secretsmanager:eu-west-1:\d{12}:secret:/);
      expect(c["management-plane"].secrets).toEqual([
        { name: "GOOGLE_API_KEY", valueFrom: google },
        { name: "SUPABASE_JWT_SECRET", valueFrom: jwt },
      ]);
      expect(c["control-plane"].secrets).toEqual([{ name: "SUPABASE_JWT_SECRET", valueFrom: jwt }]);
      expect(c["data-plane"].secrets).toBeUndefined();
    });

    it("holds no version of the operators' secrets, and never names them in the plain environment", () => {
      expect(run.find(T.secretVersion, "security-google-api-key")).toBeUndefined();
      expect(run.find(T.secretVersion, "security-supabase-jwt")).toBeUndefined();
      for (const container of Object.values(c)) {
        expect(Object.keys(env(container))).not.toContain("GOOGLE_API_KEY");
        expect(Object.keys(env(container))).not.toContain("SUPABASE_JWT_SECRET");
      }
    });

    it("lets the execution role read exactly the two secrets' ARNs", () => {
      const statements = policyDocument(run.get(T.rolePolicy, "security-execution")).Statement;
      const secrets = statements.find((s: any) => s.Action === "secretsmanager:GetSecretValue");
      expect(secrets.Resource).toEqual(
        [run.get("ai-platform:secret:Secret", "security-google-api-key").state.arn, run.get("ai-platform:secret:Secret", "security-supabase-jwt").state.arn].sort(),
      );
      const pull = statements.find((s: any) => Array.isArray(s.Action) && s.Action.includes("ecr:BatchGetImage"));
      expect(pull.Resource).toEqual([run.get(T.repository, "security").state.arn]);
    });
  });

  describe("public endpoints", () => {
    it.each([
      ["api", "management-plane", 8000],
      ["control", "control-plane", 8001],
    ] as const)("routes %s to the %s's port %i through a target group that checks /health", (endpoint, containerName, port) => {
      const tg = run.get(T.targetGroup, `security-${port}`).state;
      expect(tg).toMatchObject({ port, protocol: "HTTP", targetType: "ip" });
      expect(tg.healthCheck).toMatchObject({ enabled: true, path: "/health", port: String(port), matcher: "200" });
      expect(tg.name.length).toBeLessThanOrEqual(32);
      expect(run.get(T.service, "security").inputs.loadBalancers).toContainEqual({ containerName, containerPort: port, targetGroupArn: tg.arn });

      const { listener, host } = expected[endpoint];
      const rule = run.get(T.listenerRule, `security-${port}-forward`).inputs;
      expect(rule.listenerArn).toBe(run.get(T.listener, listener).state.arn);
      expect(rule.actions).toEqual([{ type: "forward", targetGroupArn: tg.arn }]);
      if (host) {
        expect(rule.conditions).toEqual([{ hostHeader: { values: [host] } }]);
      } else {
        expect(run.get(T.listener, listener).inputs.port).toBe(port);
        expect(rule.conditions).toEqual([{ pathPattern: { values: ["/*"] } }]);
      }
    });

    it("publishes the API and control URLs", () => {
      if (expected.api.host) {
        expect(run.outputs.apiUrl).toBe(`https://${expected.api.host}`);
        expect(run.outputs.controlUrl).toBe(`https://${expected.control.host}`);
      } else {
        expect(run.outputs.apiUrl).toBe(`http://${run.outputs.albDnsName}:8000`);
        expect(run.outputs.controlUrl).toBe(`http://${run.outputs.albDnsName}:8001`);
      }
    });
  });

  describe("grace period", () => {
    it("is at least 600 s by default, enough for the first start's model downloads", () => {
      expect(run.get(T.service, "security").inputs.healthCheckGracePeriodSeconds).toBe(900);
    });

    it("outlasts the longest the management plane's own health check may take before ECS gives up on it", () => {
      const h = c["management-plane"].healthCheck;
      expect(run.get(T.service, "security").inputs.healthCheckGracePeriodSeconds).toBeGreaterThanOrEqual(h.startPeriod + h.retries * h.interval);
    });
  });
});

describe("the security stack with a configured grace period and log level", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: "prod", config: { securityStackHealthCheckGracePeriodSeconds: 1800, securityStackRustLog: "debug" } });
  });

  it("uses the configured grace period", () => {
    expect(run.get(T.service, "security").inputs.healthCheckGracePeriodSeconds).toBe(1800);
  });

  it("passes the configured RUST_LOG to the data plane", () => {
    expect(env(containers(run)["data-plane"]).RUST_LOG).toBe("debug");
  });
});

describe("security stack config errors", () => {
  it("refuses a grace period beyond two hours", async () => {
    await expect(runProgram({ stack: "prod", config: { securityStackHealthCheckGracePeriodSeconds: 7201 } })).rejects.toThrow(
      "ai-platform:securityStackHealthCheckGracePeriodSeconds: 7201 is out of range; use 0 to 7200 seconds",
    );
  });

  it("requires both secrets in Secrets Manager", async () => {
    const error: Error = await runProgram({ stack: "prod", secretsManager: { missing: ["googleApiKey", "supabaseJwtSecret"] }, config: { systems: ["securityStack"] } }).then(
      () => new Error("no error"),
      (e) => e,
    );
    expect(error.message).toContain("put it with `scripts/stack-secrets.sh prod googleApiKey`");
    expect(error.message).toContain("put it with `scripts/stack-secrets.sh prod supabaseJwtSecret`");
  });

  it("requires the Supabase URL", async () => {
    const error: Error = await runProgram({ stack: "prod", unset: ["supabaseUrl"], config: { systems: ["securityStack"] } }).then(
      () => new Error("no error"),
      (e) => e,
    );
    expect(error.message).toContain(
      "ai-platform:supabaseUrl: is required by securityStack and uiConsole; run `pulumi config set supabaseUrl https://<ref>.supabase.co`",
    );
  });
});
