/**
 * The FargateService building block, as the three systems use it in both stacks, and the arguments it refuses.
 *
 * What a reviewer checks in the account: task definitions, the execution and task roles (least privilege), the
 * task security groups (only the load balancer, only exposed ports), services in private subnets, target groups
 * and listener rules, circuit breaker, grace periods, autoscaling for the stateless console and single-writer
 * deploys for the stateful gateway and security stack.
 */
import * as pulumi from "@pulumi/pulumi";
import "./support/quiet-pulumi";
import * as aws from "@pulumi/aws";
import { Captured, ProgramRun, containerDefinitions, efsVolumes, policyDocument, runProgram } from "./support/harness";
import { ContainerSpec } from "../components/service/container-definition";
import { FargateService, FargateServiceArgs } from "../components/service/fargate-service";
import { Endpoint } from "../components/service/load-balancing";

const SERVICE = "aws:ecs/service:Service";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SCALING_TARGET = "aws:appautoscaling/target:Target";
const SCALING_POLICY = "aws:appautoscaling/policy:Policy";

/** The three services: logical name, ECR repositories, containers, EFS volumes, ports published through the ALB. */
const SYSTEMS = [
  {
    service: "gateway",
    // The gateway's image and the copy of ChromaDB's.
    repositories: ["gateway", "gateway-chroma"],
    output: "gateway",
    sizeKeys: ["gatewayCpu", "gatewayMemory"],
    containers: ["chromadb", "gateway"],
    startOrder: [["gateway", "chromadb", "HEALTHY"]],
    // The writer directory (lock and snapshots) beside the app's own.
    volumes: ["chroma", "tenants", "workspace", "writer"],
    exposed: [3000],
  },
  {
    service: "security",
    repositories: ["security"],
    output: "securityStack",
    sizeKeys: ["securityStackCpu", "securityStackMemory"],
    containers: ["data-plane", "management-plane", "control-plane"],
    startOrder: [
      ["management-plane", "data-plane", "HEALTHY"],
      ["control-plane", "management-plane", "HEALTHY"],
    ],
    volumes: ["data", "hf-cache", "writer"],
    exposed: [8000, 8001],
  },
  {
    service: "console",
    repositories: ["console"],
    output: "uiConsole",
    sizeKeys: ["uiConsoleCpu", "uiConsoleMemory"],
    containers: ["console"],
    startOrder: [],
    volumes: [],
    exposed: [8080],
  },
] as const;

/** AWS refuses target-group names over 32 characters; the provider appends 8 to the logical name. */
const TARGET_GROUP_NAME_LIMIT = 32;

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown };

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const statements = (r: Captured | undefined): Statement[] => (r ? policyDocument(r).Statement : []);
const actionsOf = (s: Statement[]): string[] => s.flatMap((x) => asList(x.Action));

function taskSecurityGroupId(run: ProgramRun, service: string): string {
  return run.get(SERVICE, service).inputs.networkConfiguration.securityGroups[0];
}

/** The ARNs every container of a task definition reads secrets from (`valueFrom`). */
function secretArnsOf(run: ProgramRun, service: string): string[] {
  const defs = containerDefinitions(run.get(TASK_DEFINITION, service));
  return [...new Set(defs.flatMap((c) => (c.secrets ?? []).map((s: { valueFrom: string }) => s.valueFrom)))].sort();
}

function ingressRulesOf(run: ProgramRun, securityGroupId: string): Captured[] {
  return run.ofType(INGRESS_RULE).filter((r) => r.inputs.securityGroupId === securityGroupId);
}

const admits = (rule: Captured, port: number): boolean =>
  rule.inputs.ipProtocol === "-1" || (rule.inputs.fromPort <= port && port <= rule.inputs.toPort);

// Each stack runs once; every section below reads the same two runs.
const runs = {} as Record<"staging" | "prod", ProgramRun>;
beforeAll(async () => {
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
});

describe.each(["staging", "prod"] as const)("FargateService in the %s stack", (stack) => {
  let run: ProgramRun;
  beforeAll(() => {
    run = runs[stack];
  });

  describe.each(SYSTEMS)("the $service service", ({ service, repositories, output, sizeKeys, containers, startOrder, volumes, exposed }) => {
    it("runs its containers in one Fargate task of the configured size, on Linux x86_64, with its own roles", () => {
      const td = run.get(TASK_DEFINITION, service);
      expect(td.inputs.requiresCompatibilities).toEqual(["FARGATE"]);
      expect(td.inputs.networkMode).toBe("awsvpc");
      expect([td.inputs.cpu, td.inputs.memory]).toEqual(sizeKeys.map((k) => run.config[`ai-platform:${k}`]));
      expect(td.inputs.runtimePlatform).toEqual({ cpuArchitecture: "X86_64", operatingSystemFamily: "LINUX" });
      expect(td.inputs.executionRoleArn).toBe(run.get("aws:iam/role:Role", `${service}-execution`).state.arn);
      expect(td.inputs.taskRoleArn).toBe(run.get("aws:iam/role:Role", `${service}-task`).state.arn);
      // The provider sorts containers by name before it compares; they go out in that order.
      expect(containerDefinitions(td).map((c) => c.name)).toEqual([...containers].sort());
    });

    it("starts each container only after the one it needs is healthy", () => {
      const order = containerDefinitions(run.get(TASK_DEFINITION, service)).flatMap((c) =>
        (c.dependsOn ?? []).map((d: { containerName: string; condition: string }) => [c.name, d.containerName, d.condition]),
      );
      expect(order.sort()).toEqual([...startOrder].sort());
    });

    it("logs to its own log group, kept for the stack's retention", () => {
      const logGroup = run.get("aws:cloudwatch/logGroup:LogGroup", service);
      expect(logGroup.inputs.retentionInDays).toBe(Number(run.config["ai-platform:logRetentionDays"]));
      expect(run.outputs.logGroupNames[output]).toBe(logGroup.state.name);
      for (const c of containerDefinitions(run.get(TASK_DEFINITION, service))) {
        expect(c.logConfiguration.options["awslogs-group"]).toBe(logGroup.state.name);
      }
    });

    it(`mounts ${volumes.length ? volumes.join(", ") : "no volume"} from EFS, each through its access point with TLS and IAM`, () => {
      const taskVolumes = efsVolumes(run.get(TASK_DEFINITION, service));
      expect(taskVolumes.map((v) => v.name).sort()).toEqual(volumes);
      for (const v of taskVolumes) {
        expect(v.efsVolumeConfiguration).toMatchObject({
          fileSystemId: run.outputs.efsFileSystemIds[output],
          transitEncryption: "ENABLED",
          authorizationConfig: { iam: "ENABLED", accessPointId: expect.stringMatching(/^fsap-/) },
        });
      }
    });

    describe("its execution role", () => {
      let policy: Statement[];
      beforeAll(() => {
        policy = statements(run.get(ROLE_POLICY, `${service}-execution`));
      });

      it(`pulls images from exactly the ${repositories.join(" and ")} ${repositories.length > 1 ? "repositories" : "repository"}`, () => {
        const pull = policy.filter((s) => actionsOf([s]).some((a) => a.startsWith("ecr:") && a !== "ecr:GetAuthorizationToken"));
        const arns = repositories.map((r) => run.get("aws:ecr/repository:Repository", r).state.arn);
        expect(pull.flatMap((s) => asList(s.Resource)).sort()).toEqual(arns.sort());
      });

      it("allows nothing on every resource but ECR's token call, which has no resource to scope to", () => {
        expect(actionsOf(policy.filter((s) => asList(s.Resource).includes("*")))).toEqual(["ecr:GetAuthorizationToken"]);
      });

      it("writes logs to its own log group only", () => {
        const logs = policy.filter((s) => actionsOf([s]).some((a) => a.startsWith("logs:")));
        expect(logs.flatMap((s) => asList(s.Resource))).toEqual([`${run.get("aws:cloudwatch/logGroup:LogGroup", service).state.arn}:*`]);
        expect(actionsOf(logs).sort()).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
      });

      it("reads exactly the secrets its containers reference, and no other", () => {
        const reads = policy.filter((s) => actionsOf([s]).some((a) => a.startsWith("secretsmanager:")));
        expect(actionsOf(reads)).toEqual(secretArnsOf(run, service).length ? ["secretsmanager:GetSecretValue"] : []);
        expect(reads.flatMap((s) => asList(s.Resource)).sort()).toEqual(secretArnsOf(run, service));
      });
    });

    it("admits only the load balancer, and only on the exposed container ports", () => {
      const sgId = taskSecurityGroupId(run, service);
      const securityGroup = run.ofType("aws:ec2/securityGroup:SecurityGroup").find((g) => g.name === `${service}-tasks`)!;
      expect(securityGroup.inputs.ingress ?? []).toEqual([]);
      const rules = ingressRulesOf(run, sgId);
      expect(rules.map((r) => r.inputs.referencedSecurityGroupId)).toEqual(exposed.map(() => run.outputs.albSecurityGroupId));
      expect(rules.every((r) => !r.inputs.cidrIpv4 && !r.inputs.cidrIpv6 && !r.inputs.prefixListId)).toBe(true);
      expect(rules.map((r) => [r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort]).sort()).toEqual(
        exposed.map((p) => ["tcp", p, p]).sort(),
      );
    });

    it("runs in the private subnets without a public IP", () => {
      const svc = run.get(SERVICE, service);
      // On Fargate through a capacity strategy, never a launch type (components/service/capacity.ts).
      expect(svc.inputs.launchType).toBeUndefined();
      expect(svc.inputs.capacityProviderStrategies.map((c: any) => c.capacityProvider).every((p: string) => p.startsWith("FARGATE"))).toBe(true);
      expect(svc.inputs.networkConfiguration.assignPublicIp).toBe(false);
      expect(svc.inputs.networkConfiguration.subnets).toEqual(run.outputs.privateSubnetIds);
      expect(run.outputs.publicSubnetIds.some((s: string) => svc.inputs.networkConfiguration.subnets.includes(s))).toBe(false);
    });

    it("rolls a failed deployment back and makes `pulumi up` wait for steady state", () => {
      const svc = run.get(SERVICE, service);
      expect(svc.inputs.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
      expect(svc.inputs.waitForSteadyState).toBe(true);
    });

    it("gives new tasks a grace period at least as long as their exposed containers' start period", () => {
      const svc = run.get(SERVICE, service);
      const defs = containerDefinitions(run.get(TASK_DEFINITION, service));
      const exposedContainers = svc.inputs.loadBalancers.map((lb: { containerName: string }) => defs.find((c) => c.name === lb.containerName));
      const slowestStart = Math.max(...exposedContainers.map((c: any) => c.healthCheck.startPeriod));
      expect(svc.inputs.healthCheckGracePeriodSeconds).toBeGreaterThanOrEqual(slowestStart);
    });

    it.each(exposed.map((p) => [p]))("publishes container port %i through an IP target group that checks /health", (port) => {
      const tg = run.get(TARGET_GROUP, `${service}-${port}`);
      expect(tg.inputs).toMatchObject({ targetType: "ip", protocol: "HTTP", port, deregistrationDelay: 20 });
      expect(tg.inputs.healthCheck).toEqual({
        enabled: true,
        path: "/health",
        port: String(port),
        protocol: "HTTP",
        matcher: "200",
        interval: 5,
        timeout: 4,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      });
      expect(tg.name.length).toBeLessThanOrEqual(24);
      expect(tg.state.name.length).toBeLessThanOrEqual(TARGET_GROUP_NAME_LIMIT);
      // The service registers the container listening on that port with this target group...
      const binding = run.get(SERVICE, service).inputs.loadBalancers.find((lb: any) => lb.targetGroupArn === tg.state.arn);
      expect(binding.containerPort).toBe(port);
      const container = containerDefinitions(run.get(TASK_DEFINITION, service)).find((c) => c.name === binding.containerName);
      expect(container.portMappings.map((m: { containerPort: number }) => m.containerPort)).toContain(port);
      // ...and a listener rule forwards the endpoint's traffic to it.
      const forward = run.ofType(LISTENER_RULE).filter((r) => r.inputs.actions.some((a: any) => a.type === "forward" && a.targetGroupArn === tg.state.arn));
      expect(forward.map((r) => r.name)).toContain(`${service}-${port}-forward`);
    });
  });

  describe("the stateful gateway and security stack", () => {
    it.each(["gateway", "security"])("%s runs one task and stops the old one before starting the new one", (service) => {
      const svc = run.get(SERVICE, service);
      expect(svc.inputs.desiredCount).toBe(1);
      expect(svc.inputs.deploymentMinimumHealthyPercent).toBe(0);
      expect(svc.inputs.deploymentMaximumPercent).toBe(100);
      // Only a sleep schedule owns the count of a single writer (between 0 and 1).
      expect(svc.ignoreChanges.includes("desiredCount")).toBe(Boolean(run.config["ai-platform:awakeHours"]));
    });

    it("have no autoscaling: nothing may add a second writer (a sleeping stack's target stops at 1)", () => {
      const serviceNames = [run.outputs.serviceNames.gateway, run.outputs.serviceNames.securityStack];
      const targets = run.ofType(SCALING_TARGET).filter((t) => serviceNames.some((n) => t.inputs.resourceId.endsWith(`/${n}`)));
      for (const t of targets) expect(t.inputs.maxCapacity).toBeLessThanOrEqual(1);
      expect(targets).toHaveLength(run.config["ai-platform:awakeHours"] ? 2 : 0);
      const policies = run.ofType("aws:appautoscaling/policy:Policy").filter((p) => targets.some((t) => t.inputs.resourceId === p.inputs.resourceId));
      expect(policies).toEqual([]);
    });

    it("never admit the data plane's gRPC port 50051 from anywhere", () => {
      const sgId = taskSecurityGroupId(run, "security");
      expect(ingressRulesOf(run, sgId).filter((r) => admits(r, 50051))).toEqual([]);
      expect(run.ofType(TARGET_GROUP).filter((tg) => tg.inputs.port === 50051)).toEqual([]);
    });
  });

  describe("the stateless console", () => {
    it("scales between the configured minimum and maximum", () => {
      const target = run.get(SCALING_TARGET, "console");
      expect(target.inputs).toMatchObject({
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: `service/${run.outputs.clusterName}/${run.outputs.serviceNames.uiConsole}`,
        minCapacity: Number(run.config["ai-platform:uiConsoleMinCount"]),
        maxCapacity: Number(run.config["ai-platform:uiConsoleMaxCount"]),
      });
      const svc = run.get(SERVICE, "console");
      expect(svc.inputs.desiredCount).toBe(target.inputs.minCapacity);
      // Autoscaling owns the running count; a deploy must not reset it.
      expect(svc.ignoreChanges).toContain("desiredCount");
      expect([svc.inputs.deploymentMinimumHealthyPercent, svc.inputs.deploymentMaximumPercent]).toEqual([100, 200]);
    });

    it("tracks CPU and requests per target on its own target group", () => {
      const target = run.get(SCALING_TARGET, "console");
      const policies = run.ofType(SCALING_POLICY).filter((p) => p.inputs.resourceId === target.inputs.resourceId);
      const byMetric = Object.fromEntries(
        policies.map((p) => [p.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType, p.inputs]),
      );
      expect(Object.keys(byMetric).sort()).toEqual(["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization"]);
      for (const p of policies) expect(p.inputs.policyType).toBe("TargetTrackingScaling");
      const label = byMetric.ALBRequestCountPerTarget.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.resourceLabel;
      expect(label).toMatch(/^app\/[^/]+\/[0-9a-f]+\/targetgroup\/[^/]+\/[0-9a-f]+$/);
      expect(label).toBe(`${run.get("aws:lb/loadBalancer:LoadBalancer", "platform").state.arnSuffix}/${run.get(TARGET_GROUP, "console-8080").state.arnSuffix}`);
    });

    it("rolls out one target within 45 s: healthy checks in a row plus connection draining", () => {
      const tg = run.get(TARGET_GROUP, "console-8080").inputs;
      const fromTargetGroup = tg.healthCheck.healthyThreshold * tg.healthCheck.interval + tg.deregistrationDelay;
      expect(run.outputs.rolloutBoundSeconds.uiConsole).toBe(fromTargetGroup);
      expect(fromTargetGroup).toBeLessThanOrEqual(45);
      if (stack === "staging") {
        console.log(
          `rollout bound (defaults): ${tg.healthCheck.healthyThreshold} healthy checks x ${tg.healthCheck.interval} s + ` +
            `${tg.deregistrationDelay} s deregistration = ${fromTargetGroup} s`,
        );
      }
    });
  });

  it("shares one log-group-per-service, target-group-per-port layout across the stack", () => {
    expect(run.ofType(TARGET_GROUP).map((t) => t.name).sort()).toEqual(
      SYSTEMS.flatMap((s) => s.exposed.map((p) => `${s.service}-${p}`)).sort(),
    );
  });
});

describe("ECS Exec: on in staging, off in prod", () => {
  const exec = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"];
  let staging: ProgramRun;
  let prod: ProgramRun;
  beforeAll(() => {
    ({ staging, prod } = runs);
  });

  it.each(SYSTEMS.map((s) => [s.service]))("staging's %s service allows execute-command and its task role the SSM channels", (service) => {
    expect(staging.get(SERVICE, service).inputs.enableExecuteCommand).toBe(true);
    const task = statements(staging.get(ROLE_POLICY, `${service}-task`));
    expect(actionsOf(task).filter((a) => a.startsWith("ssmmessages:")).sort()).toEqual(exec);
  });

  it.each(SYSTEMS.map((s) => [s.service]))("prod's %s service does not, and no prod role may open an SSM channel", (service) => {
    expect(prod.get(SERVICE, service).inputs.enableExecuteCommand).toBe(false);
    for (const p of prod.ofType(ROLE_POLICY)) expect(actionsOf(statements(p)).filter((a) => a.startsWith("ssm"))).toEqual([]);
  });

  it("in prod a task role holds its EFS access and nothing else; the console's holds nothing at all", () => {
    expect(actionsOf(statements(prod.get(ROLE_POLICY, "gateway-task"))).sort()).toEqual([
      "elasticfilesystem:ClientMount",
      "elasticfilesystem:ClientWrite",
    ]);
    expect(actionsOf(statements(prod.get(ROLE_POLICY, "security-task"))).sort()).toEqual([
      "elasticfilesystem:ClientMount",
      "elasticfilesystem:ClientWrite",
    ]);
    const consoleRole = prod.get("aws:iam/role:Role", "console-task").state.name;
    expect(prod.find(ROLE_POLICY, "console-task")).toBeUndefined();
    expect(prod.get("aws:iam/role:Role", "console-task").inputs.managedPolicyArns ?? []).toEqual([]);
    expect(prod.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === consoleRole)).toEqual([]);
  });
});

describe("a single writer cannot be scaled out", () => {
  it("has no key for its task count: a stack file that sets one is refused, naming the key", async () => {
    const attempt = runProgram({ stack: "staging", config: { gatewayDesiredCount: 2, securityStackDesiredCount: 3 } });
    await expect(attempt).rejects.toThrow("ai-platform:gatewayDesiredCount: is not a config key of this project");
    await expect(attempt).rejects.toThrow("ai-platform:securityStackDesiredCount: is not a config key of this project");
  });

  it("runs every service with a volume as one task that stops before its successor starts", async () => {
    const run = await runProgram({ stack: "prod" });
    const withVolumes = run.ofType(SERVICE).filter((s) => efsVolumes(run.ofType(TASK_DEFINITION).find((t) => t.state.arn === s.inputs.taskDefinition)!).length);
    expect(withVolumes.length).toBeGreaterThan(0);
    for (const s of withVolumes) {
      expect([s.name, s.inputs.desiredCount, s.inputs.deploymentMinimumHealthyPercent, s.inputs.deploymentMaximumPercent]).toEqual([s.name, 1, 0, 100]);
      expect(run.ofType(SCALING_TARGET).filter((t) => t.inputs.resourceId.endsWith(`/${s.state.name}`))).toEqual([]);
    }
  });
});

// Constructs the component directly under its own mocks; last, because a program run replaces the mock monitor
// that the components' pending registrations still talk to.
describe("FargateService refuses arguments AWS would refuse, naming the service", () => {
  let args: (patch?: Partial<FargateServiceArgs>, container?: Partial<ContainerSpec>) => FargateServiceArgs;
  const ecrImage = (repo: string) => ({
    ref: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${repo}:sha-0@sha256:${"0".repeat(64)}`,
    repositoryArn: `arn:aws:ecr:eu-west-1:123456789012:repository/${repo}`,
  });

  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      { newResource: (a) => ({ id: `${a.name}-id`, state: { ...a.inputs, arn: `arn:aws:mock:${a.name}` } }), call: (a) => a.inputs },
      "ai-platform",
      "unit",
      false,
    );
    const loadBalancer = new aws.lb.LoadBalancer("lb", {});
    const listener = new aws.lb.Listener("web", { loadBalancerArn: loadBalancer.arn, port: 80, defaultActions: [] });
    const endpoint: Endpoint = { name: "web", listener, priority: 100, url: pulumi.output("http://lb.example") };
    const capacityProviders = new aws.ecs.ClusterCapacityProviders("unit", { clusterName: "unit", capacityProviders: ["FARGATE"] });
    args = (patch = {}, container = {}) => ({
      capacityProviders,
      clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/unit",
      clusterName: "unit",
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: ["subnet-0123456789abcdef0"],
      loadBalancer,
      albSecurityGroupId: "sg-0123456789abcdef0",
      roleScope: { path: "/ai-platform/unit/", permissionsBoundary: "arn:aws:iam::123456789012:policy/ai-platform/ai-platform-stack-boundary" },
      size: { cpu: 256, memory: 512 },
      architecture: "X86_64",
      containers: [
        { name: "sidecar", image: ecrImage("sidecar"), healthCheck: { command: ["CMD-SHELL", "true"] }, user: "1000:1000", writablePaths: ["/tmp"] },
        {
          name: "web",
          image: ecrImage("web"),
          ports: [8080],
          healthCheck: { command: ["CMD-SHELL", "true"] },
          user: "101:101",
          writablePaths: ["/tmp"],
          ...container,
        },
      ],
      exposedPorts: [{ endpoint, containerName: "web", containerPort: 8080, healthCheckPath: "/health" }],
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 3, deregistrationDelaySeconds: 30 },
      healthCheckGracePeriodSeconds: 60,
      logRetentionDays: 14,
      scaling: { mode: "stateless", min: 1, max: 2 },
      ...patch,
    });
  });

  it("accepts the well-formed arguments every case below starts from", async () => {
    const service = new FargateService("web", args({}, { dependsOn: [{ containerName: "sidecar", condition: "HEALTHY" }] }));
    const defs = await new Promise<string>((resolve) => service.taskDefinition.containerDefinitions.apply(resolve));
    expect(JSON.parse(defs).map((c: { name: string }) => c.name)).toEqual(["sidecar", "web"]);
  });

  it("a dependsOn naming a container the task does not have", () => {
    expect(() => new FargateService("dep", args({}, { dependsOn: [{ containerName: "db", condition: "HEALTHY" }] }))).toThrow(
      "service dep: container web: dependsOn unknown container db",
    );
  });

  it("a container health-check interval of 400 s (ECS allows 5 to 300)", () => {
    expect(() => new FargateService("hc", args({}, { healthCheck: { command: ["CMD-SHELL", "true"], intervalSeconds: 400 } }))).toThrow(
      "service hc: container web: health check interval 400 is outside ECS's 5 to 300",
    );
  });

  it("an exposed port the container does not listen on", () => {
    const base = args();
    const exposedPorts = [{ ...base.exposedPorts[0], containerPort: 9090 }];
    expect(() => new FargateService("port", { ...base, exposedPorts })).toThrow("service port: exposed port 9090: container web does not listen on it");
  });

  it.each(["0:0", "0", "root", "1000"])("a container whose user is %s: root, or not a uid:gid the access points can be checked against", (user) => {
    expect(() => new FargateService("root", args({}, { user }))).toThrow(`service root: container web: user "${user}" is not a non-root uid:gid such as 1000:1000`);
  });

  it("a writable path that is not absolute", () => {
    expect(() => new FargateService("rel", args({}, { writablePaths: ["tmp"] }))).toThrow("service rel: container web: writable path tmp is not absolute");
  });

  it("renders every container hardened: its user, all capabilities dropped, a read-only root and a scratch volume per writable path", async () => {
    const service = new FargateService("hard", args());
    const defs = JSON.parse(await new Promise<string>((resolve) => service.taskDefinition.containerDefinitions.apply(resolve)));
    expect(defs.map((c: any) => [c.name, c.user, c.readonlyRootFilesystem, c.linuxParameters, c.mountPoints])).toEqual([
      ["sidecar", "1000:1000", true, { capabilities: { drop: ["ALL"] }, initProcessEnabled: true }, [{ sourceVolume: "sidecar-tmp", containerPath: "/tmp" }]],
      ["web", "101:101", true, { capabilities: { drop: ["ALL"] }, initProcessEnabled: true }, [{ sourceVolume: "web-tmp", containerPath: "/tmp" }]],
    ]);
    const volumes = await new Promise<any[]>((resolve) => pulumi.output(service.taskDefinition.volumes).apply((v) => resolve(v ?? [])));
    expect(volumes).toEqual([{ name: "sidecar-tmp" }, { name: "web-tmp" }]);
  });

  it("keeps the root file system writable with ECS Exec on, whose agent writes into it", async () => {
    const service = new FargateService("exec", args({ enableExecuteCommand: true }));
    const defs = JSON.parse(await new Promise<string>((resolve) => service.taskDefinition.containerDefinitions.apply(resolve)));
    expect(defs.map((c: any) => c.readonlyRootFilesystem)).toEqual([undefined, undefined]);
  });

  it("a service name that makes the target group's logical name longer than 24 characters", () => {
    expect(() => new FargateService("gateway-administration-api", args())).toThrow(
      "service gateway-administration-api: target group name gateway-administration-api-8080 is longer than 24 characters " +
        "(AWS allows 32 with the provider's suffix); use a shorter service name",
    );
  });

  it("lists every problem at once", () => {
    const bad = args({}, { dependsOn: [{ containerName: "db", condition: "START" }], healthCheck: { command: ["CMD-SHELL", "true"], retries: 0 } });
    expect(() => new FargateService("many", bad)).toThrow(
      "service many: container web: health check retries 0 is outside ECS's 1 to 10; container web: dependsOn unknown container db",
    );
  });
});
