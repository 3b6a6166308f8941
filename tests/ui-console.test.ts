/**
 * The UI Console (components/systems/ui-console.ts): a bundle built with the other systems' public URLs, served by
 * unprivileged nginx on 8080 whose CSP admits exactly those origins, stateless and autoscaled.
 */
import { ProgramRun, StackName, containerDefinitions, runProgram } from "./support/harness";

const T = {
  image: "docker-build:index:Image",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
  record: "aws:route53/record:Record",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
};

function consoleContainer(run: ProgramRun): any {
  const defs = containerDefinitions(run.get(T.taskDefinition, "console"));
  expect(defs.map((d) => d.name)).toEqual(["console"]);
  return defs[0];
}

function env(container: any): Record<string, string> {
  return Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
}

describe.each<[string, StackName, { supabaseUrl: string; min: number; max: number; host?: string; listener: string; url: (alb: string) => string; config?: Record<string, unknown> }]>([
  [
    "staging",
    "staging",
    {
      supabaseUrl: "https://staging-tupl.supabase.co",
      min: 1,
      max: 2,
      host: "console.staging.tupl.example.com",
      listener: "platform-listener-443",
      url: () => "https://console.staging.tupl.example.com",
    },
  ],
  [
    "staging without a domain",
    "staging",
    { supabaseUrl: "https://staging-tupl.supabase.co", min: 1, max: 2, listener: "platform-listener-80", url: (alb) => `http://${alb}`, config: { domain: "" } },
  ],
  [
    "prod",
    "prod",
    {
      supabaseUrl: "https://tupl.supabase.co",
      min: 2,
      max: 6,
      host: "console.tupl.example.com",
      listener: "platform-listener-443",
      url: () => "https://console.tupl.example.com",
    },
  ],
])("the UI console in %s", (_label, stack, expected) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack, config: expected.config });
  });

  describe("image", () => {
    it("is built with the management plane's and the gateway's public URLs from the stack outputs", () => {
      const { buildArgs } = run.get(T.image, "console").inputs;
      expect(buildArgs.VITE_API_BASE_URL).toBe(run.outputs.apiUrl);
      expect(buildArgs.VITE_GATEWAY_BASE_URL).toBe(run.outputs.gatewayUrl);
    });

    it("is built with the Supabase URL and anon key from the stack config", () => {
      const { buildArgs } = run.get(T.image, "console").inputs;
      expect(buildArgs.VITE_SUPABASE_URL).toBe(expected.supabaseUrl);
      expect(buildArgs.VITE_SUPABASE_ANON_KEY).toBe(run.config["ai-platform:supabaseAnonKey"]);
      expect(buildArgs.VITE_SUPABASE_ANON_KEY).toMatch(/supabase-anon-key$/);
      expect(Object.keys(buildArgs).sort()).toEqual(["VITE_API_BASE_URL", "VITE_GATEWAY_BASE_URL", "VITE_SUPABASE_ANON_KEY", "VITE_SUPABASE_URL"]);
    });

    it("carries no secret into the bundle: only URLs and the public anon key", () => {
      const generated = run.ofType("aws:secretsmanager/secretVersion:SecretVersion").map((v) => v.inputs.secretString as string);
      const buildArgs = JSON.stringify(run.get(T.image, "console").inputs.buildArgs);
      for (const secret of generated) expect(buildArgs).not.toContain(secret);
      expect(buildArgs).not.toMatch(/secretsmanager/);
    });

    it("is what the console task runs, pinned by digest", () => {
      expect(consoleContainer(run).image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(consoleContainer(run).image.endsWith(run.outputs.imageDigests.uiConsole)).toBe(true);
    });
  });

  describe("container", () => {
    it("listens on 8080 (unprivileged nginx) and checks its own /health", () => {
      const c = consoleContainer(run);
      expect(c.portMappings).toEqual([{ containerPort: 8080, hostPort: 8080, protocol: "tcp" }]);
      expect(c.healthCheck.command).toEqual(["CMD-SHELL", expect.stringContaining("http://127.0.0.1:8080/health")]);
    });

    it("gets the CSP origins of the API, the gateway and Supabase as API_ORIGIN, GATEWAY_ORIGIN and SUPABASE_ORIGIN", () => {
      expect(env(consoleContainer(run))).toEqual({
        API_ORIGIN: new URL(run.outputs.apiUrl).origin,
        GATEWAY_ORIGIN: new URL(run.outputs.gatewayUrl).origin,
        SUPABASE_ORIGIN: new URL(expected.supabaseUrl).origin,
      });
    });

    it("receives no secrets and mounts no EFS volume (it is stateless), only scratch space where nginx writes", () => {
      const c = consoleContainer(run);
      expect(c.secrets).toBeUndefined();
      expect(c.mountPoints).toEqual([
        { sourceVolume: "console-tmp", containerPath: "/tmp" },
        { sourceVolume: "console-etc-nginx-conf-d", containerPath: "/etc/nginx/conf.d" },
      ]);
      expect(run.get(T.taskDefinition, "console").inputs.volumes).toEqual([{ name: "console-tmp" }, { name: "console-etc-nginx-conf-d" }]);
    });
  });

  describe("scaling", () => {
    it(`autoscales the service between ${expected.min} and ${expected.max} tasks from the stack config`, () => {
      const target = run.get(T.scalingTarget, "console").inputs;
      expect(target).toMatchObject({
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        minCapacity: expected.min,
        maxCapacity: expected.max,
        resourceId: `service/${run.outputs.clusterName}/${run.outputs.serviceNames.uiConsole}`,
      });
    });

    it("tracks CPU and requests per target", () => {
      const policies = run.ofType(T.scalingPolicy).filter((p) => p.name.startsWith("console-"));
      expect(policies.map((p) => p.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType).sort()).toEqual([
        "ALBRequestCountPerTarget",
        "ECSServiceAverageCPUUtilization",
      ]);
    });

    it("starts at the floor, leaves the running count to autoscaling, and rolls deploys without dropping capacity", () => {
      const svc = run.get(T.service, "console");
      expect(svc.inputs.desiredCount).toBe(expected.min);
      expect(svc.ignoreChanges).toContain("desiredCount");
      expect(svc.inputs.deploymentMinimumHealthyPercent).toBe(100);
      expect(svc.inputs.deploymentMaximumPercent).toBe(200);
      expect(svc.inputs.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
    });
  });

  describe("load balancer", () => {
    it("checks /health on 8080 from its target group", () => {
      const tg = run.get(T.targetGroup, "console-8080").state;
      expect(tg).toMatchObject({ port: 8080, protocol: "HTTP", targetType: "ip" });
      expect(tg.healthCheck).toMatchObject({ enabled: true, path: "/health", port: "8080", matcher: "200" });
      expect(run.get(T.service, "console").inputs.loadBalancers).toEqual([
        { containerName: "console", containerPort: 8080, targetGroupArn: tg.arn },
      ]);
    });

    it("admits only 8080, and only from the load balancer", () => {
      const [tasksSg] = run.get(T.service, "console").inputs.networkConfiguration.securityGroups;
      const ingress = run.ofType(T.ingressRule).filter((r) => r.inputs.securityGroupId === tasksSg);
      expect(ingress.map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId])).toEqual([
        [8080, 8080, run.outputs.albSecurityGroupId],
      ]);
    });

    if (expected.host) {
      it(`is reached at ${expected.host}: a host rule on the HTTPS listener and an alias record`, () => {
        const rule = run.get(T.listenerRule, "console-8080-forward").inputs;
        expect(rule.listenerArn).toBe(run.get(T.listener, "platform-listener-443").state.arn);
        expect(rule.conditions).toEqual([{ hostHeader: { values: [expected.host] } }]);
        expect(rule.actions).toEqual([{ type: "forward", targetGroupArn: run.get(T.targetGroup, "console-8080").state.arn }]);
        const record = run.get(T.record, "platform-console").inputs;
        expect(record).toMatchObject({ name: expected.host, type: "A" });
      });
    } else {
      it("is reached on the load balancer's port 80 through its own listener", () => {
        const listener = run.get(T.listener, expected.listener).state;
        expect(listener).toMatchObject({ port: 80, protocol: "HTTP" });
        const rule = run.get(T.listenerRule, "console-8080-forward").inputs;
        expect(rule.listenerArn).toBe(listener.arn);
        expect(rule.conditions).toEqual([{ pathPattern: { values: ["/*"] } }]);
      });
    }

    it("publishes its URL", () => {
      expect(run.outputs.consoleUrl).toBe(expected.url(run.outputs.albDnsName));
    });
  });
});

describe("UI console config errors", () => {
  it("refuses a ceiling below the floor", async () => {
    await expect(runProgram({ stack: "prod", config: { uiConsoleMinCount: 3, uiConsoleMaxCount: 2 } })).rejects.toThrow(
      "ai-platform:uiConsoleMaxCount: 2 is less than uiConsoleMinCount (3)",
    );
  });

  it("requires the Supabase anon key it bakes into the bundle", async () => {
    await expect(runProgram({ stack: "staging", config: { supabaseAnonKey: "" } })).rejects.toThrow(
      "ai-platform:supabaseAnonKey: is required by uiConsole; run `pulumi config set supabaseAnonKey <anon key>` (it is public)",
    );
  });
});
