/**
 * The policy pack (policy/rules.ts) against what the program really registers: both stacks pass every rule,
 * and each rule fires, with its message, on a copy of the stack broken the way the rule forbids.
 */
import * as rules from "../policy/rules";
import {
  containersHardened,
  ecrScanOnPush,
  efsEncryptedAtRest,
  efsMountsUseTlsAndIam,
  executionRolesReadExactSecrets,
  fileSystemsStay,
  httpRedirectsToHttps,
  logRetentionSet,
  noSecretsInPlainEnvironment,
  policies,
  protectedStateInProd,
  secretLooking,
  statefulServicesSingleWriter,
  tasksWithoutPublicIp,
} from "../policy/rules";
import { Captured, ProgramRun, StackName, containerDefinitions, efsVolumes, policyDocument, runProgram } from "./support/harness";
import { PolicyConfig, Rule, copyResources, propsOf, resourceIn, runPolicies } from "./support/policy";
import { FILE_SYSTEMS } from "../policy/file-systems";

const T = {
  service: "aws:ecs/service:Service",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  fileSystem: "aws:efs/fileSystem:FileSystem",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  repository: "aws:ecr/repository:Repository",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  secret: "aws:secretsmanager/secret:Secret",
  scalableTarget: "aws:appautoscaling/target:Target",
};

/** The committed stacks, and staging with its domain unset (the quick-trial mode, plain HTTP on listener ports). */
const runs = {} as Record<StackName | "noDomain", ProgramRun>;

beforeAll(async () => {
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
  runs.noDomain = await runProgram({ stack: "staging", config: { domain: "" } });
});

/**
 * A copy of a stack's resources with one change made by `breakIt` to their inputs, which for the copy are the
 * properties rules see (inputs over returned state), so a deleted input is gone for the rule too.
 */
function broken(stack: keyof typeof runs, breakIt: (resources: Captured[]) => void): Captured[] {
  const resources = copyResources(runs[stack].resources).map((r) => {
    const props = propsOf(r);
    return { ...r, inputs: props, state: props };
  });
  breakIt(resources);
  return resources;
}

/** The messages one rule reports. */
async function messages(rule: Rule, resources: Captured[], config?: PolicyConfig): Promise<string[]> {
  return (await runPolicies([rule], resources, config)).map((v) => v.message);
}

/** Rewrites a task definition's container definitions (JSON text, as the provider receives them). */
function editContainers(td: Captured, edit: (containers: any[]) => void): void {
  const containers = containerDefinitions(td);
  edit(containers);
  td.inputs.containerDefinitions = JSON.stringify(containers);
}

function editPolicy(rolePolicy: Captured, edit: (doc: any) => void): void {
  const doc = policyDocument(rolePolicy);
  edit(doc);
  rolePolicy.inputs.policy = JSON.stringify(doc);
}

const secretArn = (stack: StackName, name: string): string => runs[stack].get("ai-platform:secret:Secret", name).state.arn;

it("the pack serves every rule rules.ts defines, each under its own name", () => {
  const defined = Object.values(rules).filter((v): v is Rule => typeof v === "object" && v !== null && "name" in v && ("validateResource" in v || "validateStack" in v));
  expect(new Set(policies)).toEqual(new Set(defined));
  expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
});

describe.each(["staging", "prod"] as const)("the %s stack", (stack) => {
  it("passes every rule of the pack", async () => {
    expect(await runPolicies(policies, runs[stack].resources)).toEqual([]);
  });
});

describe("ecs-tasks-without-public-ip", () => {
  it.each(["staging", "prod"] as const)("holds for the three %s services, all without public IPs", async (stack) => {
    const services = runs[stack].ofType(T.service);
    expect(services.map((s) => s.inputs.networkConfiguration.assignPublicIp)).toEqual([false, false, false]);
    expect(await messages(tasksWithoutPublicIp, runs[stack].resources)).toEqual([]);
  });

  it("fires for a service that gives its tasks public IPs", async () => {
    const resources = broken("prod", (rs) => (resourceIn(rs, T.service, "gateway").inputs.networkConfiguration.assignPublicIp = true));
    expect(await runPolicies([tasksWithoutPublicIp], resources)).toEqual([
      {
        policy: "ecs-tasks-without-public-ip",
        message: "service gateway gives its tasks public IP addresses; run them in private subnets with assignPublicIp false (egress through NAT)",
        urn: resourceIn(resources, T.service, "gateway").urn,
      },
    ]);
  });
});

describe("efs-encrypted-at-rest", () => {
  it.each(["staging", "prod"] as const)("holds for both %s file systems", async (stack) => {
    expect(runs[stack].ofType(T.fileSystem).map((f) => f.inputs.encrypted)).toEqual([true, true]);
    expect(await messages(efsEncryptedAtRest, runs[stack].resources)).toEqual([]);
  });

  it("fires for an unencrypted file system", async () => {
    const resources = broken("staging", (rs) => (resourceIn(rs, T.fileSystem, "gateway").inputs.encrypted = false));
    expect(await messages(efsEncryptedAtRest, resources)).toEqual([
      "EFS file system gateway is not encrypted at rest; set encrypted: true (EFS can only encrypt a file system when it is created)",
    ]);
  });
});

describe("efs-mounts-use-tls-and-iam", () => {
  it.each(["staging", "prod"] as const)("holds for the seven EFS volumes of %s (each system's writer directory among them)", async (stack) => {
    expect(runs[stack].ofType(T.taskDefinition).flatMap(efsVolumes)).toHaveLength(7);
    expect(await messages(efsMountsUseTlsAndIam, runs[stack].resources)).toEqual([]);
  });

  it("fires for a volume mounted without TLS, without IAM and without an access point", async () => {
    const resources = broken("prod", (rs) => {
      const tenants = resourceIn(rs, T.taskDefinition, "gateway").inputs.volumes.find((v: any) => v.name === "tenants");
      tenants.efsVolumeConfiguration.transitEncryption = "DISABLED";
      tenants.efsVolumeConfiguration.authorizationConfig = { iam: "DISABLED" };
    });
    expect(await messages(efsMountsUseTlsAndIam, resources)).toEqual([
      'volume tenants of task definition gateway mounts EFS without TLS; set transitEncryption: "ENABLED"',
      'volume tenants of task definition gateway mounts EFS without IAM authorization; set authorizationConfig.iam: "ENABLED" so the task role decides who mounts',
      "volume tenants of task definition gateway mounts EFS without an access point; mount through one so files get the access point's POSIX owner",
    ]);
  });
});

describe("http-redirects-to-https", () => {
  it("holds for prod, whose only HTTP listener (port 80) redirects to HTTPS", async () => {
    const redirect = runs.prod.get(T.listener, "platform-listener-80").inputs;
    expect(redirect.port).toBe(80);
    expect(redirect.defaultActions).toEqual([{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
    expect(await messages(httpRedirectsToHttps, runs.prod.resources)).toEqual([]);
  });

  it("holds for staging, whose port 80 redirects to HTTPS on its own domain", async () => {
    expect(runs.staging.ofType(T.listener).map((l) => `${l.inputs.protocol}:${l.inputs.port}`).sort()).toEqual(["HTTP:80", "HTTPS:443"]);
    expect(await messages(httpRedirectsToHttps, runs.staging.resources)).toEqual([]);
  });

  it("holds for a stack without a domain, which serves plain HTTP on its four listener ports (and is warned about)", async () => {
    expect(runs.noDomain.ofType(T.listener).map((l) => `${l.inputs.protocol}:${l.inputs.port}`).sort()).toEqual(["HTTP:3000", "HTTP:80", "HTTP:8000", "HTTP:8001"]);
    expect(await messages(httpRedirectsToHttps, runs.noDomain.resources)).toEqual([]);
  });

  it("fires when prod's port-80 listener answers instead of redirecting", async () => {
    const resources = broken("prod", (rs) => {
      resourceIn(rs, T.listener, "platform-listener-80").inputs.defaultActions = [
        { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404" } },
      ];
    });
    expect(await runPolicies([httpRedirectsToHttps], resources)).toEqual([
      {
        policy: "http-redirects-to-https",
        message:
          "listener platform-listener-80 (HTTP on port 80) answers over plain HTTP although the stack serves HTTPS (platform-listener-443); its default action must redirect to HTTPS",
        urn: resourceIn(resources, T.listener, "platform-listener-80").urn,
      },
    ]);
  });

  it("fires when a listener rule forwards plain HTTP past the redirect", async () => {
    const resources = broken("prod", (rs) => {
      const rule = resourceIn(rs, T.listenerRule, "gateway-3000-forward");
      const https = resourceIn(rs, T.listener, "platform-listener-443").urn;
      const http = resourceIn(rs, T.listener, "platform-listener-80").urn;
      rule.dependencies = rule.dependencies.map((d) => (d === https ? http : d));
    });
    expect(await messages(httpRedirectsToHttps, resources)).toEqual([
      "listener rule gateway-3000-forward on HTTP listener platform-listener-80 answers over plain HTTP although the stack serves HTTPS; only redirects to HTTPS belong there",
    ]);
  });

  it("fires for every plain HTTP listener and its forwarding rules, not only port 80, once any listener serves HTTPS", async () => {
    const resources = broken("noDomain", (rs) => {
      const gateway = resourceIn(rs, T.listener, "platform-listener-3000").inputs;
      gateway.protocol = "HTTPS";
      gateway.port = 443;
    });
    const plain = [
      { listener: "platform-listener-8000", port: 8000, rule: "security-8000-forward" },
      { listener: "platform-listener-8001", port: 8001, rule: "security-8001-forward" },
      { listener: "platform-listener-80", port: 80, rule: "console-8080-forward" },
    ];
    // Every rule on those listeners answers over plain HTTP: the forwarding ones, and the control plane's admin and
    // deny rules on 8001.
    const listenerArn = (name: string) => resourceIn(resources, T.listener, name).state.arn;
    const rulesOn = plain.flatMap(({ listener }) =>
      resources.filter((r) => r.type === "aws:lb/listenerRule:ListenerRule" && r.inputs.listenerArn === listenerArn(listener)).map((r) => ({ listener, rule: r.name })),
    );
    expect(rulesOn.map((r) => r.rule)).toEqual(expect.arrayContaining(plain.map((p) => p.rule)));
    expect((await messages(httpRedirectsToHttps, resources)).sort()).toEqual(
      [
        ...plain.map(
          ({ listener, port }) =>
            `listener ${listener} (HTTP on port ${port}) answers over plain HTTP although the stack serves HTTPS (platform-listener-3000); its default action must redirect to HTTPS`,
        ),
        ...rulesOn.map(
          ({ listener, rule }) =>
            `listener rule ${rule} on HTTP listener ${listener} answers over plain HTTP although the stack serves HTTPS; only redirects to HTTPS belong there`,
        ),
      ].sort(),
    );
  });
});

describe("no-secrets-in-plain-environment", () => {
  it.each(["staging", "prod"] as const)("holds for every plain variable of the %s containers", async (stack) => {
    const names = runs[stack].ofType(T.taskDefinition).flatMap((td) => containerDefinitions(td).flatMap((c) => c.environment.map((e: any) => e.name)));
    expect(names).toEqual(expect.arrayContaining(["SUPABASE_URL", "MCP_GATEWAY_SUMMARY_THRESHOLD_BYTES", "API_ORIGIN"]));
    expect(await messages(noSecretsInPlainEnvironment, runs[stack].resources)).toEqual([]);
  });

  const tuplKey = `tupl_${"ab12".repeat(16)}`;
  const plantEnvironment = () =>
    broken("prod", (rs) =>
      editContainers(resourceIn(rs, T.taskDefinition, "gateway"), (containers) => {
        const gateway = containers.find((c) => c.name === "gateway");
        gateway.environment.push(
          { name: "GEMINI_API_KEY", value: "test-gemini-api-key" },
          { name: "BOOTSTRAP", value: tuplKey },
          { name: "DATABASE_URL", value: "postgres://app:hunter22@db.internal:5432/app" },
        );
      }),
    );

  it("fires for a secret's name and for secret-shaped values, without repeating the values", async () => {
    const reported = await messages(noSecretsInPlainEnvironment, plantEnvironment());
    const advice = "pass it in the container's secrets (valueFrom a Secrets Manager ARN)";
    expect(reported).toEqual([
      `container gateway of task definition gateway passes GEMINI_API_KEY as plain environment, and its name says it is a secret; ${advice}`,
      `container gateway of task definition gateway passes BOOTSTRAP as plain environment, and its value looks like an API key of the MCP Gateway (tupl_ + 64 hex); ${advice}`,
      `container gateway of task definition gateway passes DATABASE_URL as plain environment, and its value looks like a URL with a password; ${advice}`,
    ]);
    expect(reported.join("\n")).not.toMatch(/test-gemini-api-key|tupl_ab12|hunter22/);
  });

  it("lets the allowedNames config exempt a variable that only looks secret", async () => {
    const reported = await messages(noSecretsInPlainEnvironment, plantEnvironment(), {
      "no-secrets-in-plain-environment": { allowedNames: ["GEMINI_API_KEY", "DATABASE_URL"] },
    });
    expect(reported).toEqual([expect.stringContaining("passes BOOTSTRAP as plain environment")]);
  });

  it.each([
    ["SUPABASE_JWT_SECRET", "x", "its name says it is a secret"],
    ["apiKey", "x", "its name says it is a secret"],
    ["GITHUB_TOKEN", "x", "its name says it is a secret"],
    ["DB_PASSWORD", "x", "its name says it is a secret"],
    ["AWS_ID", "AKIAIOSFODNN7EXAMPLE", "its value looks like an AWS access key id"],
    ["GOOGLE", "AIzaSy0-_abcdefghijklmnopqrstuvwxyz1234", "its value looks like a Google API key"],
    ["SIGNING", "a".repeat(64), "its value looks like a long hex secret"],
    ["BLOB", "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", "its value looks like a long base64 secret"],
  ])("%s=%s looks secret: %s", (name, value, why) => {
    expect(secretLooking(name, value)).toBe(why);
  });

  it.each([
    ["KEYBOARD_LAYOUT", "us"],
    ["MONKEY", "george"],
    ["SUPABASE_URL", "https://tupl.supabase.co"],
    ["MCP_GATEWAY_SUMMARY_THRESHOLD_BYTES", "2048"],
    ["GIT_SHA", "3f786850e387550fdab836ed7e6dc881de23001b"],
    ["PYTHONPATH", "/app/management-plane/src/Packages/Vendor1/Lib"],
  ])("%s=%s does not look secret", (name, value) => {
    expect(secretLooking(name, value)).toBeUndefined();
  });
});

describe("log-retention-set", () => {
  it.each([
    ["staging", 14],
    ["prod", 90],
  ] as const)("holds for the %s log groups, kept %i days", async (stack, days) => {
    // A log group per service, the firewall's, the restore test's, and ECS Exec's sessions where it is on: all kept as long.
    const groups = runs[stack].ofType(T.logGroup);
    expect(groups.length).toBe(runs[stack].ofType(T.service).length + 2 + (runs[stack].config["ai-platform:ecsExec"] === "true" ? 1 : 0));
    expect(groups.map((g) => g.inputs.retentionInDays)).toEqual(groups.map(() => days));
    expect(await messages(logRetentionSet, runs[stack].resources)).toEqual([]);
  });

  it("fires for a log group kept forever and for a retention CloudWatch refuses", async () => {
    const resources = broken("staging", (rs) => {
      delete resourceIn(rs, T.logGroup, "gateway").inputs.retentionInDays;
      resourceIn(rs, T.logGroup, "console").inputs.retentionInDays = 45;
    });
    expect(await messages(logRetentionSet, resources)).toEqual([
      "log group gateway keeps its logs forever; set retentionInDays",
      "log group console: retentionInDays 45 is not a value CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    ]);
  });
});

describe("ecr-scan-on-push", () => {
  it.each(["staging", "prod"] as const)("holds for the five %s repositories (the three images, ChromaDB's copy and the restore check)", async (stack) => {
    expect(runs[stack].ofType(T.repository).map((r) => r.inputs.imageScanningConfiguration)).toEqual(Array(5).fill({ scanOnPush: true }));
    expect(await messages(ecrScanOnPush, runs[stack].resources)).toEqual([]);
  });

  it("fires for a repository that does not scan pushed images", async () => {
    const resources = broken("prod", (rs) => delete resourceIn(rs, T.repository, "console").inputs.imageScanningConfiguration);
    expect(await messages(ecrScanOnPush, resources)).toEqual([
      "ECR repository console does not scan images on push; set imageScanningConfiguration.scanOnPush: true",
    ]);
  });
});

describe("protected-state-in-prod", () => {
  it("holds for prod: the load balancer has deletion protection and both file systems are protected", async () => {
    expect(runs.prod.get(T.loadBalancer, "platform").inputs.enableDeletionProtection).toBe(true);
    expect(runs.prod.ofType(T.fileSystem).map((f) => [f.protect, f.retainOnDelete])).toEqual([
      [true, true],
      [true, true],
    ]);
    expect(await messages(protectedStateInProd, runs.prod.resources)).toEqual([]);
  });

  it("leaves staging free to be destroyed", async () => {
    expect(runs.staging.get(T.loadBalancer, "platform").inputs.enableDeletionProtection).toBe(false);
    expect(runs.staging.ofType(T.fileSystem).map((f) => f.protect)).toEqual([false, false]);
    expect(await messages(protectedStateInProd, runs.staging.resources)).toEqual([]);
  });

  it("fires in prod for a load balancer without deletion protection and an unprotected file system", async () => {
    const resources = broken("prod", (rs) => {
      resourceIn(rs, T.loadBalancer, "platform").inputs.enableDeletionProtection = false;
      resourceIn(rs, T.fileSystem, "security").protect = false;
    });
    expect(await messages(protectedStateInProd, resources)).toEqual([
      "EFS file system security of stack prod holds state but is not protected; create it with the protect (and retainOnDelete) resource options",
      "load balancer platform of stack prod has no deletion protection; set enableDeletionProtection: true",
    ]);
  });

  it("fires for staging too when the stacks config names it", async () => {
    const reported = await messages(protectedStateInProd, runs.staging.resources, { "protected-state-in-prod": { stacks: ["staging", "prod"] } });
    expect(reported).toEqual([
      "EFS file system gateway of stack staging holds state but is not protected; create it with the protect (and retainOnDelete) resource options",
      "EFS file system security of stack staging holds state but is not protected; create it with the protect (and retainOnDelete) resource options",
      "load balancer platform of stack staging has no deletion protection; set enableDeletionProtection: true",
    ]);
  });
});

describe("file-systems-stay", () => {
  it.each(["staging", "prod"] as const)("records exactly the file systems the %s stack has, by system", (stack) => {
    expect(Object.fromEntries(runs[stack].ofType(T.fileSystem).map((fs) => [fs.inputs.tags.Name, fs.urn]))).toEqual(FILE_SYSTEMS[stack]);
  });

  /** prod with its gateway volume moved under another component type: the URN is lost, the Name tag the same. */
  const refactored = (aliases: string[]) =>
    broken("prod", (rs) => {
      const fs = resourceIn(rs, T.fileSystem, "gateway");
      fs.urn = fs.urn.replace("ai-platform:volume:Volume$", "ai-platform:storage:Volume$");
      fs.aliases = aliases;
    });

  it("refuses the new, empty file system a refactor that loses a volume's URN would create", async () => {
    expect(await messages(fileSystemsStay, refactored([]))).toEqual([
      `EFS file system gateway of stack prod would be a new, empty file system for gateway, which has ${FILE_SYSTEMS.prod.gateway}: ` +
        "a refactor that loses a volume's URN moves the service onto an empty file system. Keep the URN (an alias to the recorded one); " +
        "to use another file system, restore by config (<system>RestoreFileSystemId), which adopts it and creates none",
    ]);
  });

  it("lets a rename that keeps the file system through an alias pass", async () => {
    expect(await messages(fileSystemsStay, refactored([FILE_SYSTEMS.prod.gateway]))).toEqual([]);
  });

  it("lets a restore pass: it adopts the restored file system by id and creates no file system", async () => {
    const restored = await runProgram({
      stack: "prod",
      config: { gatewayRestoreFileSystemId: "fs-0a1b2c3d4e5f67890", gatewayRestorePath: "aws-backup-restore_2026-05-01T03-10-00-000Z/gateway/writer/snapshot" },
      fileSystems: { "fs-0a1b2c3d4e5f67890": { kmsKeyId: runs.prod.get("aws:kms/key:Key", "gateway").state.arn } },
    });
    expect(restored.ofType(T.fileSystem).map((f) => f.urn)).toEqual(runs.prod.ofType(T.fileSystem).map((f) => f.urn));
    expect(await messages(fileSystemsStay, restored.resources)).toEqual([]);
  });

  it("lets a stack, or a system, that has no file system yet create its first", async () => {
    const fresh = broken("prod", (rs) => {
      for (const r of rs) r.urn = r.urn.replace("urn:pulumi:prod::", "urn:pulumi:dev::");
    });
    expect(await messages(fileSystemsStay, fresh)).toEqual([]);
    const newSystem = broken("prod", (rs) => (resourceIn(rs, T.fileSystem, "gateway").inputs.tags = { Name: "search-index" }));
    expect(await messages(fileSystemsStay, newSystem)).toEqual([]);
  });
});

describe("stateful-services-single-writer", () => {
  it.each(["staging", "prod"] as const)("holds for %s: the EFS services run one task, stop-then-start; the console scales freely", async (stack) => {
    const shape = (name: string) => {
      const s = runs[stack].get(T.service, name).inputs;
      return [s.desiredCount, s.deploymentMinimumHealthyPercent, s.deploymentMaximumPercent];
    };
    expect(shape("gateway")).toEqual([1, 0, 100]);
    expect(shape("security")).toEqual([1, 0, 100]);
    expect(shape("console")).toEqual([stack === "prod" ? 2 : 1, 100, 200]);
    expect(await messages(statefulServicesSingleWriter, runs[stack].resources)).toEqual([]);
  });

  it("fires for an EFS service with two tasks and rolling deploys", async () => {
    const resources = broken("prod", (rs) => {
      Object.assign(resourceIn(rs, T.service, "gateway").inputs, { desiredCount: 2, deploymentMinimumHealthyPercent: 100, deploymentMaximumPercent: 200 });
    });
    const what = "service gateway mounts EFS (task definition gateway) but";
    expect(await messages(statefulServicesSingleWriter, resources)).toEqual([
      `${what} runs 2 tasks; a single writer runs at most 1`,
      `${what} deploys with maximum 200%: old and new tasks would write at once; set deploymentMaximumPercent 100`,
      `${what} deploys with minimum 100%: with maximum 100% the old task never stops; set deploymentMinimumHealthyPercent 0`,
    ]);
  });

  it("fires for an autoscaling target that may add tasks to an EFS service", async () => {
    const resources = broken("prod", (rs) => {
      const target = resourceIn(rs, T.scalableTarget, "console");
      const console = resourceIn(rs, T.service, "console").urn;
      const gateway = resourceIn(rs, T.service, "gateway").urn;
      target.dependencies = target.dependencies.map((d) => (d === console ? gateway : d));
    });
    expect(await messages(statefulServicesSingleWriter, resources)).toEqual([
      "service gateway mounts EFS (task definition gateway) but autoscaling target console may run 6 tasks",
    ]);
  });
});

describe("containers-hardened", () => {
  it.each(["staging", "prod"] as const)("holds for every container of %s (staging with ECS Exec on, so writable roots there)", async (stack) => {
    const defs = runs[stack].ofType(T.taskDefinition).flatMap(containerDefinitions);
    expect(defs).toHaveLength(6);
    expect(defs.filter((c) => c.readonlyRootFilesystem === true)).toHaveLength(stack === "prod" ? 6 : 0);
    expect(await messages(containersHardened, runs[stack].resources)).toEqual([]);
  });

  it("fires for ChromaDB as Docker Hub ships it: root, Docker's capabilities, a writable root, a tag", async () => {
    const resources = broken("prod", (rs) =>
      editContainers(resourceIn(rs, T.taskDefinition, "gateway"), (cs) => {
        const chroma = cs.find((c) => c.name === "chromadb");
        for (const key of ["user", "readonlyRootFilesystem", "linuxParameters"]) delete chroma[key];
        chroma.image = "chromadb/chroma:1.0.15";
      }),
    );
    const what = "container chromadb of task definition gateway";
    expect(await messages(containersHardened, resources)).toEqual([
      `${what} runs as root (user not set); set user to the image's non-root uid:gid`,
      `${what} keeps Docker's default capabilities (NET_RAW among them); set linuxParameters.capabilities.drop to ["ALL"]`,
      `${what} has a writable root file system; set readonlyRootFilesystem: true and mount a volume where it writes (only ECS Exec, on service gateway, would need it writable)`,
      `${what} runs chromadb/chroma:1.0.15, which a tag can move; pin it by digest (@sha256:...), e.g. a copy pushed to ECR`,
    ]);
  });

  it("fires for root by any spelling and for a capability added back, unless the config names it", async () => {
    const resources = broken("prod", (rs) =>
      editContainers(resourceIn(rs, T.taskDefinition, "security"), (cs) => {
        cs.find((c) => c.name === "data-plane").user = "root:root";
        cs.find((c) => c.name === "control-plane").user = "0";
        cs.find((c) => c.name === "management-plane").linuxParameters.capabilities.add = ["NET_BIND_SERVICE", "SYS_PTRACE"];
      }),
    );
    expect(await messages(containersHardened, resources)).toEqual([
      'container control-plane of task definition security runs as root (user "0"); set user to the image\'s non-root uid:gid',
      'container data-plane of task definition security runs as root (user "root:root"); set user to the image\'s non-root uid:gid',
      "container management-plane of task definition security adds capabilities NET_BIND_SERVICE, SYS_PTRACE; drop them, or name them in the rule's allowedCapabilities",
    ]);
    expect(await messages(containersHardened, resources, { "containers-hardened": { allowedCapabilities: ["NET_BIND_SERVICE"] } })).toContain(
      "container management-plane of task definition security adds capabilities SYS_PTRACE; drop them, or name them in the rule's allowedCapabilities",
    );
  });

  it("lets a service with ECS Exec on keep writable roots, and no other", async () => {
    const writable = (rs: Captured[]) =>
      editContainers(resourceIn(rs, T.taskDefinition, "console"), (cs) => cs.forEach((c) => delete c.readonlyRootFilesystem));
    expect(await messages(containersHardened, broken("prod", writable))).toHaveLength(1);
    const withExec = broken("prod", (rs) => {
      writable(rs);
      resourceIn(rs, T.service, "console").inputs.enableExecuteCommand = true;
    });
    expect(await messages(containersHardened, withExec)).toEqual([]);
  });
});

describe("execution-roles-read-exact-secrets", () => {
  it.each(["staging", "prod"] as const)("holds for %s: each execution role reads exactly the secrets its containers inject", async (stack) => {
    const granted = (name: string) =>
      policyDocument(runs[stack].get(T.rolePolicy, name)).Statement.filter((s: any) => s.Action === "secretsmanager:GetSecretValue").flatMap((s: any) => s.Resource);
    expect(granted("gateway-execution").sort()).toEqual([secretArn(stack, "gateway-admin-api-key"), secretArn(stack, "gateway-gemini-api-key")].sort());
    expect(granted("security-execution").sort()).toEqual([secretArn(stack, "security-google-api-key"), secretArn(stack, "security-supabase-jwt")].sort());
    expect(granted("console-execution")).toEqual([]);
    expect(await messages(executionRolesReadExactSecrets, runs[stack].resources)).toEqual([]);
  });

  const secretsStatement = (doc: any) => doc.Statement.find((s: any) => s.Sid === "Secrets");

  it("fires for a wildcard grant", async () => {
    const resources = broken("prod", (rs) =>
      editPolicy(resourceIn(rs, T.rolePolicy, "gateway-execution"), (doc) => {
        secretsStatement(doc).Resource = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:*";
      }),
    );
    expect(await messages(executionRolesReadExactSecrets, resources)).toEqual([
      "execution role gateway-execution may read secrets matching arn:aws:secretsmanager:eu-west-1:123456789012:secret:*; grant secretsmanager:GetSecretValue on exact secret ARNs only",
    ]);
  });

  it("fires for a secret no container of the role's task definition injects, however the action is spelled", async () => {
    const jwt = secretArn("prod", "security-supabase-jwt");
    const resources = broken("prod", (rs) =>
      editPolicy(resourceIn(rs, T.rolePolicy, "gateway-execution"), (doc) => {
        doc.Statement.push({ Effect: "Allow", Action: "secretsmanager:Get*", Resource: jwt });
      }),
    );
    expect(await messages(executionRolesReadExactSecrets, resources)).toEqual([
      `execution role gateway-execution may read secret ${jwt}, which none of its task definitions inject; remove the grant`,
    ]);
  });

  it("fires for a secret a container injects but the role may not read", async () => {
    const adminKey = secretArn("prod", "gateway-admin-api-key");
    const resources = broken("prod", (rs) =>
      editPolicy(resourceIn(rs, T.rolePolicy, "gateway-execution"), (doc) => {
        const statement = secretsStatement(doc);
        statement.Resource = statement.Resource.filter((arn: string) => arn !== adminKey);
      }),
    );
    expect(await messages(executionRolesReadExactSecrets, resources)).toEqual([
      `execution role gateway-execution may not read secret ${adminKey}, which container gateway of task definition gateway injects: tasks would fail to start (ResourceInitializationError)`,
    ]);
  });
});
